//! CIFAR-10's binary version: `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`
//! (each raw or gzipped), or the official `cifar-10-binary.tar.gz` that holds them under
//! `cifar-10-batches-bin/`.
//!
//! A batch is a run of 3,073-byte records: one label byte (0–9), then the 1,024 red, 1,024 green
//! and 1,024 blue bytes of a 32×32 image, each plane row-major. That channel-major layout is
//! kept as it is in [`Split::images`].
//!
//! [`CifarReader`] reads the files as they arrive, chunk by chunk (a browser stream's, or a whole
//! file at once): gzip is decompressed, a tar archive unpacked and records parsed on the way,
//! straight into the dataset's two splits, which are reserved up front from what is known of the
//! files (see [`FileInfo`]). So the only large allocations are the images themselves, and a file's
//! bytes are never held whole.

use super::gunzip::Gunzip;
use super::idx::{IMAGE_MAGIC, LABEL_MAGIC};
use super::untar::{Members, Untar};
use super::{DataError, Dataset, FileInfo, ImageShape, Normalization, Split};
use crate::config::DatasetKind;
use std::collections::BTreeMap;

/// Bytes of pixels per image: 3 × 32 × 32.
pub const IMAGE_BYTES: usize = 3 * 32 * 32;
/// Bytes per record: the label, then the pixels.
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;
/// The most records one file may hold: all of CIFAR-10 (an official batch holds 10,000).
pub const MAX_RECORDS: usize = 60_000;
/// Records in each of the official batches (the five training batches and the test batch).
pub const OFFICIAL_BATCH_RECORDS: usize = 10_000;
/// Records in the bundled subset's training and test batch (data/cifar10-subset/README.md).
pub const SUBSET_RECORDS: (usize, usize) = (4_000, 1_000);
/// The official archive's name and the folder its batches sit in.
pub const ARCHIVE_NAME: &str = "cifar-10-binary.tar.gz";
pub const ARCHIVE_DIR: &str = "cifar-10-batches-bin";
/// Bytes of a batch's (decompressed) start kept to say what it is when it is not a batch.
const HEAD_BYTES: usize = 512;
/// The most bytes a file that is not a batch may decompress to (the official archive: 185 MB).
const MAX_OTHER_BYTES: u64 = 512 << 20;

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

fn is_tar(head: &[u8]) -> bool {
    head.len() >= 262 && &head[257..262] == b"ustar"
}

/// A guess at what a file that is not a CIFAR-10 batch is instead, to add to an error, from its
/// first bytes (`head`, up to [`HEAD_BYTES`]) and its length.
fn foreign_format(head: &[u8], len: u64) -> Option<&'static str> {
    let magic = head.get(..4).map(|m| u32::from_be_bytes([m[0], m[1], m[2], m[3]]));
    if magic == Some(IMAGE_MAGIC) || magic == Some(LABEL_MAGIC) {
        Some("it looks like an IDX file (MNIST or Fashion-MNIST), not a CIFAR-10 batch")
    } else if is_tar(head) {
        Some("it is a tar archive, not a single batch; give the archive as cifar-10-binary.tar.gz")
    } else if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        Some(
            "it looks like a Python pickle (CIFAR-10's python version); use the binary version, cifar-10-binary.tar.gz",
        )
    } else if len != 0 && len.is_multiple_of(RECORD_BYTES as u64 + 1) {
        Some("its length fits 3,074-byte records with two label bytes, as in CIFAR-100; only CIFAR-10 is supported")
    } else {
        None
    }
}

fn with_hint(message: String, head: &[u8], len: u64) -> String {
    match foreign_format(head, len) {
        Some(hint) => format!("{message}; {hint}"),
        None => message,
    }
}

/// Whether a file of `len` bytes starting with `head` is exactly an IDX image or label file: the
/// magic, and a header whose counts account for every byte. (A CIFAR-10 batch could start with
/// those four bytes by chance, but then its length would not fit.)
fn is_whole_idx_file(head: &[u8], len: u64) -> bool {
    let word = |i: usize| head.get(i..i + 4).map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as u128);
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
    expected == len as u128
}

/// One batch's records as its bytes arrive: each label is appended to a split's labels and each
/// image's pixels to its images as they come, whatever the chunks. What cannot be judged before
/// the end (the length, what the file is instead) is checked by [`Records::end`].
struct Records {
    /// The file (or archive member) named in messages.
    source: String,
    head: Vec<u8>,
    len: u64,
    /// The first record whose label is outside 0–9 (nothing is appended after it).
    bad_label: Option<(u64, u8)>,
}

impl Records {
    fn new(source: String) -> Self {
        Records { source, head: Vec::new(), len: 0, bad_label: None }
    }

    fn feed(&mut self, bytes: &[u8], split: &mut Split, after_gunzip: &str) -> Result<(), DataError> {
        if self.head.len() < HEAD_BYTES {
            let take = (HEAD_BYTES - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..take]);
        }
        let start = self.len;
        self.len += bytes.len() as u64;
        let cap = (MAX_RECORDS * RECORD_BYTES) as u64;
        if self.len > cap {
            return Err(DataError::new(
                &self.source,
                format!(
                    "more than {cap} bytes{after_gunzip}: over {MAX_RECORDS} records, more than all of CIFAR-10 (a batch holds 10,000)"
                ),
            ));
        }
        if self.bad_label.is_some() {
            return Ok(());
        }
        // Where in a record the chunk starts: 0 is the label byte.
        let mut at = (start % RECORD_BYTES as u64) as usize;
        let mut i = 0;
        while i < bytes.len() {
            if at == 0 {
                let label = bytes[i];
                if label > 9 {
                    self.bad_label = Some(((start + i as u64) / RECORD_BYTES as u64, label));
                    return Ok(());
                }
                split.labels.push(label);
                i += 1;
                at = 1;
            } else {
                let take = (RECORD_BYTES - at).min(bytes.len() - i);
                split.images.extend_from_slice(&bytes[i..i + take]);
                i += take;
                at = (at + take) % RECORD_BYTES;
            }
        }
        Ok(())
    }

    /// The batch has ended: how many records it held, or why it is not a CIFAR-10 batch.
    fn end(&self, after_gunzip: &str) -> Result<usize, DataError> {
        let (file, head, len) = (&self.source, &self.head, self.len);
        if len == 0 {
            return Err(DataError::new(file, format!("the file is empty{after_gunzip}; expected CIFAR-10 records")));
        }
        if is_whole_idx_file(head, len) {
            return Err(DataError::new(
                file,
                "this is an IDX file (MNIST or Fashion-MNIST), not a CIFAR-10 batch; choose that dataset for it",
            ));
        }
        let whole = len / RECORD_BYTES as u64;
        let over = len % RECORD_BYTES as u64;
        if over != 0 {
            let message = format!(
                "{len} bytes{after_gunzip} is not a whole number of {RECORD_BYTES}-byte CIFAR-10 records \
                 (a label byte and {IMAGE_BYTES} pixels): {whole} record(s) and {over} byte(s) over, \
                 or {} byte(s) short of {} records",
                RECORD_BYTES as u64 - over,
                whole + 1
            );
            return Err(DataError::new(file, with_hint(message, head, len)));
        }
        if let Some((i, label)) = self.bad_label {
            let message = format!("record {i} has label {label}, outside 0–9");
            return Err(DataError::new(file, with_hint(message, head, len)));
        }
        Ok(whole as usize)
    }
}

/// Parses one CIFAR-10 binary batch, raw or gzipped.
pub fn parse_batch(file: &str, bytes: &[u8]) -> Result<Split, DataError> {
    let mut split = Split::default();
    if let Some(content) = FileInfo::of(file, bytes).content_bytes() {
        split.reserve(((content / RECORD_BYTES as u64) as usize).min(MAX_RECORDS), IMAGE_BYTES);
    }
    let mut records = Records::new(file.to_string());
    let mut gunzip = Gunzip::new(file);
    let mut feed = |b: &[u8], g: &Gunzip| records.feed(b, &mut split, g.after_gunzip());
    gunzip.push(bytes, &mut feed)?;
    gunzip.finish(&mut feed)?;
    records.end(gunzip.after_gunzip())?;
    Ok(split)
}

/// The two splits being filled, and which batch went where.
#[derive(Default)]
struct Store {
    train: Split,
    test: Split,
    /// The training batches in the order they came: (batch number, records).
    segments: Vec<(u8, usize)>,
    /// Each batch found so far, with the file (or archive member) it came from.
    found: BTreeMap<Batch, String>,
}

impl Store {
    fn begin(&mut self, batch: Batch, source: String) -> Result<(Batch, Records), DataError> {
        if let Some(first) = self.found.get(&batch) {
            return Err(DataError::new(
                &source,
                format!("{} is given twice, here and as {first}; give each batch once", batch.file_name()),
            ));
        }
        self.found.insert(batch, source.clone());
        Ok((batch, Records::new(source)))
    }

    fn feed(
        &mut self,
        (batch, records): &mut (Batch, Records),
        bytes: &[u8],
        after_gunzip: &str,
    ) -> Result<(), DataError> {
        let split = if *batch == Batch::Test { &mut self.test } else { &mut self.train };
        records.feed(bytes, split, after_gunzip)
    }

    fn end(&mut self, (batch, records): &(Batch, Records), after_gunzip: &str) -> Result<(), DataError> {
        let n = records.end(after_gunzip)?;
        if let Batch::Data(k) = batch {
            self.segments.push((*k, n));
        }
        Ok(())
    }
}

/// The members of an archive being read: batches go to the store, the rest is skipped.
struct ArchiveMembers<'a> {
    store: &'a mut Store,
    archive: &'a str,
    current: &'a mut Option<(Batch, Records)>,
}

impl Members for ArchiveMembers<'_> {
    fn begin(&mut self, path: &str, _size: u64) -> Result<bool, DataError> {
        let Some(batch) = batch_of(path) else { return Ok(false) };
        *self.current = Some(self.store.begin(batch, format!("{} ({path})", self.archive))?);
        Ok(true)
    }

    fn data(&mut self, bytes: &[u8]) -> Result<(), DataError> {
        match self.current {
            Some(current) => self.store.feed(current, bytes, ""),
            None => Ok(()),
        }
    }

    fn end(&mut self) -> Result<(), DataError> {
        match self.current.take() {
            Some(current) => self.store.end(&current, ""),
            None => Ok(()),
        }
    }
}

/// What a file being read turned out to be.
enum Content {
    Batch((Batch, Records)),
    /// Named neither as a batch nor as an archive: its first bytes decide whether it is a tar.
    Unknown(Vec<u8>),
    Archive(Untar, Option<(Batch, Records)>),
    /// Not used (a gzip stream is still checked to its end): its first bytes, for messages.
    Ignored(Vec<u8>),
}

struct OpenFile {
    name: String,
    gunzip: Gunzip,
    content: Content,
    /// Bytes it decompressed to so far.
    bytes: u64,
}

/// Loads CIFAR-10 (or its bundled subset) from files given one after the other, each in chunks:
/// [`begin`](Self::begin) a file, [`push`](Self::push) its bytes, [`end`](Self::end) it, and
/// [`finish`](Self::finish) once all are read. Batches may come in any order and inside the
/// official archive; files of other names are ignored. Every error names its file.
pub struct CifarReader {
    kind: DatasetKind,
    store: Store,
    open: Option<OpenFile>,
    files: usize,
    /// Batches given as files of their own.
    loose: usize,
    archives: Vec<String>,
    ignored: Vec<(String, Vec<u8>)>,
}

/// Records to reserve for the training and the test split, from what is known of the files before
/// they are read: a batch's size once decompressed, else an official batch's (or the subset's)
/// record count; an archive holds at most the five training batches and the test batch.
fn reservation(kind: DatasetKind, files: &[FileInfo]) -> (usize, usize) {
    let fallback = |test: bool| match (kind, test) {
        (DatasetKind::Cifar10Subset, false) => SUBSET_RECORDS.0,
        (DatasetKind::Cifar10Subset, true) => SUBSET_RECORDS.1,
        _ => OFFICIAL_BATCH_RECORDS,
    };
    let (mut train, mut test) = (0, 0);
    for file in files {
        let known = file.content_bytes().map(|b| (b / RECORD_BYTES as u64).min(MAX_RECORDS as u64) as usize);
        match batch_of(&file.name) {
            Some(Batch::Test) => test += known.unwrap_or(fallback(true)),
            Some(Batch::Data(_)) => train += known.unwrap_or(fallback(false)),
            None if is_archive_name(&file.name) => {
                let all = known.unwrap_or(6 * OFFICIAL_BATCH_RECORDS);
                train += all.min(5 * OFFICIAL_BATCH_RECORDS);
                test += all.min(OFFICIAL_BATCH_RECORDS);
            }
            None => {}
        }
    }
    (train.min(MAX_RECORDS), test.min(MAX_RECORDS))
}

impl CifarReader {
    /// A reader for `kind`'s files, described by `files` (used only to reserve memory).
    pub fn new(kind: DatasetKind, files: &[FileInfo]) -> Self {
        let mut store = Store::default();
        let (train, test) = reservation(kind, files);
        store.train.reserve(train, IMAGE_BYTES);
        store.test.reserve(test, IMAGE_BYTES);
        CifarReader { kind, store, open: None, files: 0, loose: 0, archives: Vec::new(), ignored: Vec::new() }
    }

    /// Whether the file being read is gzipped (known from its first two bytes on).
    pub fn is_gzipped(&self) -> bool {
        self.open.as_ref().is_some_and(|f| f.gunzip.is_gzipped())
    }

    /// Starts reading the file `name` (what it is comes from its name, else from its first bytes).
    pub fn begin(&mut self, name: &str) -> Result<(), DataError> {
        if self.open.is_some() {
            self.end()?;
        }
        let content = if let Some(batch) = batch_of(name) {
            Content::Batch(self.store.begin(batch, name.to_string())?)
        } else if is_archive_name(name) {
            Content::Archive(Untar::new(name), None)
        } else {
            Content::Unknown(Vec::new())
        };
        self.files += 1;
        self.open = Some(OpenFile { name: name.to_string(), gunzip: Gunzip::new(name), content, bytes: 0 });
        Ok(())
    }

    /// The next bytes of the file being read.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), DataError> {
        let Some(OpenFile { name, gunzip, content, bytes }) = &mut self.open else {
            return Err(DataError::new("CIFAR-10", "bytes came before any file was begun"));
        };
        let store = &mut self.store;
        gunzip.push(chunk, &mut |b: &[u8], g: &Gunzip| feed(name, content, store, bytes, b, g.after_gunzip()))
    }

    /// The file being read has ended.
    pub fn end(&mut self) -> Result<(), DataError> {
        let Some(mut file) = self.open.take() else { return Ok(()) };
        {
            let OpenFile { name, gunzip, content, bytes } = &mut file;
            let store = &mut self.store;
            gunzip.finish(&mut |b: &[u8], g: &Gunzip| feed(name, content, store, bytes, b, g.after_gunzip()))?;
            decide(name, content, store)?;
        }
        let after_gunzip = file.gunzip.after_gunzip();
        match file.content {
            Content::Batch(records) => {
                self.store.end(&records, after_gunzip)?;
                self.loose += 1;
            }
            Content::Archive(mut untar, _) => {
                untar.finish()?;
                self.archives.push(file.name);
            }
            Content::Ignored(head) => self.ignored.push((file.name, head)),
            Content::Unknown(_) => unreachable!("decided above"),
        }
        Ok(())
    }

    /// All files are read: the dataset, or what is missing. The training split holds the data
    /// batches found, in batch-number order; the test split is `test_batch.bin`.
    pub fn finish(mut self) -> Result<Dataset, DataError> {
        self.end()?;
        let kind = self.kind;
        let has_test = self.store.found.contains_key(&Batch::Test);
        let has_data = self.store.found.keys().any(|b| matches!(b, Batch::Data(_)));
        if !has_test || !has_data {
            let (what, names) = if !has_test {
                ("test batch", "test_batch.bin".to_string())
            } else {
                ("training batch", "data_batch_1.bin … data_batch_5.bin".to_string())
            };
            if self.archives.len() == 1 && self.loose == 0 {
                return Err(DataError::new(
                    &self.archives[0],
                    format!("the archive has no {ARCHIVE_DIR}/{names}{}", ignored_note(&self.ignored)),
                ));
            }
            let message = if self.files == 0 {
                "no files given; expected data_batch_1.bin … data_batch_5.bin and test_batch.bin \
                 (each optionally .gz), or cifar-10-binary.tar.gz"
                    .to_string()
            } else {
                let searched = if self.archives.is_empty() {
                    String::new()
                } else {
                    format!(" (nor in {})", self.archives.join(", "))
                };
                format!(
                    "no {what} among the files given{searched}: expected {names} (optionally .gz) or {ARCHIVE_NAME}{}",
                    ignored_note(&self.ignored)
                )
            };
            return Err(DataError::new(kind.name(), message));
        }
        let Store { mut train, mut test, segments, .. } = self.store;
        order_by_batch(&mut train, &segments);
        train.shrink_to_fit();
        test.shrink_to_fit();
        Dataset::new(kind, ImageShape::CIFAR, Normalization::cifar(), train, test)
    }
}

/// Takes decompressed bytes of a file: a batch's records into its split, an archive's through
/// the tar reader, the first bytes of a file of another name to see what it is.
fn feed(
    name: &str,
    content: &mut Content,
    store: &mut Store,
    total: &mut u64,
    mut bytes: &[u8],
    after_gunzip: &str,
) -> Result<(), DataError> {
    *total += bytes.len() as u64;
    if !matches!(content, Content::Batch(_)) && *total > MAX_OTHER_BYTES {
        return Err(DataError::new(
            name,
            format!("more than {} MiB{after_gunzip}, far more than any file of CIFAR-10", MAX_OTHER_BYTES >> 20),
        ));
    }
    if let Content::Unknown(head) = content {
        let take = (HEAD_BYTES - head.len()).min(bytes.len());
        head.extend_from_slice(&bytes[..take]);
        bytes = &bytes[take..];
        if head.len() < HEAD_BYTES {
            return Ok(());
        }
        decide(name, content, store)?;
    }
    match content {
        Content::Batch(records) => store.feed(records, bytes, after_gunzip),
        Content::Archive(untar, current) => untar.push(bytes, &mut ArchiveMembers { store, archive: name, current }),
        Content::Ignored(_) | Content::Unknown(_) => Ok(()),
    }
}

/// A file of another name whose first bytes are known: a tar archive (found by its contents), or
/// ignored.
fn decide(name: &str, content: &mut Content, store: &mut Store) -> Result<(), DataError> {
    let Content::Unknown(head) = content else { return Ok(()) };
    let head = std::mem::take(head);
    if is_tar(&head) {
        let mut untar = Untar::new(name);
        let mut current = None;
        untar.push(&head, &mut ArchiveMembers { store, archive: name, current: &mut current })?;
        *content = Content::Archive(untar, current);
    } else {
        *content = Content::Ignored(head[..head.len().min(4)].to_vec());
    }
    Ok(())
}

/// Puts the training batches, appended in the order they came, in batch-number order: in place,
/// by rotations, so no second copy of the images is ever made.
fn order_by_batch(split: &mut Split, segments: &[(u8, usize)]) {
    let mut rest = segments.to_vec();
    let mut at = 0;
    while let Some(k) = (0..rest.len()).min_by_key(|&i| rest[i].0) {
        let before: usize = rest[..k].iter().map(|s| s.1).sum();
        let n = rest[k].1;
        if before > 0 {
            split.labels[at..at + before + n].rotate_right(n);
            split.images[at * IMAGE_BYTES..(at + before + n) * IMAGE_BYTES].rotate_right(n * IMAGE_BYTES);
        }
        at += n;
        rest.remove(k);
    }
}

/// A note on files that were not used, for "missing" errors.
fn ignored_note(ignored: &[(String, Vec<u8>)]) -> String {
    if ignored.is_empty() {
        return String::new();
    }
    let mut note = format!(
        "; ignored (not a CIFAR-10 batch name): {}",
        ignored.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
    );
    for (name, head) in ignored {
        if let [a, b, c, d] = head[..] {
            let magic = u32::from_be_bytes([a, b, c, d]);
            if magic == IMAGE_MAGIC || magic == LABEL_MAGIC {
                note.push_str(&format!("; {name} is an IDX file, i.e. MNIST or Fashion-MNIST, not CIFAR-10"));
            }
        }
    }
    note
}

/// Loads CIFAR-10 from batch files and/or the official archive, each given whole as (name,
/// contents): [`CifarReader`] with one chunk per file. `kind` is CIFAR-10 or its bundled subset
/// (the same files, fewer records).
pub fn load_cifar(kind: DatasetKind, files: &[(String, Vec<u8>)]) -> Result<Dataset, DataError> {
    let infos: Vec<FileInfo> = files.iter().map(|(name, bytes)| FileInfo::of(name, bytes)).collect();
    let mut reader = CifarReader::new(kind, &infos);
    for (name, bytes) in files {
        reader.begin(name)?;
        reader.push(bytes)?;
        reader.end()?;
    }
    reader.finish()
}

#[cfg(test)]
mod tests;
