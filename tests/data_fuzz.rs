//! Fuzzing of every data parser with corrupted, truncated and foreign variants of the real files
//! in ../shared/data (tests/common/real_data.rs), plus random bytes: no input may panic, and
//! every refusal names a file and says something. The fuzzing works mostly on headers and small
//! slices so the suite stays fast.

mod common;

use activation_playground::config::DatasetKind;
use activation_playground::data::{self, DataError, Split, cifar, idx};
use common::real_data::*;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::sync::OnceLock;

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
        if !present() {
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
        if !present() {
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
        if !present() {
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
        if !present() {
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
        if !present() {
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
        if !present() {
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
        if !present() {
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
        if !present() {
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
    if !present() {
        return;
    }
    // Each decompression of a real 28 MB batch takes a moment; a fixed handful of cuts suffices.
    let gz = read(cifar_path("test_batch.bin.gz"));
    for cut in [0, 1, 2, 10, 100, 4096, 1_000_000, gz.len() / 2, gz.len() - 9, gz.len() - 1] {
        let err = cifar::parse_batch("test_batch.bin.gz", &gz[..cut]).unwrap_err();
        assert!(!err.message.is_empty() && err.file == "test_batch.bin.gz", "{err}");
    }
}
