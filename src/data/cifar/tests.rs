//! The CIFAR-10 reader on small built batches and archives.

use super::*;
use crate::data::test_files::{gzip, tar_gz};

/// `labels.len()` records; image i's pixels are all `fill + i`.
fn batch(labels: &[u8], fill: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &l) in labels.iter().enumerate() {
        out.push(l);
        out.extend(std::iter::repeat_n(fill.wrapping_add(i as u8), IMAGE_BYTES));
    }
    out
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
    let err =
        load_cifar(DatasetKind::Cifar10, &owned(&[(ARCHIVE_NAME, archive[..archive.len() / 2].to_vec())])).unwrap_err();
    assert!(err.file.starts_with(ARCHIVE_NAME), "{err}");
}

#[test]
fn the_reservation_is_exact_for_official_files_so_the_images_never_move() {
    // The sizes the page knows beforehand: a raw file's, a gzip file's trailer.
    let files = owned(&[("data_batch_1.bin.gz", gzip(&batch(&[1; 30], 1))), ("data_batch_2.bin", batch(&[2; 20], 2))]);
    let mut reader =
        CifarReader::new(DatasetKind::Cifar10, &files.iter().map(|(n, b)| FileInfo::of(n, b)).collect::<Vec<_>>());
    let before = (reader.store.train.images.as_ptr(), reader.store.train.images.capacity());
    assert_eq!(before.1, 50 * IMAGE_BYTES);
    for (name, bytes) in &files {
        reader.begin(name).unwrap();
        for chunk in bytes.chunks(1000) {
            reader.push(chunk).unwrap();
        }
        reader.end().unwrap();
    }
    assert_eq!((reader.store.train.images.as_ptr(), reader.store.train.images.capacity()), before);
    assert_eq!(reader.store.train.images.len(), 50 * IMAGE_BYTES);
    // Without sizes: the official counts, or the bundled subset's; the archive's six batches.
    let names = |names: &[&str]| {
        names.iter().map(|n| FileInfo { name: n.to_string(), ..FileInfo::default() }).collect::<Vec<_>>()
    };
    let six = names(&[
        "data_batch_1.bin.gz",
        "data_batch_2.bin.gz",
        "data_batch_3.bin.gz",
        "data_batch_4.bin.gz",
        "data_batch_5.bin.gz",
        "test_batch.bin.gz",
    ]);
    assert_eq!(cifar_reservation(DatasetKind::Cifar10, &six), (50_000, 10_000));
    let subset = names(&["data_batch_1.bin.gz", "test_batch.bin.gz", "batches.meta.txt"]);
    assert_eq!(cifar_reservation(DatasetKind::Cifar10Subset, &subset), (4_000, 1_000));
    assert_eq!(cifar_reservation(DatasetKind::Cifar10, &names(&[ARCHIVE_NAME])), (50_000, 10_000));
    // A small archive whose trailer is known: no more than it can hold.
    let archive = tar_gz(&[
        ("cifar-10-batches-bin/test_batch.bin", &batch(&[1; 4], 1)),
        ("cifar-10-batches-bin/data_batch_1.bin", &batch(&[2; 3], 1)),
    ]);
    let small = FileInfo::of(ARCHIVE_NAME, &archive);
    let all = (small.content_bytes().unwrap() / RECORD_BYTES as u64) as usize;
    assert!((7..20).contains(&all), "{all}");
    assert_eq!(cifar_reservation(DatasetKind::Cifar10, &[small]), (all, all));
    // A lying trailer reserves at most all of CIFAR-10.
    let liar = FileInfo {
        name: "test_batch.bin.gz".into(),
        size: Some(100),
        ends: Some(vec![0x1f, 0x8b, 255, 255, 255, 255]),
    };
    assert_eq!(cifar_reservation(DatasetKind::Cifar10, &[liar]), (0, MAX_RECORDS));
}

fn cifar_reservation(kind: DatasetKind, files: &[FileInfo]) -> (usize, usize) {
    let reader = CifarReader::new(kind, files);
    (reader.store.train.labels.capacity(), reader.store.test.labels.capacity())
}
