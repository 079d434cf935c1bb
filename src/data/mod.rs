//! Datasets kept as bytes on the CPU. A batch is normalised and uploaded one at a time, so even
//! all 50,000 CIFAR-10 images never sit in one GPU buffer.

pub mod cifar;
mod gunzip;
pub mod idx;
pub mod kinds;
pub mod reader;
#[cfg(test)]
mod test_files;
mod untar;

pub use reader::DatasetReader;

use crate::config::DatasetKind;
use serde::Deserialize;
use std::fmt;
use std::io::Read;

/// A parse or load problem, naming the file it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataError {
    pub file: String,
    pub message: String,
}

impl DataError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        DataError { file: file.into(), message: message.into() }
    }
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file, self.message)
    }
}

impl std::error::Error for DataError {}

/// Channels × height × width of one image; the network's input size is their product.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageShape {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl ImageShape {
    pub const MNIST: ImageShape = ImageShape { channels: 1, height: 28, width: 28 };
    pub const CIFAR: ImageShape = ImageShape { channels: 3, height: 32, width: 32 };

    pub fn pixels(self) -> usize {
        self.channels * self.height * self.width
    }
}

/// Per-channel (x/255 − mean) / std, as torchvision's Normalize after ToTensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Normalization {
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl Normalization {
    /// The article's MNIST statistics.
    pub fn mnist() -> Self {
        Normalization { mean: vec![0.1307], std: vec![0.3081] }
    }

    /// The article's CIFAR-10 transform: (x − 0.5) / 0.5 per channel.
    pub fn cifar() -> Self {
        Normalization { mean: vec![0.5; 3], std: vec![0.5; 3] }
    }

    /// A 256-entry lookup table per channel: byte → normalised value.
    fn tables(&self) -> Vec<[f32; 256]> {
        self.mean
            .iter()
            .zip(&self.std)
            .map(|(&mean, &std)| std::array::from_fn(|b| (b as f32 / 255.0 - mean) / std))
            .collect()
    }
}

/// One split: `labels.len()` images of `shape.pixels()` bytes each, channel-major (C, H, W).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl Split {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Room for `images` more images of `pixels` bytes each, if the memory is there (it is only a
    /// hint: the split still grows as needed).
    pub fn reserve(&mut self, images: usize, pixels: usize) {
        let _ = self.images.try_reserve_exact(images.saturating_mul(pixels));
        let _ = self.labels.try_reserve_exact(images);
    }

    /// Gives back the room reserved but not used.
    pub fn shrink_to_fit(&mut self) {
        self.images.shrink_to_fit();
        self.labels.shrink_to_fit();
    }

    /// How many images of each class (0–9).
    pub fn class_counts(&self) -> [usize; 10] {
        let mut counts = [0; 10];
        for &label in &self.labels {
            counts[label as usize % 10] += 1;
        }
        counts
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    pub kind: DatasetKind,
    pub shape: ImageShape,
    pub normalization: Normalization,
    pub train: Split,
    pub test: Split,
}

/// What is known of a file before its bytes are read, to reserve memory for what it holds: its
/// name, its size in bytes, and (cheap to read from a local file) its first two and last four
/// bytes. The page sends these as JSON (`{name, size, ends}`); any of them may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct FileInfo {
    pub name: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub ends: Option<Vec<u8>>,
}

impl FileInfo {
    /// The description of a file whose bytes are all here.
    pub fn of(name: &str, bytes: &[u8]) -> Self {
        let ends = (bytes.len() >= 6).then(|| [&bytes[..2], &bytes[bytes.len() - 4..]].concat());
        FileInfo { name: name.to_string(), size: Some(bytes.len() as u64), ends }
    }

    /// The file's size once decompressed, where it can be known before reading it: a raw file's
    /// size, or a gzip file's ISIZE trailer (its last four bytes: the size of its last member,
    /// modulo 2^32). `None` without the file's ends (then whether it is gzipped is not known).
    pub fn content_bytes(&self) -> Option<u64> {
        match self.ends.as_deref() {
            Some([0x1f, 0x8b, a, b, c, d]) => Some(u32::from_le_bytes([*a, *b, *c, *d]) as u64),
            Some([_, _, _, _, _, _]) => self.size,
            _ => None,
        }
    }
}

/// A batch ready for upload: normalised features, row-major [len, input_size], and labels.
#[derive(Clone, Debug, PartialEq)]
pub struct HostBatch {
    pub features: Vec<f32>,
    pub labels: Vec<i64>,
}

impl HostBatch {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
}

impl Dataset {
    /// Checks the invariants every constructor must give; parsers call it last.
    pub fn new(
        kind: DatasetKind,
        shape: ImageShape,
        normalization: Normalization,
        train: Split,
        test: Split,
    ) -> Result<Self, DataError> {
        for (name, split) in [("training split", &train), ("test split", &test)] {
            if split.is_empty() {
                return Err(DataError::new(kind.name(), format!("the {name} has no images")));
            }
            if split.images.len() != split.len() * shape.pixels() {
                return Err(DataError::new(
                    kind.name(),
                    format!(
                        "the {name} has {} label(s) but {} bytes of pixels ({} per image expected)",
                        split.len(),
                        split.images.len(),
                        shape.pixels()
                    ),
                ));
            }
            if let Some(bad) = split.labels.iter().find(|&&l| l >= 10) {
                return Err(DataError::new(kind.name(), format!("the {name} has label {bad}, outside 0–9")));
            }
        }
        if normalization.mean.len() != shape.channels || normalization.std.len() != shape.channels {
            return Err(DataError::new(kind.name(), "normalisation does not match the channel count"));
        }
        Ok(Dataset { kind, shape, normalization, train, test })
    }

    pub fn input_size(&self) -> usize {
        self.shape.pixels()
    }

    /// The same dataset with only the first `n` training images, in file order (a replayed run
    /// trained on such a prefix); the test split stays whole.
    pub fn with_first_training_images(&self, n: usize) -> Result<Dataset, DataError> {
        if n == 0 || n > self.train.len() {
            return Err(DataError::new(
                self.kind.name(),
                format!("cannot take the first {n} training images of {}", self.train.len()),
            ));
        }
        let train = Split {
            images: self.train.images[..n * self.input_size()].to_vec(),
            labels: self.train.labels[..n].to_vec(),
        };
        Dataset::new(self.kind, self.shape, self.normalization.clone(), train, self.test.clone())
    }

    /// The Q&A's six examples ("ReLU worse than sigmoid?"): inputs of three bits, one 0/1 target.
    /// Stored as bytes 0/255 normalised with mean 0 and std 1, so the network sees exactly 0 and 1.
    /// There is no held-out set: the test split is the training set, as in the Q&A.
    pub fn qa() -> Dataset {
        const INPUTS: [[u8; 3]; 6] = [[0, 0, 1], [0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 0, 0], [0, 1, 0]];
        const TARGETS: [u8; 6] = [0, 1, 0, 0, 1, 1];
        let split = Split { images: INPUTS.iter().flatten().map(|&bit| bit * 255).collect(), labels: TARGETS.to_vec() };
        let shape = ImageShape { channels: 1, height: 1, width: 3 };
        let normalization = Normalization { mean: vec![0.0], std: vec![1.0] };
        Dataset::new(DatasetKind::Qa, shape, normalization, split.clone(), split).expect("the Q&A's examples are valid")
    }

    /// Gathers, normalises and labels the images at `indices` of `split`.
    pub fn batch(&self, split: &Split, indices: &[usize]) -> HostBatch {
        let pixels = self.input_size();
        let plane = self.shape.height * self.shape.width;
        let tables = self.normalization.tables();
        let mut features = Vec::with_capacity(indices.len() * pixels);
        let mut labels = Vec::with_capacity(indices.len());
        for &i in indices {
            let image = &split.images[i * pixels..(i + 1) * pixels];
            for (channel, table) in image.chunks(plane).zip(&tables) {
                features.extend(channel.iter().map(|&b| table[b as usize]));
            }
            labels.push(split.labels[i] as i64);
        }
        HostBatch { features, labels }
    }
}

/// Gunzips `bytes` if they start with the gzip magic number, else returns them as they are.
pub fn maybe_gunzip(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes)
            .read_to_end(&mut out)
            .map_err(|e| DataError::new(file, format!("broken gzip data ({e})")))?;
        Ok(out)
    } else {
        Ok(bytes.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Dataset {
        let train = Split { images: vec![0, 255, 10, 20, 30, 40, 0, 0], labels: vec![3, 7] };
        let shape = ImageShape { channels: 1, height: 2, width: 2 };
        Dataset::new(DatasetKind::Mnist, shape, Normalization::mnist(), train.clone(), train).unwrap()
    }

    #[test]
    fn batch_normalises_like_torchvision() {
        let d = tiny();
        let b = d.batch(&d.train, &[0]);
        assert_eq!(b.labels, vec![3]);
        assert!((b.features[0] - (0.0 - 0.1307) / 0.3081).abs() < 1e-6);
        assert!((b.features[1] - (1.0 - 0.1307) / 0.3081).abs() < 1e-6);
        let b = d.batch(&d.train, &[1, 0]);
        assert_eq!(b.labels, vec![7, 3]);
        assert_eq!(b.features.len(), 8);
    }

    #[test]
    fn the_first_training_images_keep_file_order_and_the_whole_test_split() {
        let d = tiny();
        let first = d.with_first_training_images(1).unwrap();
        assert_eq!(first.train.labels, vec![3]);
        assert_eq!(first.train.images, vec![0, 255, 10, 20]);
        assert_eq!(first.test, d.test);
        assert!(d.with_first_training_images(3).unwrap_err().message.contains("first 3 training images of 2"));
        assert!(d.with_first_training_images(0).is_err());
    }

    #[test]
    fn cifar_normalisation_is_per_channel() {
        let shape = ImageShape { channels: 3, height: 1, width: 1 };
        let split = Split { images: vec![0, 255, 51], labels: vec![1] };
        let d = Dataset::new(DatasetKind::Cifar10, shape, Normalization::cifar(), split.clone(), split).unwrap();
        let b = d.batch(&d.test, &[0]);
        assert_eq!(b.features, vec![-1.0, 1.0, (0.2 - 0.5) / 0.5]);
    }

    #[test]
    fn inconsistent_splits_are_refused() {
        let shape = ImageShape::MNIST;
        let bad = Split { images: vec![0; 783], labels: vec![1] };
        let good = Split { images: vec![0; 784], labels: vec![1] };
        let err = Dataset::new(DatasetKind::Mnist, shape, Normalization::mnist(), bad, good.clone()).unwrap_err();
        assert!(err.message.contains("784 per image"), "{err}");
        let label = Split { images: vec![0; 784], labels: vec![12] };
        assert!(Dataset::new(DatasetKind::Mnist, shape, Normalization::mnist(), good, label).is_err());
    }

    #[test]
    fn gunzip_passes_raw_bytes_and_reports_truncation() {
        use std::io::Write;
        assert_eq!(maybe_gunzip("f", b"abc").unwrap(), b"abc");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(&[7u8; 1000]).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(maybe_gunzip("f", &gz).unwrap(), vec![7u8; 1000]);
        let err = maybe_gunzip("x.gz", &gz[..gz.len() / 2]).unwrap_err();
        assert_eq!(err.file, "x.gz");
    }
}

/// The standard names of the four MNIST-style files (Fashion-MNIST uses the same), in the order
/// train images, train labels, test images, test labels.
pub const MNIST_FILES: [&str; 4] =
    ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

/// The files of a dataset that ships with the page (served from `www/data/<kind>/` without a
/// manifest), in the order they are read; `None` for the datasets a user supplies.
pub fn bundled_files(kind: DatasetKind) -> Option<Vec<String>> {
    match kind {
        DatasetKind::MnistSubset => Some(MNIST_FILES.iter().map(|n| format!("{n}.gz")).collect()),
        DatasetKind::Cifar10Subset => Some(CIFAR_SUBSET_FILES.iter().map(|n| n.to_string()).collect()),
        _ => None,
    }
}

/// The bundled CIFAR-10 subset's files: one training batch and a test batch, gzipped, in the
/// official binary layout (data/cifar10-subset/README.md says which images they hold).
pub const CIFAR_SUBSET_FILES: [&str; 2] = ["data_batch_1.bin.gz", "test_batch.bin.gz"];

/// Which of [`MNIST_FILES`] a path names: matched on the base name, raw or `.gz`, in any case,
/// and also in the `train-images.idx3-ubyte` spelling some extractors produce.
fn mnist_role(path: &str) -> Option<usize> {
    let name = cifar::base_name(path).to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name).replace('.', "-");
    MNIST_FILES.iter().position(|&standard| standard == name)
}

/// Loads a dataset from files given whole as (name, contents). Names may carry a path; only
/// their base names matter. MNIST, Fashion-MNIST and the MNIST subset need
/// the four [`MNIST_FILES`] (each raw or `.gz`); CIFAR-10 needs its batches or the official
/// archive (see [`cifar::load_cifar`]). Other files are ignored.
pub fn load_files(kind: DatasetKind, files: &[(String, Vec<u8>)]) -> Result<Dataset, DataError> {
    if kind == DatasetKind::Qa {
        return Ok(Dataset::qa());
    }
    if kind.is_cifar() {
        return cifar::load_cifar(kind, files);
    }
    let mut slots: [Option<&(String, Vec<u8>)>; 4] = [None; 4];
    for file in files {
        if let Some(role) = mnist_role(&file.0) {
            if let Some(first) = slots[role] {
                return Err(DataError::new(
                    &file.0,
                    format!("{} is given twice, here and as {}; give each file once", MNIST_FILES[role], first.0),
                ));
            }
            slots[role] = Some(file);
        }
    }
    match slots {
        [Some(ti), Some(tl), Some(ei), Some(el)] => {
            idx::load_mnist(kind, (&ti.0, &ti.1), (&tl.0, &tl.1), (&ei.0, &ei.1), (&el.0, &el.1))
        }
        _ => {
            let missing: Vec<String> = MNIST_FILES
                .iter()
                .zip(&slots)
                .filter(|(_, slot)| slot.is_none())
                .map(|(name, _)| format!("{name}[.gz]"))
                .collect();
            let mut message = format!("missing {}", missing.join(", "));
            if files.is_empty() {
                message.push_str(" (no files given)");
            } else {
                let given: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
                message.push_str(&format!(" among the files given ({})", given.join(", ")));
                if files.iter().any(|(n, _)| cifar::batch_of(n).is_some() || cifar::is_archive_name(n)) {
                    message.push_str("; those look like CIFAR-10 files: choose the cifar10 dataset for them");
                }
            }
            Err(DataError::new(kind.name(), message))
        }
    }
}

/// Loads a dataset from the files in a directory: the four MNIST-style files, or for CIFAR-10
/// `data_batch_N.bin[.gz]` and `test_batch.bin[.gz]` (here or in a `cifar-10-batches-bin/`
/// subfolder), or else `cifar-10-binary.tar.gz`. Where a file is there both raw and gzipped the
/// raw one is read.
#[cfg(not(target_arch = "wasm32"))]
pub fn load_dir(kind: DatasetKind, dir: &std::path::Path) -> Result<Dataset, DataError> {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    let shown = |path: &Path| path.display().to_string();
    let list = |dir: &Path| -> Result<Vec<PathBuf>, DataError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| DataError::new(shown(dir), format!("cannot list the directory ({e})")))?;
        let mut paths = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| DataError::new(shown(dir), format!("cannot list the directory ({e})")))?;
            let path = entry.path();
            if path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        Ok(paths)
    };
    let read = |path: &Path| -> Result<(String, Vec<u8>), DataError> {
        let bytes =
            std::fs::read(path).map_err(|e| DataError::new(shown(path), format!("cannot read the file ({e})")))?;
        Ok((shown(path), bytes))
    };
    let is_gz = |path: &Path| path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    // Keeps one path per key, preferring the earlier directory, then the raw file over the .gz.
    fn keep<K: Ord>(chosen: &mut BTreeMap<K, (usize, bool, PathBuf)>, key: K, rank: (usize, bool), path: PathBuf) {
        let better = chosen.get(&key).is_none_or(|&(d, gz, _)| rank < (d, gz));
        if better {
            chosen.insert(key, (rank.0, rank.1, path));
        }
    }

    if kind == DatasetKind::Qa {
        return Ok(Dataset::qa());
    }
    let mut files = Vec::new();
    if kind.is_cifar() {
        let mut dirs = vec![dir.to_path_buf()];
        let sub = dir.join(cifar::ARCHIVE_DIR);
        if sub.is_dir() {
            dirs.push(sub);
        }
        let mut chosen = BTreeMap::new();
        let mut archive = None;
        for (d, folder) in dirs.iter().enumerate() {
            for path in list(folder)? {
                let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
                if let Some(batch) = cifar::batch_of(&name) {
                    keep(&mut chosen, batch, (d, is_gz(&path)), path);
                } else if d == 0 && name.eq_ignore_ascii_case(cifar::ARCHIVE_NAME) {
                    archive = Some(path);
                }
            }
        }
        let complete = chosen.contains_key(&cifar::Batch::Test) && chosen.len() > 1;
        match archive {
            Some(archive) if !complete => files.push(read(&archive)?),
            _ if chosen.is_empty() => {
                return Err(DataError::new(
                    shown(dir),
                    format!(
                        "no CIFAR-10 files here: expected data_batch_1.bin … data_batch_5.bin and test_batch.bin \
                         (each optionally .gz, here or in {}/), or {}",
                        cifar::ARCHIVE_DIR,
                        cifar::ARCHIVE_NAME
                    ),
                ));
            }
            _ => {
                for (_, (_, _, path)) in chosen {
                    files.push(read(&path)?);
                }
            }
        }
    } else {
        let mut chosen = BTreeMap::new();
        for path in list(dir)? {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if let Some(role) = mnist_role(&name) {
                keep(&mut chosen, role, (0, is_gz(&path)), path);
            }
        }
        if chosen.len() < MNIST_FILES.len() {
            let missing: Vec<String> = (0..MNIST_FILES.len())
                .filter(|role| !chosen.contains_key(role))
                .map(|role| format!("{}[.gz]", MNIST_FILES[role]))
                .collect();
            return Err(DataError::new(
                shown(dir),
                format!("missing {} for {} in this directory", missing.join(", "), kind.name()),
            ));
        }
        for (_, (_, _, path)) in chosen {
            files.push(read(&path)?);
        }
    }
    load_files(kind, &files)
}

#[cfg(test)]
mod load_files_tests {
    use super::*;
    use crate::data::test_files::idx_labels;

    fn idx_images(n: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [0x803, n, 28, 28] {
            out.extend_from_slice(&u32::to_be_bytes(v));
        }
        out.extend(std::iter::repeat_n(17u8, n as usize * 784));
        out
    }

    fn four() -> Vec<(String, Vec<u8>)> {
        vec![
            ("some/dir/t10k-labels-idx1-ubyte".to_string(), idx_labels(2)),
            ("train-images.idx3-ubyte".to_string(), idx_images(3)),
            ("notes.txt".to_string(), b"hi".to_vec()),
            ("C:\\x\\TRAIN-LABELS-IDX1-UBYTE".to_string(), idx_labels(3)),
            ("t10k-images-idx3-ubyte".to_string(), idx_images(2)),
        ]
    }

    #[test]
    fn mnist_roles_are_matched_on_base_names() {
        assert_eq!(mnist_role("a/b/train-images-idx3-ubyte.gz"), Some(0));
        assert_eq!(mnist_role("t10k-labels.idx1-ubyte"), Some(3));
        assert_eq!(mnist_role("train-images-idx3-ubyte.zip"), None);
    }

    #[test]
    fn load_files_finds_the_four_mnist_files() {
        let d = load_files(DatasetKind::Mnist, &four()).unwrap();
        assert_eq!((d.train.len(), d.test.len()), (3, 2));
        let d = load_files(DatasetKind::MnistSubset, &four()).unwrap();
        assert_eq!(d.kind, DatasetKind::MnistSubset);
    }

    #[test]
    fn load_files_lists_what_is_missing_and_refuses_duplicates() {
        let mut files = four();
        files.retain(|(n, _)| !n.to_ascii_lowercase().contains("labels"));
        let err = load_files(DatasetKind::FashionMnist, &files).unwrap_err();
        assert_eq!(err.file, "fashion-mnist");
        assert!(err.message.starts_with("missing train-labels-idx1-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"), "{err}");
        let err = load_files(DatasetKind::Mnist, &[]).unwrap_err();
        assert!(err.message.contains("no files given"), "{err}");
        let err = load_files(DatasetKind::Mnist, &[("data_batch_1.bin".into(), vec![])]).unwrap_err();
        assert!(err.message.contains("CIFAR-10"), "{err}");
        let mut files = four();
        files.push(("t10k-images-idx3-ubyte.gz".to_string(), vec![]));
        assert!(load_files(DatasetKind::Mnist, &files).unwrap_err().message.contains("given twice"));
    }

    #[test]
    fn load_files_sends_cifar_to_the_cifar_loader() {
        let err = load_files(DatasetKind::Cifar10, &four()).unwrap_err();
        assert!(err.message.contains("IDX file"), "{err}");
    }
}
