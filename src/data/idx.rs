//! MNIST / Fashion-MNIST IDX files, raw or gzipped.
//!
//! An image file is the magic 0x00000803, then the image count, the rows and the columns (each a
//! big-endian u32), then one byte per pixel, row-major. A label file is the magic 0x00000801, the
//! count, then one byte (0–9) per label. Nothing is allocated from a count in a header before the
//! data has shown it really holds that many bytes, and gzipped input is decompressed only as far
//! as the header says it should reach, so a lying header or a gzip bomb cannot exhaust memory.
//!
//! [`Input`] and [`read_bounded`] are shared with the CIFAR-10 reader.

use super::{DataError, Dataset, ImageShape, Normalization, Split};
use crate::config::DatasetKind;
use std::borrow::Cow;
use std::io::{self, Read};

/// Magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGE_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABEL_MAGIC: u32 = 0x0000_0801;
/// Image header: magic, count, rows, columns.
pub const IMAGE_HEADER_BYTES: usize = 16;
/// Label header: magic, count.
pub const LABEL_HEADER_BYTES: usize = 8;
/// Largest image side accepted (MNIST and Fashion-MNIST are 28).
pub const MAX_SIDE: u32 = 1024;
/// Largest pixel or label payload a header may announce: 1 GiB.
pub const MAX_BODY_BYTES: u64 = 1 << 30;
/// How far past the announced end trailing bytes are counted before giving up.
const EXTRA_COUNT_CAP: u64 = 64 << 20;

/// Reads at most `limit` bytes from `reader`, stopping early only at the end of the data. The
/// buffer grows with what actually arrives, never with `limit`.
pub(super) fn read_bounded<R: Read + ?Sized>(reader: &mut R, limit: u64) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    while (out.len() as u64) < limit {
        let want = (limit - out.len() as u64).min(chunk.len() as u64) as usize;
        match reader.read(&mut chunk[..want]) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// The contents of a file that may be gzipped, read front to back in bounded pieces.
pub(super) struct Input<'a> {
    file: &'a str,
    raw: &'a [u8],
    gz: Option<flate2::read::MultiGzDecoder<&'a [u8]>>,
}

impl<'a> Input<'a> {
    pub(super) fn new(file: &'a str, bytes: &'a [u8]) -> Self {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Input { file, raw: &[], gz: Some(flate2::read::MultiGzDecoder::new(bytes)) }
        } else {
            Input { file, raw: bytes, gz: None }
        }
    }

    pub(super) fn is_gzipped(&self) -> bool {
        self.gz.is_some()
    }

    /// " once decompressed" for gzipped input, to qualify byte counts in messages.
    pub(super) fn after_gunzip(&self) -> &'static str {
        if self.is_gzipped() { " once decompressed" } else { "" }
    }

    fn gzip_error(&self, e: io::Error) -> DataError {
        DataError::new(self.file, format!("broken gzip data ({e}); the file may be truncated or corrupt"))
    }

    /// The next `limit` bytes, or fewer where the data ends. Raw input is borrowed, not copied.
    pub(super) fn read_up_to(&mut self, limit: u64) -> Result<Cow<'a, [u8]>, DataError> {
        match &mut self.gz {
            None => {
                let n = (self.raw.len() as u64).min(limit) as usize;
                let (head, rest) = self.raw.split_at(n);
                self.raw = rest;
                Ok(Cow::Borrowed(head))
            }
            Some(decoder) => match read_bounded(decoder, limit) {
                Ok(bytes) => Ok(Cow::Owned(bytes)),
                Err(e) => Err(self.gzip_error(e)),
            },
        }
    }

    /// How many bytes are left, counting no further than `cap`.
    pub(super) fn count_rest(&mut self, cap: u64) -> Result<u64, DataError> {
        match &mut self.gz {
            None => Ok((self.raw.len() as u64).min(cap)),
            Some(decoder) => match io::copy(&mut decoder.take(cap), &mut io::sink()) {
                Ok(n) => Ok(n),
                Err(e) => Err(self.gzip_error(e)),
            },
        }
    }
}

fn be_u32(bytes: &[u8]) -> u32 {
    u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])
}

/// Whether a file that failed the magic check looks like a CIFAR-10 batch instead: by its name,
/// or, uncompressed, by a length of whole 3,073-byte records and a first label of 0–9.
fn looks_like_cifar(file: &str, bytes: &[u8]) -> bool {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file).to_ascii_lowercase();
    let by_name = name.starts_with("data_batch_") || name.starts_with("test_batch") || name.contains("cifar");
    let raw = !bytes.starts_with(&[0x1f, 0x8b]);
    by_name || (raw && !bytes.is_empty() && bytes.len().is_multiple_of(3073) && bytes[0] <= 9)
}

/// Checks the magic number at the start of `header`; `what` is "image" or "label"; `bytes` is
/// the whole file, for a better guess at what it is when the magic is wrong.
/// The first `len` bytes of an IDX file, checked to start with `magic` and to be complete.
fn read_header<'a>(
    input: &mut Input<'a>,
    file: &str,
    bytes: &[u8],
    len: usize,
    magic: u32,
    what: &str,
) -> Result<Cow<'a, [u8]>, DataError> {
    let header = input.read_up_to(len as u64)?;
    check_magic(file, bytes, &header, magic, what)?;
    if header.len() < len {
        let message = format!(
            "truncated in its header: {} byte(s){}, but an IDX {what} header is {len}",
            header.len(),
            input.after_gunzip()
        );
        return Err(DataError::new(file, message));
    }
    Ok(header)
}

fn check_magic(file: &str, bytes: &[u8], header: &[u8], expected: u32, what: &str) -> Result<(), DataError> {
    if header.is_empty() {
        return Err(DataError::new(file, format!("the file is empty; expected an IDX {what} file")));
    }
    if header.len() < 4 {
        return Err(DataError::new(
            file,
            format!("only {} byte(s) long, too short to be an IDX {what} file", header.len()),
        ));
    }
    let magic = be_u32(header);
    if magic == expected {
        return Ok(());
    }
    let mut message = format!("not an IDX {what} file (magic {magic:#010x}, expected {expected:#010x})");
    if magic == LABEL_MAGIC {
        message.push_str("; it looks like an IDX label file, given where an image file was expected");
    } else if magic == IMAGE_MAGIC {
        message.push_str("; it looks like an IDX image file, given where a label file was expected");
    } else if header[0] == 0 && header[1] == 0 && (0x08..=0x0e).contains(&header[2]) {
        message.push_str(&format!(
            "; it looks like an IDX file of another kind (type {:#04x}, {} dimension(s))",
            header[2], header[3]
        ));
    } else if looks_like_cifar(file, bytes) {
        message.push_str("; it looks like a CIFAR-10 batch: choose the cifar10 dataset for it");
    }
    Err(DataError::new(file, message))
}

/// Reads the trailing part of an IDX file after its header: exactly `body` bytes, no more, no less.
/// `what` describes the announced contents for messages ("10000 images of 28×28").
fn read_body<'a>(
    input: &mut Input<'a>,
    file: &str,
    header_bytes: usize,
    body: u64,
    what: &str,
) -> Result<Cow<'a, [u8]>, DataError> {
    let data = input.read_up_to(body)?;
    let expected = header_bytes as u64 + body;
    if (data.len() as u64) < body {
        return Err(DataError::new(
            file,
            format!(
                "truncated: its header announces {what}, which needs {expected} bytes, but the file has only {}{}",
                header_bytes as u64 + data.len() as u64,
                input.after_gunzip()
            ),
        ));
    }
    let extra = input.count_rest(EXTRA_COUNT_CAP)?;
    if extra > 0 {
        let at_least = if extra >= EXTRA_COUNT_CAP { "at least " } else { "" };
        return Err(DataError::new(
            file,
            format!(
                "{at_least}{extra} byte(s) too long: its header announces {what}, which needs exactly {expected} bytes{}",
                input.after_gunzip()
            ),
        ));
    }
    Ok(data)
}

/// Parses an IDX image file (raw or gzipped) into its shape (one channel) and its pixels,
/// `count × rows × cols` bytes, row-major.
pub fn parse_images(file: &str, bytes: &[u8]) -> Result<(ImageShape, Vec<u8>), DataError> {
    let mut input = Input::new(file, bytes);
    let header = read_header(&mut input, file, bytes, IMAGE_HEADER_BYTES, IMAGE_MAGIC, "image")?;
    let (count, rows, cols) = (be_u32(&header[4..]), be_u32(&header[8..]), be_u32(&header[12..]));
    if count == 0 {
        return Err(DataError::new(file, "its header announces 0 images"));
    }
    if rows == 0 || cols == 0 || rows > MAX_SIDE || cols > MAX_SIDE {
        return Err(DataError::new(
            file,
            format!(
                "its header announces images of {rows}×{cols} pixels; sides must be between 1 and {MAX_SIDE} (MNIST's are 28×28)"
            ),
        ));
    }
    let body = count as u64 * rows as u64 * cols as u64;
    if body > MAX_BODY_BYTES {
        return Err(DataError::new(
            file,
            format!(
                "its header announces {count} images of {rows}×{cols} ({body} bytes of pixels), more than the {MAX_BODY_BYTES} this loader accepts"
            ),
        ));
    }
    let what = format!("{count} images of {rows}×{cols}");
    let pixels = read_body(&mut input, file, IMAGE_HEADER_BYTES, body, &what)?;
    let shape = ImageShape { channels: 1, height: rows as usize, width: cols as usize };
    Ok((shape, pixels.into_owned()))
}

/// Parses an IDX label file (raw or gzipped); every label must be 0–9.
pub fn parse_labels(file: &str, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let mut input = Input::new(file, bytes);
    let header = read_header(&mut input, file, bytes, LABEL_HEADER_BYTES, LABEL_MAGIC, "label")?;
    let count = be_u32(&header[4..]);
    if count == 0 {
        return Err(DataError::new(file, "its header announces 0 labels"));
    }
    if count as u64 > MAX_BODY_BYTES {
        return Err(DataError::new(
            file,
            format!("its header announces {count} labels, more than the {MAX_BODY_BYTES} this loader accepts"),
        ));
    }
    let labels = read_body(&mut input, file, LABEL_HEADER_BYTES, count as u64, &format!("{count} labels"))?;
    if let Some((i, &bad)) = labels.iter().enumerate().find(|&(_, &l)| l > 9) {
        return Err(DataError::new(
            file,
            format!("label {bad} at position {i} is outside 0–9; this is not a 10-class label file"),
        ));
    }
    Ok(labels.into_owned())
}

/// Parses one image file and its label file into a split of 28×28 images.
fn load_split(images: (&str, &[u8]), labels: (&str, &[u8])) -> Result<Split, DataError> {
    let label_bytes = parse_labels(labels.0, labels.1)?;
    let (shape, pixels) = parse_images(images.0, images.1)?;
    if shape != ImageShape::MNIST {
        return Err(DataError::new(
            images.0,
            format!(
                "holds images of {}×{} pixels; MNIST and Fashion-MNIST images are 28×28",
                shape.height, shape.width
            ),
        ));
    }
    let count = pixels.len() / shape.pixels();
    if count != label_bytes.len() {
        return Err(DataError::new(
            labels.0,
            format!("{} has {count} images but {} has {} labels", images.0, labels.0, label_bytes.len()),
        ));
    }
    Ok(Split { images: pixels, labels: label_bytes })
}

/// Loads MNIST or Fashion-MNIST (or the MNIST subset) from its four IDX files, each given as
/// (file name, contents), raw or gzipped.
pub fn load_mnist(
    kind: DatasetKind,
    train_images: (&str, &[u8]),
    train_labels: (&str, &[u8]),
    test_images: (&str, &[u8]),
    test_labels: (&str, &[u8]),
) -> Result<Dataset, DataError> {
    if kind.is_cifar() {
        return Err(DataError::new(kind.name(), "CIFAR-10 does not come as IDX files; load it with cifar::load_cifar"));
    }
    let train = load_split(train_images, train_labels)?;
    let test = load_split(test_images, test_labels)?;
    Dataset::new(kind, ImageShape::MNIST, Normalization::mnist(), train, test)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::test_files::gzip;

    fn images(count: u32, rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for v in [IMAGE_MAGIC, count, rows, cols] {
            out.extend_from_slice(&v.to_be_bytes());
        }
        out.extend_from_slice(pixels);
        out
    }

    fn labels(values: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&LABEL_MAGIC.to_be_bytes());
        out.extend_from_slice(&(values.len() as u32).to_be_bytes());
        out.extend_from_slice(values);
        out
    }

    fn mnist_pair(n: usize, seed: u8) -> (Vec<u8>, Vec<u8>) {
        let pixels: Vec<u8> = (0..n * 784).map(|i| (i as u8).wrapping_mul(seed)).collect();
        let labs: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        (images(n as u32, 28, 28, &pixels), labels(&labs))
    }

    #[test]
    fn images_round_trip_raw_and_gzipped() {
        let pixels: Vec<u8> = (0..12).collect();
        let file = images(2, 2, 3, &pixels);
        let expected = (ImageShape { channels: 1, height: 2, width: 3 }, pixels.clone());
        assert_eq!(parse_images("a", &file).unwrap(), expected);
        assert_eq!(parse_images("a.gz", &gzip(&file)).unwrap(), expected);
    }

    #[test]
    fn labels_round_trip_raw_and_gzipped() {
        let file = labels(&[0, 9, 3]);
        assert_eq!(parse_labels("l", &file).unwrap(), vec![0, 9, 3]);
        assert_eq!(parse_labels("l.gz", &gzip(&file)).unwrap(), vec![0, 9, 3]);
    }

    #[test]
    fn wrong_magic_is_named_and_swapped_files_are_recognised() {
        let err = parse_images("x", &labels(&[1, 2])).unwrap_err();
        assert_eq!(err.file, "x");
        assert!(err.message.contains("not an IDX image file (magic 0x00000801, expected 0x00000803)"), "{err}");
        assert!(err.message.contains("label file"), "{err}");
        let err = parse_labels("y", &images(1, 1, 1, &[0])).unwrap_err();
        assert!(err.message.contains("expected 0x00000801"), "{err}");
        assert!(err.message.contains("image file"), "{err}");
        let err = parse_images("z", b"PK\x03\x04 not idx at all").unwrap_err();
        assert!(err.message.contains("magic 0x504b0304"), "{err}");
        let err = parse_images("w", &[0, 0, 0x0d, 3, 0, 0, 0, 1]).unwrap_err();
        assert!(err.message.contains("another kind"), "{err}");
    }

    #[test]
    fn empty_and_tiny_files_are_refused() {
        assert!(parse_images("e", &[]).unwrap_err().message.contains("empty"));
        assert!(parse_labels("e", &[]).unwrap_err().message.contains("empty"));
        assert!(parse_images("t", &[0, 0, 8]).unwrap_err().message.contains("too short"));
        let err = parse_images("h", &images(1, 2, 2, &[])[..10]).unwrap_err();
        assert!(err.message.contains("header: 10 byte(s)"), "{err}");
        let err = parse_labels("h", &labels(&[1])[..6]).unwrap_err();
        assert!(err.message.contains("header: 6 byte(s)"), "{err}");
        let err = parse_images("h.gz", &gzip(&images(1, 2, 2, &[])[..10])).unwrap_err();
        assert!(err.message.contains("once decompressed"), "{err}");
    }

    #[test]
    fn truncated_and_overlong_bodies_say_how_many_bytes() {
        let err = parse_images("t", &images(3, 2, 2, &[0; 11])).unwrap_err();
        assert!(err.message.contains("truncated"), "{err}");
        assert!(err.message.contains("needs 28 bytes") && err.message.contains("only 27"), "{err}");
        let err = parse_images("t", &images(3, 2, 2, &[0; 14])).unwrap_err();
        assert!(err.message.contains("2 byte(s) too long") && err.message.contains("exactly 28"), "{err}");
        let err = parse_images("t.gz", &gzip(&images(3, 2, 2, &[0; 13]))).unwrap_err();
        assert!(err.message.contains("1 byte(s) too long"), "{err}");
        let err = parse_labels("l", &labels(&[1, 2])[..9]).unwrap_err();
        assert!(err.message.contains("needs 10 bytes") && err.message.contains("only 9"), "{err}");
        let mut long = labels(&[1, 2]);
        long.push(3);
        assert!(parse_labels("l", &long).unwrap_err().message.contains("too long"));
    }

    #[test]
    fn absurd_headers_are_refused_without_allocating() {
        // Four billion 1024×1024 images announced in a 16-byte file.
        let err = parse_images("big", &images(u32::MAX, 1024, 1024, &[])).unwrap_err();
        assert!(err.message.contains("more than"), "{err}");
        let err = parse_images("wide", &images(1, 1, 100_000, &[])).unwrap_err();
        assert!(err.message.contains("between 1 and 1024"), "{err}");
        let err = parse_images("zero", &images(5, 0, 28, &[])).unwrap_err();
        assert!(err.message.contains("0×28"), "{err}");
        assert!(parse_images("none", &images(0, 28, 28, &[])).unwrap_err().message.contains("0 images"));
        let mut huge = labels(&[]);
        huge[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse_labels("many", &huge).unwrap_err().message.contains("more than"));
        assert!(parse_labels("none", &labels(&[])).unwrap_err().message.contains("0 labels"));
        // Within the limits but lying: a gzipped header announcing 1 GiB of pixels, then nothing.
        let err = parse_images("lie.gz", &gzip(&images(1 << 20, 32, 32, &[1, 2, 3]))).unwrap_err();
        assert!(err.message.contains("truncated") && err.message.contains("only 19 once decompressed"), "{err}");
    }

    #[test]
    fn labels_above_nine_are_refused() {
        let err = parse_labels("l", &labels(&[0, 1, 10, 2])).unwrap_err();
        assert!(err.message.contains("label 10 at position 2"), "{err}");
    }

    #[test]
    fn broken_gzip_is_reported() {
        let gz = gzip(&labels(&[1; 5000]));
        let err = parse_labels("l.gz", &gz[..gz.len() / 2]).unwrap_err();
        assert_eq!(err.file, "l.gz");
        assert!(err.message.contains("gzip"), "{err}");
        let mut bad = gz.clone();
        let n = bad.len();
        bad[n - 6] ^= 0xff; // the CRC
        assert!(parse_labels("l.gz", &bad).unwrap_err().message.contains("gzip"));
    }

    #[test]
    fn load_mnist_builds_a_dataset() {
        let (tri, trl) = mnist_pair(3, 7);
        let (tei, tel) = mnist_pair(2, 3);
        let gz = gzip(&tri);
        let d = load_mnist(
            DatasetKind::FashionMnist,
            ("train-images-idx3-ubyte.gz", &gz),
            ("train-labels-idx1-ubyte", &trl),
            ("t10k-images-idx3-ubyte", &tei),
            ("t10k-labels-idx1-ubyte", &tel),
        )
        .unwrap();
        assert_eq!(d.kind, DatasetKind::FashionMnist);
        assert_eq!(d.shape, ImageShape::MNIST);
        assert_eq!(d.normalization, Normalization::mnist());
        assert_eq!((d.train.len(), d.test.len()), (3, 2));
        assert_eq!(d.train.labels, vec![0, 1, 2]);
        assert_eq!(&d.test.images[..], &tei[16..]);
    }

    #[test]
    fn load_mnist_checks_counts_and_shapes() {
        let (tri, _) = mnist_pair(3, 7);
        let trl = labels(&[1, 2]);
        let (tei, tel) = mnist_pair(2, 3);
        let err = load_mnist(DatasetKind::Mnist, ("ti", &tri), ("tl", &trl), ("ei", &tei), ("el", &tel)).unwrap_err();
        assert_eq!(err.message, "ti has 3 images but tl has 2 labels");
        let small = images(2, 27, 28, &[0; 2 * 27 * 28]);
        let err =
            load_mnist(DatasetKind::Mnist, ("ti", &tri), ("tl", &labels(&[1, 2, 3])), ("ei", &small), ("el", &tel))
                .unwrap_err();
        assert_eq!(err.file, "ei");
        assert!(err.message.contains("27×28"), "{err}");
        let err = load_mnist(DatasetKind::Cifar10, ("ti", &tri), ("tl", &trl), ("ei", &tei), ("el", &tel)).unwrap_err();
        assert!(err.message.contains("CIFAR-10"), "{err}");
    }

    #[test]
    fn read_bounded_stops_at_the_limit() {
        let data = vec![5u8; 200_000];
        assert_eq!(read_bounded(&mut &data[..], 70_000).unwrap().len(), 70_000);
        assert_eq!(read_bounded(&mut &data[..], 1 << 40).unwrap().len(), 200_000);
    }
}
