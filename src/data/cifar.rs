//! CIFAR-10's binary version: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`
//! (each raw or gzipped), or the official `cifar-10-binary.tar.gz` that holds them under
//! `cifar-10-batches-bin/`.
//!
//! A batch is a run of 3,073-byte records: one label byte (0–9), then the 1,024 red, 1,024 green
//! and 1,024 blue bytes of a 32×32 image, each plane row-major. That channel-major layout is
//! kept as it is in [`Split::images`].

use super::idx::{IMAGE_MAGIC, Input, LABEL_MAGIC, read_bounded};
use super::{DataError, Dataset, ImageShape, Normalization, Split};
use crate::config::DatasetKind;
use std::collections::BTreeMap;
use std::io::Read;

/// Bytes of pixels per image: 3 × 32 × 32.
pub const IMAGE_BYTES: usize = 3 * 32 * 32;
/// Bytes per record: the label, then the pixels.
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;
/// The most records one file may hold: all of CIFAR-10 (an official batch holds 10,000).
pub const MAX_RECORDS: usize = 60_000;
/// The official archive's name and the folder its batches sit in.
pub const ARCHIVE_NAME: &str = "cifar-10-binary.tar.gz";
pub const ARCHIVE_DIR: &str = "cifar-10-batches-bin";

/// One of the six batch files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Batch {
    /// `data_batch_N.bin`, N in 1–5.
    Data(u8),
    /// `test_batch.bin`.
    Test,
}

impl Batch {
    pub(super) fn file_name(self) -> String {
        match self {
            Batch::Data(n) => format!("data_batch_{n}.bin"),
            Batch::Test => "test_batch.bin".to_string(),
        }
    }
}

/// The last component of a path written with `/` or `\`.
pub(super) fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// Which batch a file is, from its base name (`data_batch_3.bin`, `test_batch.bin.gz`, …).
pub(super) fn batch_of(path: &str) -> Option<Batch> {
    let name = base_name(path).to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    let stem = name.strip_suffix(".bin")?;
    if stem == "test_batch" {
        return Some(Batch::Test);
    }
    match stem.strip_prefix("data_batch_")?.as_bytes() {
        [d @ b'1'..=b'5'] => Some(Batch::Data(d - b'0')),
        _ => None,
    }
}

/// Whether a file's name says it is a (gzipped) tar archive.
pub(super) fn is_archive_name(path: &str) -> bool {
    let name = base_name(path).to_ascii_lowercase();
    [".tar.gz", ".tgz", ".tar"].iter().any(|ext| name.ends_with(ext))
}

/// Whether the (possibly gzipped) bytes start like a tar archive.
fn looks_like_tar(file: &str, bytes: &[u8]) -> bool {
    let mut input = Input::new(file, bytes);
    match input.read_up_to(512) {
        Ok(head) => is_tar(&head),
        Err(_) => false,
    }
}

fn is_tar(data: &[u8]) -> bool {
    data.len() >= 262 && &data[257..262] == b"ustar"
}

/// A guess at what a file that is not a CIFAR-10 batch is instead, to add to an error.
fn foreign_format(data: &[u8]) -> Option<&'static str> {
    let magic = data.get(..4).map(|m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
    if magic == Some(IMAGE_MAGIC) || magic == Some(LABEL_MAGIC) {
        Some("it looks like an IDX file (MNIST or Fashion-MNIST), not a CIFAR-10 batch")
    } else if is_tar(data) {
        Some("it is a tar archive, not a single batch; give the archive as cifar-10-binary.tar.gz")
    } else if data.len() >= 2 && data[0] == 0x80 && (2..=5).contains(&data[1]) {
        Some(
            "it looks like a Python pickle (CIFAR-10's python version); use the binary version, cifar-10-binary.tar.gz",
        )
    } else if !data.is_empty() && data.len().is_multiple_of(RECORD_BYTES + 1) {
        Some("its length fits 3,074-byte records with two label bytes, as in CIFAR-100; only CIFAR-10 is supported")
    } else {
        None
    }
}

fn with_hint(message: String, data: &[u8]) -> String {
    match foreign_format(data) {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}

/// Whether `data` is exactly an IDX image or label file: the magic, and a header whose counts
/// account for every byte. (A CIFAR-10 batch could start with those four bytes by chance, but
/// then its length would not fit.)
fn is_whole_idx_file(data: &[u8]) -> bool {
    let word = |i: usize| data.get(i..i + 4).map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as u128);
    let expected = match word(0) {
        Some(m) if m == IMAGE_MAGIC as u128 => match (word(4), word(8), word(12)) {
            (Some(n), Some(r), Some(c)) => 16 + n * r * c,
            _ => return false,
        },
        Some(m) if m == LABEL_MAGIC as u128 => match word(4) {
            Some(n) => 8 + n,
            None => return false,
        },
        _ => return false,
    };
    expected == data.len() as u128
}

/// Splits decoded batch bytes into labels and channel-major images.
fn records(file: &str, data: &[u8], after_gunzip: &str) -> Result<Split, DataError> {
    if data.is_empty() {
        return Err(DataError::new(file, format!("the file is empty{after_gunzip}; expected CIFAR-10 records")));
    }
    if is_whole_idx_file(data) {
        return Err(DataError::new(
            file,
            "this is an IDX file (MNIST or Fashion-MNIST), not a CIFAR-10 batch; choose that dataset for it",
        ));
    }
    let whole = data.len() / RECORD_BYTES;
    let over = data.len() % RECORD_BYTES;
    if over != 0 {
        let message = format!(
            "{} bytes{after_gunzip} is not a whole number of {RECORD_BYTES}-byte CIFAR-10 records \
             (a label byte and {IMAGE_BYTES} pixels): {whole} record(s) and {over} byte(s) over, \
             or {} byte(s) short of {} records",
            data.len(),
            RECORD_BYTES - over,
            whole + 1
        );
        return Err(DataError::new(file, with_hint(message, data)));
    }
    let mut split = Split { images: Vec::with_capacity(whole * IMAGE_BYTES), labels: Vec::with_capacity(whole) };
    for (i, record) in data.chunks_exact(RECORD_BYTES).enumerate() {
        let label = record[0];
        if label > 9 {
            let message = format!("record {i} has label {label}, outside 0–9");
            return Err(DataError::new(file, with_hint(message, data)));
        }
        split.labels.push(label);
        split.images.extend_from_slice(&record[1..]);
    }
    Ok(split)
}

/// Parses one CIFAR-10 binary batch, raw or gzipped.
pub fn parse_batch(file: &str, bytes: &[u8]) -> Result<Split, DataError> {
    let mut input = Input::new(file, bytes);
    let cap = (MAX_RECORDS * RECORD_BYTES) as u64;
    let data = input.read_up_to(cap + 1)?;
    if data.len() as u64 > cap {
        return Err(DataError::new(
            file,
            format!(
                "more than {cap} bytes{}: over {MAX_RECORDS} records, more than all of CIFAR-10 (a batch holds 10,000)",
                input.after_gunzip()
            ),
        ));
    }
    records(file, &data, input.after_gunzip())
}

/// The batches found so far, each with the file (or archive member) it came from.
#[derive(Default)]
struct Found {
    batches: BTreeMap<Batch, (String, Split)>,
}

impl Found {
    fn insert(&mut self, batch: Batch, source: String, split: Split) -> Result<(), DataError> {
        if let Some((first, _)) = self.batches.get(&batch) {
            return Err(DataError::new(
                &source,
                format!("{} is given twice, here and as {first}; give each batch once", batch.file_name()),
            ));
        }
        self.batches.insert(batch, (source, split));
        Ok(())
    }
}

/// Reads the batches inside a tar archive (gzipped or not); other members are skipped.
fn read_archive(name: &str, bytes: &[u8], found: &mut Found) -> Result<(), DataError> {
    let reader: Box<dyn Read + '_> = if bytes.starts_with(&[0x1f, 0x8b]) {
        Box::new(flate2::read::MultiGzDecoder::new(bytes))
    } else {
        Box::new(bytes)
    };
    let broken = |e: std::io::Error| {
        DataError::new(name, format!("not a readable tar.gz archive ({e}); the file may be truncated or corrupt"))
    };
    let mut archive = tar::Archive::new(reader);
    let entries = archive.entries().map_err(broken)?;
    let cap = (MAX_RECORDS * RECORD_BYTES) as u64;
    for entry in entries {
        let mut entry = entry.map_err(broken)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let Some(batch) = batch_of(&path) else { continue };
        let member = format!("{name} ({path})");
        let data = read_bounded(&mut entry, cap + 1).map_err(|e| {
            DataError::new(&member, format!("broken archive member ({e}); the archive may be truncated or corrupt"))
        })?;
        found.insert(batch, member.clone(), parse_batch(&member, &data)?)?;
    }
    // The tar reader stops at the end-of-archive marker; read what follows (padding and the gzip
    // trailer) so that a truncated or corrupt download is reported rather than half used.
    let mut rest = archive.into_inner();
    std::io::copy(&mut (&mut rest).take(1 << 20), &mut std::io::sink()).map_err(broken)?;
    Ok(())
}

/// A note on files that were not used, for "missing" errors.
fn ignored_note(ignored: &[(&str, &[u8])]) -> String {
    if ignored.is_empty() {
        return String::new();
    }
    let mut note = format!(
        "; ignored (not a CIFAR-10 batch name): {}",
        ignored.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
    );
    for (name, bytes) in ignored {
        let mut input = Input::new(name, bytes);
        if let Ok(head) = input.read_up_to(4)
            && head.len() == 4
        {
            let magic = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
            if magic == IMAGE_MAGIC || magic == LABEL_MAGIC {
                note.push_str(&format!("; {name} is an IDX file, i.e. MNIST or Fashion-MNIST, not CIFAR-10"));
            }
        }
    }
    note
}

/// Loads CIFAR-10 from batch files and/or the official archive, each given as (name, contents).
/// The training split is the data batches present, in batch-number order; the test split is
/// `test_batch.bin`. Files with other names (batches.meta.txt, readme.html, …) are ignored.
/// `kind` is CIFAR-10 or its bundled subset (the same files, fewer records).
pub fn load_cifar(kind: DatasetKind, files: &[(String, Vec<u8>)]) -> Result<Dataset, DataError> {
    let mut found = Found::default();
    let mut archives: Vec<&str> = Vec::new();
    let mut loose = 0;
    let mut ignored: Vec<(&str, &[u8])> = Vec::new();
    for (name, bytes) in files {
        if let Some(batch) = batch_of(name) {
            found.insert(batch, name.clone(), parse_batch(name, bytes)?)?;
            loose += 1;
        } else if is_archive_name(name) || looks_like_tar(name, bytes) {
            read_archive(name, bytes, &mut found)?;
            archives.push(name);
        } else {
            ignored.push((name, bytes));
        }
    }

    let has_test = found.batches.contains_key(&Batch::Test);
    let has_data = found.batches.keys().any(|b| matches!(b, Batch::Data(_)));
    if !has_test || !has_data {
        let (what, names) = if !has_test {
            ("test batch", "test_batch.bin".to_string())
        } else {
            ("training batch", "data_batch_1.bin … data_batch_5.bin".to_string())
        };
        if archives.len() == 1 && loose == 0 {
            return Err(DataError::new(
                archives[0],
                format!("the archive has no {ARCHIVE_DIR}/{names}{}", ignored_note(&ignored)),
            ));
        }
        let message = if files.is_empty() {
            "no files given; expected data_batch_1.bin … data_batch_5.bin and test_batch.bin \
             (each optionally .gz), or cifar-10-binary.tar.gz"
                .to_string()
        } else {
            let searched =
                if archives.is_empty() { String::new() } else { format!(" (nor in {})", archives.join(", ")) };
            format!(
                "no {what} among the files given{searched}: expected {names} (optionally .gz) or {ARCHIVE_NAME}{}",
                ignored_note(&ignored)
            )
        };
        return Err(DataError::new(kind.name(), message));
    }

    let mut train = Split::default();
    let mut test = Split::default();
    let total: usize = found.batches.iter().filter(|(b, _)| **b != Batch::Test).map(|(_, (_, s))| s.len()).sum();
    train.images.reserve_exact(total * IMAGE_BYTES);
    train.labels.reserve_exact(total);
    for (batch, (_, split)) in found.batches {
        match batch {
            Batch::Test => test = split,
            Batch::Data(_) => {
                train.images.extend_from_slice(&split.images);
                train.labels.extend_from_slice(&split.labels);
            }
        }
    }
    Dataset::new(kind, ImageShape::CIFAR, Normalization::cifar(), train, test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// `labels.len()` records; image i's pixels are all `fill + i`.
    fn batch(labels: &[u8], fill: u8) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &l) in labels.iter().enumerate() {
            out.push(l);
            out.extend(std::iter::repeat_n(fill.wrapping_add(i as u8), IMAGE_BYTES));
        }
        out
    }

    fn tar_gz(members: &[(&str, &[u8])]) -> Vec<u8> {
        let enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let mut builder = tar::Builder::new(enc);
        for (path, data) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, *data).unwrap();
        }
        builder.into_inner().unwrap().finish().unwrap()
    }

    fn owned(files: &[(&str, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
        files.iter().map(|(n, b)| (n.to_string(), b.clone())).collect()
    }

    #[test]
    fn batch_names_are_recognised() {
        assert_eq!(batch_of("data_batch_1.bin"), Some(Batch::Data(1)));
        assert_eq!(batch_of("x/y\\DATA_BATCH_5.bin.gz"), Some(Batch::Data(5)));
        assert_eq!(batch_of("cifar-10-batches-bin/test_batch.bin"), Some(Batch::Test));
        assert_eq!(batch_of("data_batch_6.bin"), None);
        assert_eq!(batch_of("data_batch_11.bin"), None);
        assert_eq!(batch_of("batches.meta.txt"), None);
        assert_eq!(batch_of("data_batch_1"), None);
        assert!(is_archive_name("dl/cifar-10-binary.tar.gz"));
    }

    #[test]
    fn parse_batch_round_trips_raw_and_gzipped() {
        let raw = batch(&[3, 9], 10);
        let split = parse_batch("b", &raw).unwrap();
        assert_eq!(split.labels, vec![3, 9]);
        assert_eq!(split.images.len(), 2 * IMAGE_BYTES);
        assert!(split.images[..IMAGE_BYTES].iter().all(|&p| p == 10));
        assert!(split.images[IMAGE_BYTES..].iter().all(|&p| p == 11));
        assert_eq!(parse_batch("b.gz", &gzip(&raw)).unwrap(), split);
    }

    #[test]
    fn channel_planes_stay_in_order() {
        let mut raw = vec![4u8];
        for plane in 0..3u8 {
            raw.extend(std::iter::repeat_n(plane * 100, 1024));
        }
        let split = parse_batch("b", &raw).unwrap();
        assert_eq!((split.images[0], split.images[1024], split.images[2048]), (0, 100, 200));
    }

    #[test]
    fn lengths_that_are_not_whole_records_say_how_far_off() {
        let mut raw = batch(&[1, 2], 0);
        raw.extend_from_slice(&[0; 5]);
        let err = parse_batch("b", &raw).unwrap_err();
        assert!(err.message.contains("2 record(s) and 5 byte(s) over"), "{err}");
        assert!(err.message.contains("3068 byte(s) short of 3 records"), "{err}");
        let err = parse_batch("b.gz", &gzip(&raw[..100])).unwrap_err();
        assert!(err.message.contains("100 bytes once decompressed"), "{err}");
        assert!(parse_batch("e", &[]).unwrap_err().message.contains("empty"));
    }

    #[test]
    fn bad_labels_and_foreign_files_are_refused() {
        let err = parse_batch("b", &batch(&[1, 10], 0)).unwrap_err();
        assert!(err.message.contains("record 1 has label 10"), "{err}");
        let mut idx = vec![0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28];
        idx.extend_from_slice(&[0; 2 * 784]);
        let err = parse_batch("data_batch_1.bin", &idx).unwrap_err();
        assert!(err.message.contains("IDX file"), "{err}");
        let err = parse_batch("p", &[0x80, 0x02, b'}', b'q']).unwrap_err();
        assert!(err.message.contains("pickle"), "{err}");
        // An IDX file whose length happens to be a whole number of records is still recognised.
        let mut idx = vec![0, 0, 8, 1, 0, 0, 0x0b, 0xf9];
        idx.extend_from_slice(&[1; 3065]);
        assert_eq!(idx.len(), 3073);
        let err = parse_batch("test_batch.bin", &idx).unwrap_err();
        assert!(err.message.contains("this is an IDX file"), "{err}");
        let err = parse_batch("c100", &vec![1u8; 2 * 3074]).unwrap_err();
        assert!(err.message.contains("CIFAR-100"), "{err}");
        let tar = tar_gz(&[("a", b"hello")]);
        let err = parse_batch("data_batch_1.bin", &tar).unwrap_err();
        assert!(err.message.contains("tar archive"), "{err}");
    }

    #[test]
    fn loose_batches_load_in_batch_number_order() {
        let files = owned(&[
            ("dir/data_batch_3.bin", batch(&[3], 30)),
            ("readme.html", b"<html>".to_vec()),
            ("test_batch.bin.gz", gzip(&batch(&[7, 8], 70))),
            ("data_batch_1.bin", batch(&[1, 1], 10)),
        ]);
        let d = load_cifar(DatasetKind::Cifar10, &files).unwrap();
        assert_eq!(d.shape, ImageShape::CIFAR);
        assert_eq!(d.normalization, Normalization::cifar());
        assert_eq!(d.train.labels, vec![1, 1, 3]);
        assert_eq!(d.train.images[2 * IMAGE_BYTES], 30);
        assert_eq!(d.test.labels, vec![7, 8]);
    }

    #[test]
    fn the_archive_is_read_and_other_members_skipped() {
        let d1 = batch(&[1], 1);
        let d2 = batch(&[2, 2], 2);
        let t = batch(&[0], 9);
        let archive = tar_gz(&[
            ("cifar-10-batches-bin/batches.meta.txt", b"airplane\n"),
            ("cifar-10-batches-bin/data_batch_2.bin", &d2),
            ("cifar-10-batches-bin/test_batch.bin", &t),
            ("cifar-10-batches-bin/readme.html", b"<html>"),
            ("cifar-10-batches-bin/data_batch_1.bin", &d1),
        ]);
        let d = load_cifar(DatasetKind::Cifar10, &owned(&[(ARCHIVE_NAME, archive.clone())])).unwrap();
        assert_eq!(d.train.labels, vec![1, 2, 2]);
        assert_eq!(d.test.labels, vec![0]);
        // Found by its contents under another name too.
        assert!(load_cifar(DatasetKind::Cifar10, &owned(&[("download", archive)])).is_ok());
    }

    #[test]
    fn missing_batches_are_named() {
        let archive = tar_gz(&[("cifar-10-batches-bin/data_batch_1.bin", &batch(&[1], 1))]);
        let err = load_cifar(DatasetKind::Cifar10, &owned(&[(ARCHIVE_NAME, archive)])).unwrap_err();
        assert_eq!(err.file, ARCHIVE_NAME);
        assert!(err.message.starts_with("the archive has no cifar-10-batches-bin/test_batch.bin"), "{err}");
        let archive = tar_gz(&[("cifar-10-batches-bin/test_batch.bin", &batch(&[1], 1))]);
        let err = load_cifar(DatasetKind::Cifar10, &owned(&[(ARCHIVE_NAME, archive)])).unwrap_err();
        assert!(err.message.contains("no cifar-10-batches-bin/data_batch_1.bin"), "{err}");
        let err = load_cifar(DatasetKind::Cifar10, &owned(&[("data_batch_2.bin", batch(&[1], 1))])).unwrap_err();
        assert_eq!(err.file, "cifar10");
        assert!(err.message.contains("no test batch"), "{err}");
        let err = load_cifar(DatasetKind::Cifar10, &[]).unwrap_err();
        assert!(err.message.contains("no files given"), "{err}");
    }

    #[test]
    fn mnist_files_given_as_cifar_are_recognised() {
        let idx = [0u8, 0, 8, 1, 0, 0, 0, 1, 5];
        let err = load_cifar(DatasetKind::Cifar10, &owned(&[("train-labels-idx1-ubyte.gz", gzip(&idx))])).unwrap_err();
        assert!(err.message.contains("is an IDX file"), "{err}");
        let err = load_cifar(DatasetKind::Cifar10, &owned(&[("test_batch.bin", idx.to_vec())])).unwrap_err();
        assert!(err.message.contains("IDX file"), "{err}");
    }

    #[test]
    fn duplicates_and_broken_archives_are_refused() {
        let files = owned(&[("a/test_batch.bin", batch(&[1], 1)), ("b/test_batch.bin.gz", gzip(&batch(&[1], 1)))]);
        let err = load_cifar(DatasetKind::Cifar10, &files).unwrap_err();
        assert!(err.message.contains("given twice"), "{err}");
        let archive = tar_gz(&[("cifar-10-batches-bin/test_batch.bin", &batch(&[1; 20], 1))]);
        let err = load_cifar(DatasetKind::Cifar10, &owned(&[(ARCHIVE_NAME, archive[..archive.len() / 2].to_vec())]))
            .unwrap_err();
        assert!(err.file.starts_with(ARCHIVE_NAME), "{err}");
    }
}
