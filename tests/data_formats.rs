//! The data parsers against the real files in ../shared/data (MNIST, CIFAR-10) and, where the
//! Debian package `dataset-fashion-mnist` is installed, /usr/share/datasets/fashion-mnist; and the
//! bundled CIFAR-10 subset against the official files. The fuzzing of every parser is in
//! tests/data_fuzz.rs.

mod common;

use activation_playground::config::DatasetKind;
use activation_playground::data::{self, ImageShape, cifar, idx};
use common::real_data::*;
use std::path::Path;

const FASHION: &str = "/usr/share/datasets/fashion-mnist";

// ---------------------------------------------------------------------------------------------
// MNIST and Fashion-MNIST.

/// What a loaded dataset must hold: its counts, label histograms, first labels, and the byte sum
/// and FNV-1a hash of the first training and test image.
struct Known {
    kind: DatasetKind,
    shape: ImageShape,
    counts: (usize, usize),
    histograms: ([usize; 10], [usize; 10]),
    first_labels: (u8, u8),
    first_images: [(u64, u64); 2],
}

fn check_known(d: &data::Dataset, k: &Known) {
    assert_eq!((d.kind, d.shape), (k.kind, k.shape));
    assert_eq!((d.train.len(), d.test.len()), k.counts);
    assert_eq!(d.train.images.len(), k.counts.0 * k.shape.pixels());
    assert_eq!((histogram(&d.train.labels), histogram(&d.test.labels)), k.histograms);
    assert_eq!((d.train.labels[0], d.test.labels[0]), k.first_labels);
    let pixels = k.shape.pixels();
    for (split, (sum, hash)) in [&d.train, &d.test].into_iter().zip(k.first_images) {
        let first = &split.images[..pixels];
        assert_eq!((first.iter().map(|&b| b as u64).sum::<u64>(), fnv1a(first)), (sum, hash));
    }
}

#[test]
fn mnist_loads_with_the_known_counts_histograms_and_first_images() {
    if !present() {
        return;
    }
    let d = mnist();
    check_known(
        d,
        &Known {
            kind: DatasetKind::Mnist,
            shape: ImageShape::MNIST,
            counts: (60_000, 10_000),
            histograms: (
                [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
                [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
            ),
            first_labels: (5, 7),
            first_images: [(27_525, 0x4835_811a_a7e4_9e10), (18_454, 0x3491_1e12_542c_a507)],
        },
    );
    assert_eq!(d.train.images.iter().map(|&b| b as u64).sum::<u64>(), 1_567_298_545);
    assert_eq!(d.test.images.iter().map(|&b| b as u64).sum::<u64>(), 264_923_200);
}

#[test]
fn mnist_raw_and_gzipped_files_parse_alike() {
    if !present() {
        return;
    }
    let t = t10k();
    let (shape, raw) = idx::parse_images("t10k-images-idx3-ubyte", &t.images).unwrap();
    assert_eq!(shape, ImageShape::MNIST);
    assert_eq!(raw, mnist().test.images);
    let (_, gz) = idx::parse_images("t10k-images-idx3-ubyte.gz", &t.images_gz).unwrap();
    assert_eq!(gz, raw);
    let labels = idx::parse_labels("t10k-labels-idx1-ubyte", &t.labels).unwrap();
    assert_eq!(labels, mnist().test.labels);
    assert_eq!(idx::parse_labels("t10k-labels-idx1-ubyte.gz", &t.labels_gz).unwrap(), labels);
}

#[test]
fn load_files_takes_mnist_names_with_paths_and_either_compression() {
    if !present() {
        return;
    }
    let t = t10k();
    // The test files given as both splits, with path prefixes and a mix of raw and gzipped.
    let files = vec![
        ("a/train-images-idx3-ubyte.gz".to_string(), t.images_gz.clone()),
        ("a/train-labels-idx1-ubyte".to_string(), t.labels.clone()),
        ("b\\t10k-images-idx3-ubyte".to_string(), t.images.clone()),
        ("t10k-labels-idx1-ubyte.gz".to_string(), t.labels_gz.clone()),
        ("README.md".to_string(), b"hello".to_vec()),
    ];
    let d = data::load_files(DatasetKind::FashionMnist, &files).unwrap();
    assert_eq!(d.kind, DatasetKind::FashionMnist);
    assert_eq!(d.train, d.test);
    assert_eq!(d.test, mnist().test);
}

#[test]
fn mnist_errors_name_the_file_and_the_problem() {
    if !present() {
        return;
    }
    let t = t10k();
    // Image and label counts that disagree.
    let mut labels = t.labels[..t.labels.len() - 1].to_vec();
    labels[4..8].copy_from_slice(&9_999u32.to_be_bytes());
    let err = idx::load_mnist(
        DatasetKind::Mnist,
        ("train-images-idx3-ubyte.gz", &t.images_gz),
        ("train-labels-idx1-ubyte", &labels),
        ("t10k-images-idx3-ubyte.gz", &t.images_gz),
        ("t10k-labels-idx1-ubyte.gz", &t.labels_gz),
    )
    .unwrap_err();
    assert_eq!(err.file, "train-labels-idx1-ubyte");
    assert_eq!(err.message, "train-images-idx3-ubyte.gz has 10000 images but train-labels-idx1-ubyte has 9999 labels");
    // Labels where images belong and the other way round.
    let err = idx::parse_images("t10k-images-idx3-ubyte.gz", &t.labels_gz).unwrap_err();
    assert!(
        err.message.contains("magic 0x00000801, expected 0x00000803") && err.message.contains("label file"),
        "{err}"
    );
    let err = idx::parse_labels("x", &t.images[..5000]).unwrap_err();
    assert!(err.message.contains("image file"), "{err}");
    // A truncated real file.
    let err = idx::parse_images("t10k-images-idx3-ubyte", &t.images[..7_000_000]).unwrap_err();
    assert!(err.message.contains("needs 7840016 bytes, but the file has only 7000000"), "{err}");
    // A missing file.
    let files = vec![("t10k-images-idx3-ubyte.gz".to_string(), t.images_gz.clone())];
    let err = data::load_files(DatasetKind::Mnist, &files).unwrap_err();
    assert!(
        err.message.starts_with(
            "missing train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"
        ),
        "{err}"
    );
}

#[test]
fn fashion_mnist_loads_when_installed() {
    let dir = Path::new(FASHION);
    if !dir.is_dir() {
        common::shared::skip(&format!("{FASHION} is absent (apt-get install dataset-fashion-mnist)"));
        return;
    }
    let d = data::load_dir(DatasetKind::FashionMnist, dir).unwrap();
    check_known(
        &d,
        &Known {
            kind: DatasetKind::FashionMnist,
            shape: ImageShape::MNIST,
            counts: (60_000, 10_000),
            histograms: ([6000; 10], [1000; 10]),
            first_labels: (9, 9),
            first_images: [(76_247, 0x01fd_f725_9054_1338), (33_456, 0xcb45_b758_9f1b_853b)],
        },
    );
}

// ---------------------------------------------------------------------------------------------
// CIFAR-10.

#[test]
fn cifar_batches_load_with_the_known_counts_histograms_and_first_images() {
    if !present() {
        return;
    }
    let d = cifar();
    // ../shared/data holds all five training batches (it held only the first when this test was
    // written): 5,000 images of each class, batch 1 first.
    check_known(
        d,
        &Known {
            kind: DatasetKind::Cifar10,
            shape: ImageShape::CIFAR,
            counts: (50_000, 10_000),
            histograms: ([5000; 10], [1000; 10]),
            first_labels: (6, 3),
            first_images: [(317_790, 0x3ccb_c001_f7cd_29a5), (332_962, 0x3450_a15f_2755_ea25)],
        },
    );
    assert_eq!(histogram(&d.train.labels[..10_000]), [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]);
    // The layout is the file's: record i's pixels, channel-major, without its label byte.
    let (_, test) = cifar_raw();
    assert_eq!(&d.test.images[5 * 3072..6 * 3072], &test[5 * RECORD + 1..6 * RECORD]);
}

#[test]
fn cifar_raw_batch_parses_like_the_gzipped_one() {
    if !present() {
        return;
    }
    let (_, test) = cifar_raw();
    let split = cifar::parse_batch("test_batch.bin", test).unwrap();
    assert_eq!(split, cifar().test);
}

#[test]
fn cifar_archive_built_from_the_real_files_loads() {
    if !present() {
        return;
    }
    let (train, test) = cifar_raw();
    let d =
        data::load_files(DatasetKind::Cifar10, &[(cifar::ARCHIVE_NAME.to_string(), small_archive().clone())]).unwrap();
    // Batch 1 then batch 2, whatever their order in the archive: the first 500 real records.
    let expected_train = cifar::parse_batch("first 500", records(train, 0, 500)).unwrap();
    assert_eq!(d.train, expected_train);
    assert_eq!(d.test, cifar::parse_batch("first 300", records(test, 0, 300)).unwrap());
    assert_eq!(fnv1a(&d.train.images[..3072]), 0x3ccb_c001_f7cd_29a5);
}

#[test]
fn cifar_archive_errors_name_what_is_missing() {
    if !present() {
        return;
    }
    let (train, _) = cifar_raw();
    let archive = tar_gz(&[
        ("cifar-10-batches-bin/data_batch_1.bin", records(train, 0, 10)),
        ("cifar-10-batches-bin/batches.meta.txt", b"airplane\n"),
    ]);
    let err = cifar::load_cifar(DatasetKind::Cifar10, &[(cifar::ARCHIVE_NAME.to_string(), archive)]).unwrap_err();
    assert_eq!(err.file, cifar::ARCHIVE_NAME);
    assert_eq!(err.message, "the archive has no cifar-10-batches-bin/test_batch.bin");
    // A truncated archive.
    let archive = small_archive();
    let err = cifar::load_cifar(
        DatasetKind::Cifar10,
        &[(cifar::ARCHIVE_NAME.to_string(), archive[..archive.len() * 2 / 3].to_vec())],
    )
    .unwrap_err();
    assert!(err.file.starts_with(cifar::ARCHIVE_NAME), "{err}");
    assert!(!err.message.is_empty());
}

#[test]
fn cifar_errors_for_wrong_files() {
    if !present() {
        return;
    }
    let t = t10k();
    let (_, test) = cifar_raw();
    // MNIST files, under CIFAR names and under their own names.
    let err = cifar::parse_batch("test_batch.bin.gz", &t.labels_gz).unwrap_err();
    assert!(err.message.contains("IDX file"), "{err}");
    let files = vec![
        ("t10k-images-idx3-ubyte.gz".to_string(), t.images_gz.clone()),
        ("t10k-labels-idx1-ubyte.gz".to_string(), t.labels_gz.clone()),
    ];
    let err = data::load_files(DatasetKind::Cifar10, &files).unwrap_err();
    assert!(err.message.contains("t10k-images-idx3-ubyte.gz is an IDX file"), "{err}");
    // CIFAR-10 given as MNIST.
    let err = idx::parse_images("train-images-idx3-ubyte", records(test, 0, 3)).unwrap_err();
    assert!(err.message.contains("not an IDX image file"), "{err}");
    assert!(err.message.contains("looks like a CIFAR-10 batch"), "{err}");
    let err = idx::parse_labels("test_batch.bin.gz", &read(cifar_path("batches.meta.txt.gz"))).unwrap_err();
    assert!(err.message.contains("looks like a CIFAR-10 batch"), "{err}");
    // A batch cut mid-record.
    let err = cifar::parse_batch("test_batch.bin", &test[..10 * RECORD + 100]).unwrap_err();
    assert!(err.message.contains("10 record(s) and 100 byte(s) over"), "{err}");
    assert!(err.message.contains("2973 byte(s) short of 11 records"), "{err}");
    // No test batch among loose files.
    let files = vec![("data_batch_1.bin".to_string(), records(test, 0, 2).to_vec())];
    let err = data::load_files(DatasetKind::Cifar10, &files).unwrap_err();
    assert!(err.message.contains("no test batch"), "{err}");
}

#[test]
fn load_dir_reads_extracted_batches_and_archives() {
    if !present() {
        return;
    }
    let (train, test) = cifar_raw();
    // Extracted layout: dir/cifar-10-batches-bin/{data_batch_1.bin, test_batch.bin}.
    let dir = temp_dir("extracted");
    let sub = dir.join("cifar-10-batches-bin");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(sub.join("data_batch_1.bin"), records(train, 0, 50)).unwrap();
    std::fs::write(sub.join("test_batch.bin"), records(test, 0, 40)).unwrap();
    std::fs::write(sub.join("batches.meta.txt"), b"airplane\n").unwrap();
    let d = data::load_dir(DatasetKind::Cifar10, &dir).unwrap();
    assert_eq!((d.train.len(), d.test.len()), (50, 40));
    // Only the archive.
    let dir2 = temp_dir("archive");
    std::fs::write(dir2.join(cifar::ARCHIVE_NAME), small_archive()).unwrap();
    let d = data::load_dir(DatasetKind::Cifar10, &dir2).unwrap();
    assert_eq!((d.train.len(), d.test.len()), (500, 300));
    // An incomplete extraction next to the archive: the archive is used.
    std::fs::write(dir2.join("data_batch_1.bin"), records(train, 0, 5)).unwrap();
    let d = data::load_dir(DatasetKind::Cifar10, &dir2).unwrap();
    assert_eq!((d.train.len(), d.test.len()), (500, 300));
    // Errors name the directory.
    let err = data::load_dir(DatasetKind::Mnist, &dir2).unwrap_err();
    assert_eq!(err.file, dir2.display().to_string());
    assert!(err.message.starts_with("missing train-images-idx3-ubyte[.gz]"), "{err}");
    let empty = temp_dir("empty");
    let err = data::load_dir(DatasetKind::Cifar10, &empty).unwrap_err();
    assert!(err.message.starts_with("no CIFAR-10 files here"), "{err}");
    let gone = empty.join("nowhere");
    let err = data::load_dir(DatasetKind::Mnist, &gone).unwrap_err();
    assert_eq!(err.file, gone.display().to_string());
    assert!(err.message.contains("cannot list the directory"), "{err}");
    for d in [dir, dir2, empty] {
        std::fs::remove_dir_all(d).unwrap();
    }
}

/// The first `per_class` records of each class of a raw batch, in file order: (labels, images).
fn first_of_each_class(raw: &[u8], per_class: usize) -> (Vec<u8>, Vec<u8>) {
    let mut taken = [0; 10];
    let (mut labels, mut images) = (Vec::new(), Vec::new());
    for record in raw.chunks_exact(RECORD) {
        let label = record[0] as usize;
        if taken[label] < per_class {
            taken[label] += 1;
            labels.push(record[0]);
            images.extend_from_slice(&record[1..]);
        }
    }
    (labels, images)
}

/// The CIFAR-10 subset committed in data/cifar10-subset (shipped with the page, trained on by the
/// presets' tests): class-balanced, and exactly what its README says it is, the first 400 training
/// and 100 test images of each class of the official files, in their order.
#[test]
fn the_bundled_cifar_subset_is_class_balanced_and_taken_from_the_official_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/cifar10-subset");
    let subset = data::load_dir(DatasetKind::Cifar10Subset, &dir).unwrap();
    assert_eq!(subset.kind, DatasetKind::Cifar10Subset);
    assert_eq!(subset.shape, ImageShape::CIFAR);
    assert_eq!(histogram(&subset.train.labels), [400; 10]);
    assert_eq!(histogram(&subset.test.labels), [100; 10]);
    assert_eq!(data::bundled_files(DatasetKind::Cifar10Subset).unwrap(), data::CIFAR_SUBSET_FILES);
    if !present() {
        return;
    }
    let (train_raw, test_raw) = cifar_raw();
    let (labels, images) = first_of_each_class(train_raw, 400);
    assert!(labels == subset.train.labels && images == subset.train.images, "the training records");
    let (labels, images) = first_of_each_class(test_raw, 100);
    assert!(labels == subset.test.labels && images == subset.test.images, "the test records");
}
