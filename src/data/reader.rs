//! The one way the page hands a dataset's bytes to Rust: files one after the other, each in the
//! chunks its stream delivers, still compressed. [`DatasetReader::new`] takes the kind and what is
//! known of the files beforehand ([`FileInfo`]: to reserve memory), then
//! [`push`](DatasetReader::push) each chunk, [`end_file`](DatasetReader::end_file) each file, and
//! [`finish`](DatasetReader::finish) to get the [`Dataset`].
//!
//! CIFAR-10 (tens of MB per file) is parsed as it arrives by [`CifarReader`], straight into the
//! dataset's splits; MNIST-style IDX files (a few MB each, gzipped) are kept as they come and
//! parsed at the end by [`load_files`]. Every error names its file, and after one the reader
//! only repeats it.

use super::cifar::CifarReader;
use super::gunzip::GZIP_MAGIC;
use super::{DataError, Dataset, FileInfo, load_files, mnist_role};
use crate::config::DatasetKind;

/// The most bytes kept of one IDX file (MNIST's largest is 47 MB raw).
const MAX_IDX_FILE_BYTES: usize = 512 << 20;

pub struct DatasetReader {
    kind: DatasetKind,
    inner: Inner,
    /// The file being read.
    open: Option<String>,
    failed: Option<DataError>,
}

enum Inner {
    /// The Q&A's examples: built in, files are not read.
    BuiltIn,
    Cifar(Box<CifarReader>),
    /// The files as given (only the bytes of the four MNIST files are kept).
    Idx(Vec<(String, Vec<u8>)>),
}

impl DatasetReader {
    pub fn new(kind: DatasetKind, files: &[FileInfo]) -> Self {
        let inner = if kind == DatasetKind::Qa {
            Inner::BuiltIn
        } else if kind.is_cifar() {
            Inner::Cifar(Box::new(CifarReader::new(kind, files)))
        } else {
            Inner::Idx(Vec::new())
        };
        DatasetReader { kind, inner, open: None, failed: None }
    }

    pub fn kind(&self) -> DatasetKind {
        self.kind
    }

    /// Whether the file being read is gzipped (known once its first two bytes came).
    pub fn is_gzipped(&self) -> bool {
        match &self.inner {
            Inner::Cifar(reader) => reader.is_gzipped(),
            Inner::Idx(files) => self.open.is_some() && files.last().is_some_and(|(_, b)| b.starts_with(&GZIP_MAGIC)),
            Inner::BuiltIn => false,
        }
    }

    /// Runs `step` unless an error came before (then that error again); remembers its error.
    fn guard(&mut self, step: impl FnOnce(&mut Self) -> Result<(), DataError>) -> Result<(), DataError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = step(self);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// Starts `name` unless it is the file being read; a file is read to its end before the next.
    fn open(&mut self, name: &str) -> Result<(), DataError> {
        match &self.open {
            Some(open) if open == name => return Ok(()),
            Some(open) => {
                return Err(DataError::new(
                    name,
                    format!("its bytes came while {open} was still being read; files are read one at a time"),
                ));
            }
            None => {}
        }
        match &mut self.inner {
            Inner::BuiltIn => {}
            Inner::Cifar(reader) => reader.begin(name)?,
            Inner::Idx(files) => files.push((name.to_string(), Vec::new())),
        }
        self.open = Some(name.to_string());
        Ok(())
    }

    /// The next bytes of the file `name` (the first starts it).
    pub fn push(&mut self, name: &str, chunk: &[u8]) -> Result<(), DataError> {
        self.guard(|this| {
            this.open(name)?;
            match &mut this.inner {
                Inner::BuiltIn => Ok(()),
                Inner::Cifar(reader) => reader.push(chunk),
                Inner::Idx(files) => {
                    let Some((file, bytes)) = files.last_mut() else { return Ok(()) };
                    // Of other files only the first bytes are kept (to tell whether they are gzipped).
                    let keep =
                        if mnist_role(file).is_some() { chunk.len() } else { 2usize.saturating_sub(bytes.len()) };
                    if bytes.len() + keep.min(chunk.len()) > MAX_IDX_FILE_BYTES {
                        return Err(DataError::new(
                            file.as_str(),
                            format!(
                                "more than {} MiB, far more than any file of these datasets",
                                MAX_IDX_FILE_BYTES >> 20
                            ),
                        ));
                    }
                    bytes.extend_from_slice(&chunk[..keep.min(chunk.len())]);
                    Ok(())
                }
            }
        })
    }

    /// The file `name` has ended (an empty one needs no `push` first).
    pub fn end_file(&mut self, name: &str) -> Result<(), DataError> {
        self.guard(|this| {
            this.open(name)?;
            this.open = None;
            match &mut this.inner {
                Inner::Cifar(reader) => reader.end(),
                Inner::BuiltIn | Inner::Idx(_) => Ok(()),
            }
        })
    }

    /// All files are read: the dataset, or why there is none.
    pub fn finish(mut self) -> Result<Dataset, DataError> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if let Some(open) = self.open.take() {
            self.end_file(&open)?;
        }
        match self.inner {
            Inner::BuiltIn => Ok(Dataset::qa()),
            Inner::Cifar(reader) => reader.finish(),
            Inner::Idx(files) => {
                let files: Vec<(String, Vec<u8>)> = files
                    .into_iter()
                    .map(|(n, b)| if mnist_role(&n).is_some() { (n, b) } else { (n, Vec::new()) })
                    .collect();
                load_files(self.kind, &files)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::cifar::{self, IMAGE_BYTES, RECORD_BYTES};
    use crate::data::test_files::{gzip, idx_labels, tar_gz};

    type Files = Vec<(String, Vec<u8>)>;

    /// `labels.len()` records; image i's pixels run from `fill + i` upwards (so any misplaced
    /// byte shows).
    fn batch(labels: &[u8], fill: u8) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, &l) in labels.iter().enumerate() {
            out.push(l);
            out.extend((0..IMAGE_BYTES).map(|p| fill.wrapping_add(i as u8).wrapping_add((p % 7) as u8)));
        }
        out
    }

    fn infos(files: &[(String, Vec<u8>)]) -> Vec<FileInfo> {
        files.iter().map(|(n, b)| FileInfo::of(n, b)).collect()
    }

    /// Reads `files` through a DatasetReader, each cut into chunks at the given offsets (the
    /// same list for every file, offsets past a file's end ignored).
    fn read_cut(kind: DatasetKind, files: &[(String, Vec<u8>)], cuts: &[usize]) -> Result<Dataset, DataError> {
        let mut reader = DatasetReader::new(kind, &infos(files));
        for (name, bytes) in files {
            let mut from = 0;
            for &cut in cuts.iter().filter(|&&c| c > 0 && c < bytes.len()) {
                if cut > from {
                    reader.push(name, &bytes[from..cut])?;
                    from = cut;
                }
            }
            reader.push(name, &bytes[from..])?;
            reader.end_file(name)?;
        }
        reader.finish()
    }

    /// Reads `files` in chunks of `size` bytes.
    fn read_chunked(kind: DatasetKind, files: &[(String, Vec<u8>)], size: usize) -> Result<Dataset, DataError> {
        let mut reader = DatasetReader::new(kind, &infos(files));
        for (name, bytes) in files {
            for chunk in bytes.chunks(size) {
                reader.push(name, chunk)?;
            }
            reader.end_file(name)?;
        }
        reader.finish()
    }

    fn owned(files: &[(&str, Vec<u8>)]) -> Vec<(String, Vec<u8>)> {
        files.iter().map(|(n, b)| (n.to_string(), b.clone())).collect()
    }

    /// Loose batches (raw and gzipped, out of order), a file to ignore.
    fn loose() -> Vec<(String, Vec<u8>)> {
        owned(&[
            ("dir/data_batch_3.bin.gz", gzip(&batch(&[3, 4], 30))),
            ("readme.html", b"<html>".to_vec()),
            ("test_batch.bin", batch(&[7, 8, 9], 70)),
            ("data_batch_1.bin", batch(&[1, 1, 2], 10)),
        ])
    }

    /// The official archive's layout, members out of order, read under another name too.
    fn archive() -> Vec<u8> {
        tar_gz(&[
            ("cifar-10-batches-bin/data_batch_2.bin", &batch(&[2, 2], 20)),
            ("cifar-10-batches-bin/batches.meta.txt", b"airplane\n"),
            ("cifar-10-batches-bin/test_batch.bin", &batch(&[0, 5], 90)),
            ("cifar-10-batches-bin/data_batch_1.bin", &batch(&[1], 10)),
        ])
    }

    #[test]
    fn chunks_cut_anywhere_give_the_whole_file_dataset() {
        for files in [loose(), owned(&[(cifar::ARCHIVE_NAME, archive())]), owned(&[("download", archive())])] {
            let whole = cifar::load_cifar(DatasetKind::Cifar10, &files).unwrap();
            assert_eq!(whole.train.labels.len() + whole.test.labels.len(), if files.len() == 1 { 5 } else { 8 });
            // Inside the gzip header (10 bytes), at and around record and tar block boundaries.
            let mut cuts: Vec<usize> = (0..=12).collect();
            for edge in [RECORD_BYTES, 2 * RECORD_BYTES, 512, 1024, 1536, 4096] {
                cuts.extend([edge - 1, edge, edge + 1]);
            }
            cuts.sort();
            assert_eq!(read_cut(DatasetKind::Cifar10, &files, &cuts).unwrap(), whole);
            for single in [1, 2, 9, 10, 11, 100, RECORD_BYTES - 1, RECORD_BYTES, RECORD_BYTES + 1] {
                assert_eq!(read_cut(DatasetKind::Cifar10, &files, &[single]).unwrap(), whole, "cut at {single}");
            }
            for size in [7, 511, 512, 4096, 65_536] {
                assert_eq!(read_chunked(DatasetKind::Cifar10, &files, size).unwrap(), whole, "chunks of {size}");
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        for files in [loose(), owned(&[(cifar::ARCHIVE_NAME, archive())])] {
            let whole = cifar::load_cifar(DatasetKind::Cifar10, &files).unwrap();
            assert_eq!(read_chunked(DatasetKind::Cifar10, &files, 1).unwrap(), whole);
        }
    }

    #[test]
    fn every_two_chunk_cut_of_a_small_gzipped_batch() {
        let gz = gzip(&batch(&[4, 0], 200));
        let files =
            vec![("test_batch.bin.gz".to_string(), gz.clone()), ("data_batch_5.bin".to_string(), batch(&[6], 1))];
        let whole = cifar::load_cifar(DatasetKind::Cifar10, &files).unwrap();
        for cut in 0..=gz.len() {
            assert_eq!(read_cut(DatasetKind::Cifar10, &files, &[cut]).unwrap(), whole, "cut at {cut}");
        }
    }

    #[test]
    fn batches_are_put_in_batch_number_order() {
        let d = read_chunked(DatasetKind::Cifar10, &loose(), 1000).unwrap();
        assert_eq!(d.train.labels, vec![1, 1, 2, 3, 4]);
        assert_eq!(d.train.images[..IMAGE_BYTES], batch(&[1], 10)[1..]);
        assert_eq!(d.train.images[3 * IMAGE_BYTES..4 * IMAGE_BYTES], batch(&[3], 30)[1..]);
        assert_eq!(d.test.labels, vec![7, 8, 9]);
        let d = read_chunked(DatasetKind::Cifar10, &owned(&[(cifar::ARCHIVE_NAME, archive())]), 777).unwrap();
        assert_eq!(d.train.labels, vec![1, 2, 2]);
        assert_eq!(d.train.images[IMAGE_BYTES..2 * IMAGE_BYTES], batch(&[2], 20)[1..]);
        // Five batches in reverse: the rotations put each where it belongs.
        let files: Vec<(String, Vec<u8>)> = (1..=5u8)
            .rev()
            .map(|n| (format!("data_batch_{n}.bin"), batch(&vec![n; n as usize], n * 40)))
            .chain([("test_batch.bin".to_string(), batch(&[0], 0))])
            .collect();
        let d = read_chunked(DatasetKind::Cifar10, &files, 5000).unwrap();
        let expected: Vec<u8> = (1..=5u8).flat_map(|n| vec![n; n as usize]).collect();
        assert_eq!(d.train.labels, expected);
        let mut images = Vec::new();
        for n in 1..=5u8 {
            images.extend(batch(&vec![n; n as usize], n * 40).chunks(RECORD_BYTES).flat_map(|r| r[1..].to_vec()));
        }
        assert!(d.train.images == images);
    }

    #[test]
    fn errors_name_the_file_whatever_the_chunks() {
        // (the files, the file the error names, what its message says)
        let cases: Vec<(Files, &str, &str)> = vec![
            // A truncated gzip stream.
            (
                owned(&[("test_batch.bin.gz", gzip(&batch(&[1, 2], 0))[..40].to_vec())]),
                "test_batch.bin.gz",
                "broken gzip data (",
            ),
            // A gzip header and nothing else.
            (
                owned(&[("dropped_test_batch.bin.gz", vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x63])]),
                "dropped_test_batch.bin.gz",
                "broken gzip data (",
            ),
            // Not whole records, a bad label in the second record.
            (
                owned(&[("test_batch.bin", [batch(&[1, 2], 0), vec![0; 5]].concat())]),
                "test_batch.bin",
                "6151 bytes is not a whole number of 3073-byte CIFAR-10 records",
            ),
            (
                owned(&[("data_batch_1.bin.gz", gzip(&batch(&[1, 10], 0)))]),
                "data_batch_1.bin.gz",
                "record 1 has label 10, outside 0–9",
            ),
            // An IDX file under a batch name; MNIST files given as CIFAR-10.
            (
                owned(&[("test_batch.bin", [vec![0, 0, 8, 1, 0, 0, 0, 3], vec![1, 2, 3]].concat())]),
                "test_batch.bin",
                "this is an IDX file",
            ),
            (
                owned(&[("train-labels-idx1-ubyte.gz", gzip(&[0, 0, 8, 1, 0, 0, 0, 1, 5]))]),
                "cifar10",
                "train-labels-idx1-ubyte.gz is an IDX file",
            ),
            // Missing batches, inside an archive and among loose files; a batch given twice.
            (
                owned(&[(cifar::ARCHIVE_NAME, tar_gz(&[("cifar-10-batches-bin/data_batch_1.bin", &batch(&[1], 1))]))]),
                cifar::ARCHIVE_NAME,
                "the archive has no cifar-10-batches-bin/test_batch.bin",
            ),
            (owned(&[("data_batch_2.bin", batch(&[1], 1))]), "cifar10", "no test batch among the files given"),
            (
                owned(&[("a/test_batch.bin", batch(&[1], 1)), ("b/test_batch.bin.gz", gzip(&batch(&[1], 1)))]),
                "b/test_batch.bin.gz",
                "test_batch.bin is given twice, here and as a/test_batch.bin",
            ),
            // A batch inside the archive with a bad label; a truncated archive.
            (
                owned(&[(cifar::ARCHIVE_NAME, tar_gz(&[("cifar-10-batches-bin/test_batch.bin", &batch(&[11], 1))]))]),
                "cifar-10-binary.tar.gz (cifar-10-batches-bin/test_batch.bin)",
                "record 0 has label 11",
            ),
            (
                owned(&[(cifar::ARCHIVE_NAME, archive()[..archive().len() / 2].to_vec())]),
                cifar::ARCHIVE_NAME,
                "broken gzip data (",
            ),
        ];
        for (files, file, start) in cases {
            let whole = cifar::load_cifar(DatasetKind::Cifar10, &files).unwrap_err();
            assert_eq!(whole.file, file, "{whole}");
            assert!(whole.message.contains(start), "{whole}");
            for size in [1, 3, 11, 700, 3073, 1 << 20] {
                let err = read_chunked(DatasetKind::Cifar10, &files, size).unwrap_err();
                assert_eq!(err, whole, "chunks of {size}");
            }
        }
    }

    #[test]
    fn after_an_error_the_reader_only_repeats_it() {
        let mut reader = DatasetReader::new(DatasetKind::Cifar10, &[]);
        // A bad label is reported at the end of the file (the length's verdict comes first).
        reader.push("data_batch_1.bin", &[42]).unwrap();
        let err = reader.end_file("data_batch_1.bin").unwrap_err();
        assert_eq!(err.file, "data_batch_1.bin");
        assert!(err.message.starts_with("1 bytes is not a whole number"), "{err}");
        assert_eq!(reader.push("test_batch.bin", &batch(&[1], 1)).unwrap_err(), err);
        assert_eq!(reader.finish().unwrap_err(), err);
        // Bytes of a second file while the first is open are refused.
        let mut reader = DatasetReader::new(DatasetKind::Cifar10, &[]);
        reader.push("data_batch_1.bin", &[1]).unwrap();
        let err = reader.push("test_batch.bin", &[1]).unwrap_err();
        assert_eq!(err.file, "test_batch.bin");
        assert!(err.message.contains("while data_batch_1.bin was still being read"), "{err}");
    }

    #[test]
    fn gzip_is_known_from_the_first_two_bytes() {
        let mut reader = DatasetReader::new(DatasetKind::Cifar10, &[]);
        assert!(!reader.is_gzipped());
        let gz = gzip(&batch(&[1], 1));
        reader.push("test_batch.bin.gz", &gz[..1]).unwrap();
        assert!(!reader.is_gzipped());
        reader.push("test_batch.bin.gz", &gz[1..2]).unwrap();
        assert!(reader.is_gzipped());
        reader.push("test_batch.bin.gz", &gz[2..]).unwrap();
        reader.end_file("test_batch.bin.gz").unwrap();
        reader.push("data_batch_1.bin", &batch(&[1], 1)).unwrap();
        assert!(!reader.is_gzipped());
        let mut mnist = DatasetReader::new(DatasetKind::Mnist, &[]);
        mnist.push("train-images-idx3-ubyte.gz", &[0x1f]).unwrap();
        assert!(!mnist.is_gzipped());
        mnist.push("train-images-idx3-ubyte.gz", &[0x8b]).unwrap();
        assert!(mnist.is_gzipped());
    }

    fn idx_images(n: u32) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [0x803, n, 28, 28] {
            out.extend_from_slice(&u32::to_be_bytes(v));
        }
        out.extend((0..n as usize * 784).map(|i| (i % 251) as u8));
        out
    }

    #[test]
    fn mnist_files_in_chunks_load_as_whole_files_do() {
        let files = owned(&[
            ("train-images-idx3-ubyte.gz", gzip(&idx_images(5))),
            ("train-labels-idx1-ubyte", idx_labels(5)),
            ("notes.txt", b"hello".to_vec()),
            ("t10k-images-idx3-ubyte", idx_images(2)),
            ("t10k-labels-idx1-ubyte.gz", gzip(&idx_labels(2))),
        ]);
        let whole = load_files(DatasetKind::FashionMnist, &files).unwrap();
        for size in [1, 13, 4096] {
            assert_eq!(read_chunked(DatasetKind::FashionMnist, &files, size).unwrap(), whole);
        }
        // The errors too: a truncated file, and CIFAR-10 files given as MNIST.
        let mut broken = files.clone();
        broken[3].1.truncate(100);
        let err = read_chunked(DatasetKind::Mnist, &broken, 7).unwrap_err();
        assert_eq!(err, load_files(DatasetKind::Mnist, &broken).unwrap_err());
        assert_eq!(err.file, "t10k-images-idx3-ubyte");
        let cifar = owned(&[("data_batch_1.bin", batch(&[1], 1))]);
        let err = read_chunked(DatasetKind::Mnist, &cifar, 100).unwrap_err();
        assert!(err.message.contains("those look like CIFAR-10 files"), "{err}");
    }

    #[test]
    fn the_built_in_dataset_reads_nothing() {
        let mut reader = DatasetReader::new(DatasetKind::Qa, &[]);
        reader.push("anything", b"at all").unwrap();
        reader.end_file("anything").unwrap();
        assert_eq!(reader.finish().unwrap(), Dataset::qa());
        let err = DatasetReader::new(DatasetKind::Cifar10, &[]).finish().unwrap_err();
        assert!(err.message.starts_with("no files given"), "{err}");
    }
}
