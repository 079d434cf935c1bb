//! The data parsers against the real files in ../shared/data (MNIST, CIFAR-10) and, where the
//! Debian package `dataset-fashion-mnist` is installed, /usr/share/datasets/fashion-mnist; then
//! fuzzing of every parser with corrupted, truncated and foreign variants of those files.
//!
//! Each real file is read and decompressed once per test binary (`OnceLock`); the fuzzing works
//! mostly on headers and small slices so the suite stays fast.

mod common;

use activation_playground::config::DatasetKind;
use activation_playground::data::{self, DataError, Dataset, ImageShape, Split, cifar, idx};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FASHION: &str = "/usr/share/datasets/fashion-mnist";
const RECORD: usize = cifar::RECORD_BYTES;

// ---------------------------------------------------------------------------------------------
// Real files, loaded once.

fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Decompression done here with flate2 directly, independent of the code under test.
fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

fn histogram(labels: &[u8]) -> [usize; 10] {
    let mut h = [0; 10];
    for &l in labels {
        h[l as usize] += 1;
    }
    h
}

fn mnist_path(name: &str) -> PathBuf {
    common::shared::root().join("mnist").join(name)
}

fn cifar_path(name: &str) -> PathBuf {
    common::shared::root().join("cifar-10").join(name)
}

/// Whether ../shared/data is here (else the calling test prints why it is skipped); the accessors
/// below read it.
fn shared() -> bool {
    common::shared::data("mnist").is_some() && common::shared::data("cifar-10").is_some()
}

/// The full MNIST dataset, through `load_dir`.
fn mnist() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| data::load_dir(DatasetKind::Mnist, &common::shared::root().join("mnist")).unwrap())
}

/// MNIST's test files, gzipped as stored and decompressed: (images.gz, labels.gz, images, labels).
struct T10k {
    images_gz: Vec<u8>,
    labels_gz: Vec<u8>,
    images: Vec<u8>,
    labels: Vec<u8>,
}

fn t10k() -> &'static T10k {
    static T: OnceLock<T10k> = OnceLock::new();
    T.get_or_init(|| {
        let images_gz = read(mnist_path("t10k-images-idx3-ubyte.gz"));
        let labels_gz = read(mnist_path("t10k-labels-idx1-ubyte.gz"));
        let (images, labels) = (gunzip(&images_gz), gunzip(&labels_gz));
        T10k { images_gz, labels_gz, images, labels }
    })
}

/// The two stored CIFAR-10 batches, decompressed: (data_batch_1.bin, test_batch.bin).
fn cifar_raw() -> &'static (Vec<u8>, Vec<u8>) {
    static C: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    C.get_or_init(|| (gunzip(&read(cifar_path("data_batch_1.bin.gz"))), gunzip(&read(cifar_path("test_batch.bin.gz")))))
}

/// The stored CIFAR-10 batches through `load_dir` (which also meets batches.meta.txt.gz there).
fn cifar() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| data::load_dir(DatasetKind::Cifar10, &common::shared::root().join("cifar-10")).unwrap())
}

/// The first `n` records of a raw batch.
fn records(raw: &[u8], from: usize, n: usize) -> &[u8] {
    &raw[from * RECORD..(from + n) * RECORD]
}

fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(enc);
    for (path, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(1_244_000_000);
        header.set_cksum();
        builder.append_data(&mut header, path, *bytes).unwrap();
    }
    builder.into_inner().unwrap().finish().unwrap()
}

/// A small `cifar-10-binary.tar.gz` laid out like the official one, from the real files:
/// data_batch_1 = records 0..300 of the real data_batch_1, data_batch_2 = records 300..500 of it,
/// test_batch = records 0..300 of the real test batch; members in a scrambled order.
fn small_archive() -> &'static Vec<u8> {
    static A: OnceLock<Vec<u8>> = OnceLock::new();
    A.get_or_init(|| {
        let (train, test) = cifar_raw();
        let meta = gunzip(&read(cifar_path("batches.meta.txt.gz")));
        tar_gz(&[
            ("cifar-10-batches-bin/data_batch_2.bin", records(train, 300, 200)),
            ("cifar-10-batches-bin/batches.meta.txt", &meta),
            ("cifar-10-batches-bin/test_batch.bin", records(test, 0, 300)),
            ("cifar-10-batches-bin/readme.html", b"<meta HTTP-EQUIV=\"REFRESH\" content=\"0\">"),
            ("cifar-10-batches-bin/data_batch_1.bin", records(train, 0, 300)),
        ])
    })
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("activation-playground-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// MNIST and Fashion-MNIST.

#[test]
fn mnist_loads_with_the_known_counts_histograms_and_first_images() {
    if !shared() {
        return;
    }
    let d = mnist();
    assert_eq!(d.kind, DatasetKind::Mnist);
    assert_eq!(d.shape, ImageShape::MNIST);
    assert_eq!((d.train.len(), d.test.len()), (60_000, 10_000));
    assert_eq!(d.train.images.len(), 60_000 * 784);
    assert_eq!(histogram(&d.train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(histogram(&d.test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert_eq!((d.train.labels[0], d.test.labels[0]), (5, 7));
    let first_train = &d.train.images[..784];
    let first_test = &d.test.images[..784];
    assert_eq!(first_train.iter().map(|&b| b as u64).sum::<u64>(), 27_525);
    assert_eq!(fnv1a(first_train), 0x4835_811a_a7e4_9e10);
    assert_eq!(first_test.iter().map(|&b| b as u64).sum::<u64>(), 18_454);
    assert_eq!(fnv1a(first_test), 0x3491_1e12_542c_a507);
    assert_eq!(d.train.images.iter().map(|&b| b as u64).sum::<u64>(), 1_567_298_545);
    assert_eq!(d.test.images.iter().map(|&b| b as u64).sum::<u64>(), 264_923_200);
}

#[test]
fn mnist_raw_and_gzipped_files_parse_alike() {
    if !shared() {
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
    if !shared() {
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
    if !shared() {
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
    assert_eq!(d.kind, DatasetKind::FashionMnist);
    assert_eq!((d.train.len(), d.test.len()), (60_000, 10_000));
    assert_eq!(histogram(&d.train.labels), [6000; 10]);
    assert_eq!(histogram(&d.test.labels), [1000; 10]);
    assert_eq!((d.train.labels[0], d.test.labels[0]), (9, 9));
    assert_eq!(d.train.images[..784].iter().map(|&b| b as u64).sum::<u64>(), 76_247);
    assert_eq!(fnv1a(&d.train.images[..784]), 0x01fd_f725_9054_1338);
    assert_eq!(d.test.images[..784].iter().map(|&b| b as u64).sum::<u64>(), 33_456);
    assert_eq!(fnv1a(&d.test.images[..784]), 0xcb45_b758_9f1b_853b);
}

// ---------------------------------------------------------------------------------------------
// CIFAR-10.

#[test]
fn cifar_batches_load_with_the_known_counts_histograms_and_first_images() {
    if !shared() {
        return;
    }
    let d = cifar();
    assert_eq!(d.kind, DatasetKind::Cifar10);
    assert_eq!(d.shape, ImageShape::CIFAR);
    // ../shared/data holds all five training batches (it held only the first when this test was
    // written): 5,000 images of each class, batch 1 first.
    assert_eq!((d.train.len(), d.test.len()), (50_000, 10_000));
    assert_eq!(histogram(&d.train.labels), [5000; 10]);
    assert_eq!(histogram(&d.train.labels[..10_000]), [1005, 974, 1032, 1016, 999, 937, 1030, 1001, 1025, 981]);
    assert_eq!(histogram(&d.test.labels), [1000; 10]);
    assert_eq!((d.train.labels[0], d.test.labels[0]), (6, 3));
    let first_train = &d.train.images[..3072];
    let first_test = &d.test.images[..3072];
    assert_eq!(first_train.iter().map(|&b| b as u64).sum::<u64>(), 317_790);
    assert_eq!(fnv1a(first_train), 0x3ccb_c001_f7cd_29a5);
    assert_eq!(first_test.iter().map(|&b| b as u64).sum::<u64>(), 332_962);
    assert_eq!(fnv1a(first_test), 0x3450_a15f_2755_ea25);
    // The layout is the file's: record i's pixels, channel-major, without its label byte.
    let (_, test) = cifar_raw();
    assert_eq!(&d.test.images[5 * 3072..6 * 3072], &test[5 * RECORD + 1..6 * RECORD]);
}

#[test]
fn cifar_raw_batch_parses_like_the_gzipped_one() {
    if !shared() {
        return;
    }
    let (_, test) = cifar_raw();
    let split = cifar::parse_batch("test_batch.bin", test).unwrap();
    assert_eq!(split, cifar().test);
}

#[test]
fn cifar_archive_built_from_the_real_files_loads() {
    if !shared() {
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
    if !shared() {
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
    if !shared() {
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
    if !shared() {
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

// ---------------------------------------------------------------------------------------------
// Fuzzing: no input may panic; every refusal names a file and says something.

fn explained<T>(result: &Result<T, DataError>) -> Result<(), TestCaseError> {
    if let Err(e) = result {
        prop_assert!(!e.file.is_empty(), "error without a file: {e:?}");
        prop_assert!(!e.message.trim().is_empty(), "error without a message: {e:?}");
    }
    Ok(())
}

fn refused<T: std::fmt::Debug>(result: &Result<T, DataError>) -> Result<(), TestCaseError> {
    explained(result)?;
    prop_assert!(result.is_err(), "accepted a broken file");
    Ok(())
}

fn split_ok(split: &Split, pixels: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(split.images.len(), split.len() * pixels);
    prop_assert!(split.labels.iter().all(|&l| l <= 9));
    Ok(())
}

/// An IDX file's bytes with its count replaced.
fn with_count(bytes: &[u8], count: u32) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[4..8].copy_from_slice(&count.to_be_bytes());
    out
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

/// Raw CIFAR-10 records 0..20 of the test batch, and the same gzipped.
fn small_cifar() -> &'static (Vec<u8>, Vec<u8>) {
    static S: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    S.get_or_init(|| {
        let raw = records(&cifar_raw().1, 0, 20).to_vec();
        let gz = gzip(&raw);
        (raw, gz)
    })
}

proptest! {
    #![proptest_config(config(150))]

    #[test]
    fn fuzz_idx_truncated_real_files(cut in 0.0f64..1.0, which in 0usize..4) {
        if !shared() {
            return Ok(());
        }
        let t = t10k();
        let (name, bytes) = match which {
            0 => ("t10k-images-idx3-ubyte", &t.images),
            1 => ("t10k-labels-idx1-ubyte", &t.labels),
            2 => ("t10k-images-idx3-ubyte.gz", &t.images_gz),
            _ => ("t10k-labels-idx1-ubyte.gz", &t.labels_gz),
        };
        // Mostly near the start (the header), sometimes anywhere.
        let len = bytes.len();
        let at = if cut < 0.5 { ((cut * 2.0) * 64.0) as usize } else { ((cut - 0.5) * 2.0 * len as f64) as usize };
        let at = at.min(len - 1);
        let file = &bytes[..at];
        if which % 2 == 0 {
            refused(&idx::parse_images(name, file))?;
        } else {
            refused(&idx::parse_labels(name, file))?;
        }
    }

    #[test]
    fn fuzz_idx_header_flips(pos in 0usize..20, flip in 1u8..=255, extra in proptest::collection::vec(any::<u8>(), 0..3)) {
        if !shared() {
            return Ok(());
        }
        let t = t10k();
        let mut images = t.images.clone();
        images[pos.min(15)] ^= flip;
        refused(&idx::parse_images("t10k-images-idx3-ubyte", &images))?;
        let mut labels = t.labels.clone();
        labels[pos] ^= flip;
        let result = idx::parse_labels("t10k-labels-idx1-ubyte", &labels);
        explained(&result)?;
        if pos < 8 || labels[pos] > 9 {
            prop_assert!(result.is_err());
        } else {
            prop_assert_eq!(result.unwrap().len(), 10_000);
        }
        // Trailing bytes are refused too.
        let mut longer = t.labels.clone();
        longer.extend_from_slice(&extra);
        let result = idx::parse_labels("t10k-labels-idx1-ubyte", &longer);
        explained(&result)?;
        prop_assert_eq!(result.is_ok(), extra.is_empty());
    }

    #[test]
    fn fuzz_idx_gzip_corruption(pos in 0usize..4542, flip in 1u8..=255) {
        if !shared() {
            return Ok(());
        }
        let t = t10k();
        let mut gz = t.labels_gz.clone();
        let pos = pos % gz.len();
        gz[pos] ^= flip;
        let result = idx::parse_labels("t10k-labels-idx1-ubyte.gz", &gz);
        explained(&result)?;
        if let Ok(labels) = result {
            // Only bytes flate2 ignores (e.g. the header's mtime) may change and still load.
            prop_assert_eq!(labels.len(), 10_000);
        }
    }

    #[test]
    fn fuzz_idx_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048), dims in proptest::array::uniform4(any::<u32>())) {
        explained(&idx::parse_images("random", &bytes))?;
        explained(&idx::parse_labels("random", &bytes))?;
        // Valid magic, random sizes, random body: exercises the size checks.
        let mut with_header = Vec::new();
        for v in [idx::IMAGE_MAGIC, dims[1] % 64, dims[2] % 40, dims[3] % 40] {
            with_header.extend_from_slice(&v.to_be_bytes());
        }
        with_header.extend_from_slice(&bytes);
        let result = idx::parse_images("random", &with_header);
        explained(&result)?;
        if let Ok((shape, pixels)) = result {
            prop_assert_eq!(pixels.len(), (dims[1] % 64) as usize * shape.pixels());
        }
        let mut unbounded = Vec::new();
        for v in [idx::IMAGE_MAGIC, dims[1], dims[2], dims[3]] {
            unbounded.extend_from_slice(&v.to_be_bytes());
        }
        unbounded.extend_from_slice(&bytes);
        explained(&idx::parse_images("random", &unbounded))?;
        explained(&idx::parse_images("random.gz", &gzip(&unbounded)))?;
        let mut labels = Vec::new();
        labels.extend_from_slice(&idx::LABEL_MAGIC.to_be_bytes());
        labels.extend_from_slice(&dims[0].to_be_bytes());
        labels.extend_from_slice(&bytes);
        explained(&idx::parse_labels("random", &labels))?;
        // Gzip magic followed by garbage.
        let mut fake_gz = vec![0x1f, 0x8b];
        fake_gz.extend_from_slice(&bytes);
        explained(&idx::parse_images("random.gz", &fake_gz))?;
        explained(&cifar::parse_batch("random.gz", &fake_gz))?;
    }

    #[test]
    fn fuzz_cifar_truncations_and_flips(cut in 0usize..(20 * 3073), pos in 0usize..(20 * 3073), flip in 1u8..=255) {
        if !shared() {
            return Ok(());
        }
        let (raw, gz) = small_cifar();
        let result = cifar::parse_batch("test_batch.bin", &raw[..cut]);
        explained(&result)?;
        prop_assert_eq!(result.map(|s| s.len()).ok(), (cut > 0 && cut % RECORD == 0).then_some(cut / RECORD));
        let gz_cut = cut % gz.len();
        refused(&cifar::parse_batch("test_batch.bin.gz", &gz[..gz_cut]))?;
        let mut flipped = raw.clone();
        flipped[pos] ^= flip;
        let result = cifar::parse_batch("test_batch.bin", &flipped);
        explained(&result)?;
        if pos % RECORD == 0 {
            prop_assert_eq!(result.is_ok(), flipped[pos] <= 9);
        } else {
            let split = result.unwrap();
            split_ok(&split, 3072)?;
            prop_assert_eq!(split.len(), 20);
        }
        let mut gz_flipped = gz.clone();
        gz_flipped[pos % gz.len()] ^= flip;
        let result = cifar::parse_batch("test_batch.bin.gz", &gz_flipped);
        explained(&result)?;
        if let Ok(split) = result {
            split_ok(&split, 3072)?;
        }
    }

    #[test]
    fn fuzz_wrong_dataset_slices(start in 0usize..100_000, len in 0usize..20_000, from_start in any::<bool>()) {
        if !shared() {
            return Ok(());
        }
        let t = t10k();
        let (_, test) = cifar_raw();
        let start = if from_start { 0 } else { start };
        let mnist_slice = &t.images[start..(start + len).min(t.images.len())];
        let result = cifar::parse_batch("data_batch_1.bin", mnist_slice);
        explained(&result)?;
        if let Ok(split) = &result {
            split_ok(split, 3072)?;
        }
        let cifar_slice = &test[start..start + len];
        refused(&idx::parse_images("train-images-idx3-ubyte", cifar_slice))?;
        refused(&idx::parse_labels("train-labels-idx1-ubyte", cifar_slice))?;
        // Whole MNIST label files are always recognised as such.
        refused(&cifar::parse_batch("test_batch.bin", &t.labels))?;
        refused(&cifar::parse_batch("test_batch.bin.gz", &t.labels_gz))?;
    }

    #[test]
    fn fuzz_random_bytes_as_cifar(bytes in proptest::collection::vec(any::<u8>(), 0..8000), name in 0usize..4) {
        let name = ["data_batch_1.bin", "test_batch.bin.gz", "cifar-10-binary.tar.gz", "x.bin"][name];
        explained(&cifar::parse_batch(name, &bytes))?;
        let result = cifar::load_cifar(DatasetKind::Cifar10, &[(name.to_string(), bytes.clone())]);
        explained(&result)?;
        prop_assert!(result.is_err(), "one file cannot hold both splits");
        explained(&data::load_files(DatasetKind::Mnist, &[("train-images-idx3-ubyte".to_string(), bytes)]))?;
    }
}

proptest! {
    #![proptest_config(config(100))]

    #[test]
    fn fuzz_cifar_archive_corruption(cut in 0.0f64..1.0, pos in any::<usize>(), flip in 1u8..=255, truncate in any::<bool>()) {
        if !shared() {
            return Ok(());
        }
        let archive = small_archive();
        let mut bytes = archive.clone();
        if truncate {
            bytes.truncate((cut * archive.len() as f64) as usize);
        } else {
            // Mostly within the gzip header and the first tar header, sometimes anywhere.
            let at = (if cut < 0.5 { pos % 1024 } else { pos }) % bytes.len();
            bytes[at] ^= flip;
        }
        let result = cifar::load_cifar(DatasetKind::Cifar10, &[(cifar::ARCHIVE_NAME.to_string(), bytes)]);
        explained(&result)?;
        if truncate {
            prop_assert!(result.is_err());
        }
        if let Ok(d) = result {
            split_ok(&d.train, 3072)?;
            split_ok(&d.test, 3072)?;
        }
    }

    #[test]
    fn fuzz_uncompressed_tar_corruption(pos in 0usize..4096, flip in 1u8..=255) {
        if !shared() {
            return Ok(());
        }
        // The tar layer alone (no gzip), where flips reach the headers directly.
        let (raw, _) = small_cifar();
        let tar = gunzip(&tar_gz(&[
            ("cifar-10-batches-bin/data_batch_1.bin", &raw[..2 * RECORD]),
            ("cifar-10-batches-bin/test_batch.bin", &raw[2 * RECORD..3 * RECORD]),
        ]));
        let mut bytes = tar.clone();
        let at = (if pos < 1024 { pos } else { 2 * RECORD + 512 + pos }) % bytes.len();
        bytes[at] ^= flip;
        let result = cifar::load_cifar(DatasetKind::Cifar10, &[("cifar-10-binary.tar".to_string(), bytes)]);
        explained(&result)?;
        if let Ok(d) = result {
            split_ok(&d.train, 3072)?;
            split_ok(&d.test, 3072)?;
        }
    }

    #[test]
    fn fuzz_load_files_with_random_subsets(mask in 0u32..(1 << 8), kind in 0usize..4) {
        if !shared() {
            return Ok(());
        }
        let t = t10k();
        let (raw, _) = small_cifar();
        let candidates: Vec<(String, Vec<u8>)> = vec![
            ("train-images-idx3-ubyte".into(), with_count(&t.images[..16 + 784 * 3], 3)),
            ("train-labels-idx1-ubyte".into(), with_count(&t.labels[..8 + 3], 3)),
            ("t10k-images-idx3-ubyte.gz".into(), t.images_gz.clone()),
            ("t10k-labels-idx1-ubyte.gz".into(), t.labels_gz.clone()),
            ("data_batch_1.bin".into(), raw[..2 * RECORD].to_vec()),
            ("test_batch.bin".into(), raw[2 * RECORD..4 * RECORD].to_vec()),
            ("batches.meta.txt".into(), b"airplane\n".to_vec()),
            ("t10k-labels-idx1-ubyte".into(), t.labels.clone()),
        ];
        let files: Vec<_> = candidates.into_iter().enumerate().filter(|(i, _)| mask & (1 << i) != 0).map(|(_, f)| f).collect();
        let kind = DatasetKind::ALL[kind];
        let result = data::load_files(kind, &files);
        explained(&result)?;
        if let Ok(d) = result {
            split_ok(&d.train, d.input_size())?;
            split_ok(&d.test, d.input_size())?;
        }
    }
}

#[test]
fn fuzz_a_few_truncations_of_the_real_cifar_gz() {
    if !shared() {
        return;
    }
    // Each decompression of a real 28 MB batch takes a moment; a fixed handful of cuts suffices.
    let gz = read(cifar_path("test_batch.bin.gz"));
    for cut in [0, 1, 2, 10, 100, 4096, 1_000_000, gz.len() / 2, gz.len() - 9, gz.len() - 1] {
        let err = cifar::parse_batch("test_batch.bin.gz", &gz[..cut]).unwrap_err();
        assert!(!err.message.is_empty() && err.file == "test_batch.bin.gz", "{err}");
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
    if !shared() {
        return;
    }
    let (train_raw, test_raw) = cifar_raw();
    let (labels, images) = first_of_each_class(train_raw, 400);
    assert!(labels == subset.train.labels && images == subset.train.images, "the training records");
    let (labels, images) = first_of_each_class(test_raw, 100);
    assert!(labels == subset.test.labels && images == subset.test.images, "the test records");
}
