//! The datasets as the page's Data card offers them: label, class names, what a sample is,
//! where to get the files, whether they ship with the page or are built in; and which dataset
//! dropped files are.

use super::{MNIST_FILES, bundled_files, cifar};
use crate::config::{Config, DatasetKind};
use serde::Serialize;

const DIGITS: [&str; 10] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
const FASHION: [&str; 10] =
    ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
const CIFAR: [&str; 10] = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

/// One dataset, as the page shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KindInfo {
    pub name: &'static str,
    pub label: &'static str,
    /// The class names, by label.
    pub classes: &'static [&'static str],
    /// What a sample is, before its class name: `a handwritten` 7, `a photo of a` cat.
    pub noun: &'static str,
    /// Where to get the files, for the datasets a user supplies.
    pub source: Option<&'static str>,
    /// Its files ship with the page ([`bundled_files`]).
    pub bundled: bool,
    /// Built into the engine: no files at all (the Q&A's six examples).
    pub built_in: bool,
}

/// How the page shows `kind`.
pub fn info(kind: DatasetKind) -> KindInfo {
    let (classes, noun, source): (&'static [&'static str], _, _) = match kind {
        DatasetKind::MnistSubset => (&DIGITS, "a handwritten", None),
        DatasetKind::Mnist => (&DIGITS, "a handwritten", Some("https://yann.lecun.com/exdb/mnist/ or a mirror")),
        DatasetKind::FashionMnist => {
            (&FASHION, "a photo of a", Some("https://github.com/zalandoresearch/fashion-mnist"))
        }
        DatasetKind::Cifar10Subset => (&CIFAR, "a photo of a", None),
        DatasetKind::Cifar10 => {
            (&CIFAR, "a photo of a", Some("https://www.cs.toronto.edu/~kriz/cifar.html (the binary version)"))
        }
        DatasetKind::Qa => (&["0", "1"], "an example of", None),
    };
    KindInfo {
        name: kind.name(),
        label: kind.title(),
        classes,
        noun,
        source,
        bundled: bundled_files(kind).is_some(),
        built_in: kind == DatasetKind::Qa,
    }
}

/// Every dataset the page offers, in the picker's order, the first load's (the default
/// configuration's), and the MNIST-style files' standard names.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kinds {
    pub kinds: Vec<KindInfo>,
    pub default: &'static str,
    pub mnist_files: [&'static str; 4],
}

pub fn kinds() -> Kinds {
    Kinds {
        kinds: DatasetKind::ALL.into_iter().map(info).collect(),
        default: Config::default().dataset.name(),
        mnist_files: MNIST_FILES,
    }
}

/// CIFAR-10 when some of the files (names, paths allowed) are its batches
/// (`data_batch_1.bin` … `test_batch.bin`, raw or `.gz`) or its archive
/// (`cifar-10-binary.tar.gz`, `.tgz` or `.tar`); `None` when unsure.
pub fn guess(names: &[&str]) -> Option<DatasetKind> {
    let archive = |name: &str| {
        let base = cifar::base_name(name).to_ascii_lowercase();
        cifar::is_archive_name(name) && base.starts_with("cifar-10-binary.")
    };
    names.iter().any(|n| cifar::batch_of(n).is_some() || archive(n)).then_some(DatasetKind::Cifar10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subsets_ship_the_full_ones_say_where_to_get_them_and_the_qa_is_built_in() {
        let all = kinds();
        let names: Vec<&str> = all.kinds.iter().map(|k| k.name).collect();
        assert_eq!(names, ["mnist-subset", "mnist", "fashion-mnist", "cifar10-subset", "cifar10", "qa"]);
        assert_eq!(all.default, "mnist-subset");
        for k in &all.kinds {
            assert_eq!(k.bundled, k.name.ends_with("-subset"), "{}", k.name);
            assert_eq!(k.source.is_some(), !k.bundled && !k.built_in, "{}", k.name);
            assert_eq!(k.classes.len(), DatasetKind::parse(k.name).unwrap().outputs().max(2), "{}", k.name);
        }
        assert!(info(DatasetKind::Qa).built_in);
        assert_eq!(info(DatasetKind::Cifar10).classes[3], "cat");
        assert_eq!(info(DatasetKind::FashionMnist).label, "Fashion-MNIST");
    }

    #[test]
    fn dropped_cifar_batches_or_its_archive_are_cifar() {
        assert_eq!(guess(&["a/data_batch_3.bin"]), Some(DatasetKind::Cifar10));
        assert_eq!(guess(&["x.txt", "TEST_BATCH.bin.gz"]), Some(DatasetKind::Cifar10));
        for archive in ["cifar-10-binary.tar.gz", "cifar-10-binary.tgz", "cifar-10-binary.tar"] {
            assert_eq!(guess(&[archive]), Some(DatasetKind::Cifar10), "{archive}");
        }
        assert_eq!(guess(&["data_batch_6.bin"]), None);
        assert_eq!(guess(&["other.tar.gz", "train-images-idx3-ubyte.gz"]), None);
        assert_eq!(guess(&[]), None);
    }
}
