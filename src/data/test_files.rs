//! Small files the data module's unit tests build: gzip, tar.gz, and an IDX label file.

use std::io::Write;

/// `bytes` gzipped (fast compression: the tests need the format, not the size).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// An IDX label file of `n` labels 0, 1, …, 9, 0, ….
pub fn idx_labels(n: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0x801, n] {
        out.extend_from_slice(&u32::to_be_bytes(v));
    }
    out.extend((0..n).map(|i| (i % 10) as u8));
    out
}

/// A gzipped tar archive of `members` (path, bytes), as the official CIFAR-10 archive is laid out.
pub fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    gzip(&builder.into_inner().unwrap())
}
