//! The real data files of ../shared/data (full MNIST, CIFAR-10), each read and decompressed once
//! per test binary (`OnceLock`), and the small files the data tests build from them. Call
//! [`present`] first: where ../shared/data is absent the test is skipped.

use super::shared;
use activation_playground::config::DatasetKind;
use activation_playground::data::{self, Dataset, cifar};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const RECORD: usize = cifar::RECORD_BYTES;

pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Decompression done here with flate2 directly, independent of the code under test.
pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// FNV-1a, 64 bits.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

pub fn histogram(labels: &[u8]) -> [usize; 10] {
    let mut h = [0; 10];
    for &l in labels {
        h[l as usize] += 1;
    }
    h
}

pub fn mnist_path(name: &str) -> PathBuf {
    shared::root().join("mnist").join(name)
}

pub fn cifar_path(name: &str) -> PathBuf {
    shared::root().join("cifar-10").join(name)
}

/// Whether ../shared/data is here (else the calling test prints why it is skipped); the accessors
/// below read it.
pub fn present() -> bool {
    shared::data("mnist").is_some() && shared::data("cifar-10").is_some()
}

/// The full MNIST dataset, through `load_dir`.
pub fn mnist() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| data::load_dir(DatasetKind::Mnist, &shared::root().join("mnist")).unwrap())
}

/// MNIST's test files, gzipped as stored and decompressed: (images.gz, labels.gz, images, labels).
pub struct T10k {
    pub images_gz: Vec<u8>,
    pub labels_gz: Vec<u8>,
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

pub fn t10k() -> &'static T10k {
    static T: OnceLock<T10k> = OnceLock::new();
    T.get_or_init(|| {
        let images_gz = read(mnist_path("t10k-images-idx3-ubyte.gz"));
        let labels_gz = read(mnist_path("t10k-labels-idx1-ubyte.gz"));
        let (images, labels) = (gunzip(&images_gz), gunzip(&labels_gz));
        T10k { images_gz, labels_gz, images, labels }
    })
}

/// The two stored CIFAR-10 batches, decompressed: (data_batch_1.bin, test_batch.bin).
pub fn cifar_raw() -> &'static (Vec<u8>, Vec<u8>) {
    static C: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    C.get_or_init(|| (gunzip(&read(cifar_path("data_batch_1.bin.gz"))), gunzip(&read(cifar_path("test_batch.bin.gz")))))
}

/// The stored CIFAR-10 batches through `load_dir` (which also meets batches.meta.txt.gz there).
pub fn cifar() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(|| data::load_dir(DatasetKind::Cifar10, &shared::root().join("cifar-10")).unwrap())
}

/// The first `n` records of a raw batch.
pub fn records(raw: &[u8], from: usize, n: usize) -> &[u8] {
    &raw[from * RECORD..(from + n) * RECORD]
}

pub fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
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
pub fn small_archive() -> &'static Vec<u8> {
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

pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("activation-playground-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
