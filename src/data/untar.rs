//! A push-style reader of tar archives: bytes arrive in chunks of any size and the members are
//! handed to a [`Members`] visitor as they go by, so an archive is never held whole.
//!
//! A tar archive is a run of 512-byte blocks: a header (the path in bytes 0..100, the size in
//! octal in 124..136, the header's checksum in 148..156, the type in 156, and for ustar a path
//! prefix in 345..500), then the member's data padded to a whole block; an all-zero block ends it.
//! GNU long names (type `L`) and pax extended headers (type `x`, its `path`) name the next member.

use super::DataError;

const BLOCK: usize = 512;
/// Longest GNU long name or pax header accepted (a path, in practice).
const MAX_META_BYTES: u64 = 64 * 1024;

/// What the reader does with each regular file in the archive.
pub(super) trait Members {
    /// A regular file begins: its path and size. Returns whether it wants its data.
    fn begin(&mut self, path: &str, size: u64) -> Result<bool, DataError>;
    /// The next bytes of the member it wanted.
    fn data(&mut self, bytes: &[u8]) -> Result<(), DataError>;
    /// The member it wanted has ended, all of it given.
    fn end(&mut self) -> Result<(), DataError>;
}

pub(super) struct Untar {
    /// The archive's name, for messages.
    archive: String,
    header: Vec<u8>,
    state: State,
    /// A path from a GNU long name or a pax header, for the next member.
    next_path: Option<String>,
    /// Bytes of the archive seen so far.
    offset: u64,
}

enum State {
    /// Reading a header block (`header` holds its first bytes).
    Header,
    /// Inside a member: `left` bytes of data, then `pad` bytes of padding.
    Member { path: String, size: u64, left: u64, pad: u64, to: Target },
    /// After the end-of-archive block: the rest is ignored.
    End,
}

enum Target {
    Skip,
    Visitor,
    LongName(Vec<u8>),
    Pax(Vec<u8>),
}

impl Untar {
    pub(super) fn new(archive: &str) -> Self {
        Untar {
            archive: archive.to_string(),
            header: Vec::with_capacity(BLOCK),
            state: State::Header,
            next_path: None,
            offset: 0,
        }
    }

    fn unreadable(&self, why: impl std::fmt::Display) -> DataError {
        DataError::new(
            &self.archive,
            format!("not a readable tar.gz archive ({why}); the file may be truncated or corrupt"),
        )
    }

    /// Takes the archive's next bytes.
    pub(super) fn push(&mut self, mut bytes: &[u8], members: &mut impl Members) -> Result<(), DataError> {
        while !bytes.is_empty() {
            match &mut self.state {
                State::End => return Ok(()),
                State::Header => {
                    let take = (BLOCK - self.header.len()).min(bytes.len());
                    self.header.extend_from_slice(&bytes[..take]);
                    bytes = &bytes[take..];
                    self.offset += take as u64;
                    if self.header.len() == BLOCK {
                        let mut header = [0u8; BLOCK];
                        header.copy_from_slice(&self.header);
                        self.header.clear();
                        self.begin_member(&header, members)?;
                    }
                }
                State::Member { left, pad, to, .. } => {
                    if *left > 0 {
                        let take = (*left).min(bytes.len() as u64) as usize;
                        match to {
                            Target::Skip => {}
                            Target::Visitor => members.data(&bytes[..take])?,
                            Target::LongName(buf) | Target::Pax(buf) => buf.extend_from_slice(&bytes[..take]),
                        }
                        *left -= take as u64;
                        bytes = &bytes[take..];
                        self.offset += take as u64;
                        if *left == 0 {
                            self.end_member(members)?;
                        }
                    } else {
                        let take = (*pad).min(bytes.len() as u64) as usize;
                        *pad -= take as u64;
                        bytes = &bytes[take..];
                        self.offset += take as u64;
                    }
                    if let State::Member { left: 0, pad: 0, .. } = self.state {
                        self.state = State::Header;
                    }
                }
            }
        }
        Ok(())
    }

    fn begin_member(&mut self, header: &[u8], members: &mut impl Members) -> Result<(), DataError> {
        let at = self.offset - BLOCK as u64;
        if header.iter().all(|&b| b == 0) {
            self.state = State::End;
            return Ok(());
        }
        let stored =
            octal(&header[148..156]).ok_or_else(|| self.unreadable(format!("no header checksum at byte {at}")))?;
        let sum: u64 =
            header.iter().enumerate().map(|(i, &b)| if (148..156).contains(&i) { b' ' as u64 } else { b as u64 }).sum();
        if stored != sum {
            return Err(self.unreadable(format!("the header at byte {at} fails its checksum")));
        }
        let size =
            number(&header[124..136]).ok_or_else(|| self.unreadable(format!("the header at byte {at} has no size")))?;
        let kind = header[156];
        let path = match self.next_path.take() {
            Some(path) => path,
            None => header_path(header),
        };
        let pad = (BLOCK as u64 - size % BLOCK as u64) % BLOCK as u64;
        let meta = |this: &Self| {
            if size > MAX_META_BYTES {
                Err(this.unreadable(format!("a {size}-byte extended header at byte {at}")))
            } else {
                Ok(Vec::with_capacity(size as usize))
            }
        };
        let to = match kind {
            b'0' | b'\0' => {
                if members.begin(&path, size)? {
                    Target::Visitor
                } else {
                    Target::Skip
                }
            }
            b'L' => Target::LongName(meta(self)?),
            b'x' => Target::Pax(meta(self)?),
            _ => Target::Skip,
        };
        self.state = State::Member { path, size, left: size, pad, to };
        if size == 0 {
            self.end_member(members)?;
            if pad == 0 {
                self.state = State::Header;
            }
        }
        Ok(())
    }

    fn end_member(&mut self, members: &mut impl Members) -> Result<(), DataError> {
        if let State::Member { to, .. } = &mut self.state {
            match std::mem::replace(to, Target::Skip) {
                Target::Visitor => members.end()?,
                Target::LongName(name) => {
                    let name = name.split(|&b| b == 0).next().unwrap_or_default();
                    self.next_path = Some(String::from_utf8_lossy(name).into_owned());
                }
                Target::Pax(records) => {
                    if let Some(path) = pax_path(&records) {
                        self.next_path = Some(path);
                    }
                }
                Target::Skip => {}
            }
        }
        Ok(())
    }

    /// The archive's bytes have ended. Like tar itself, an archive that stops at a block
    /// boundary without its end-of-archive blocks is accepted; one that stops inside a header or
    /// a member's data is not.
    pub(super) fn finish(&mut self) -> Result<(), DataError> {
        match &self.state {
            State::End => Ok(()),
            State::Header if self.header.is_empty() => Ok(()),
            State::Header => Err(self
                .unreadable(format!("it ends inside the header at byte {}", self.offset - self.header.len() as u64))),
            State::Member { left: 0, .. } => Ok(()),
            State::Member { path, size, left, to, .. } => {
                let message = format!(
                    "broken archive member (it ends after {} of its {size} bytes); the archive may be truncated or corrupt",
                    size - left
                );
                match to {
                    Target::Visitor => Err(DataError::new(format!("{} ({path})", self.archive), message)),
                    _ => Err(self.unreadable(format!("it ends inside the member {path}"))),
                }
            }
        }
    }
}

/// A header's path: ustar's prefix and name, or the name alone.
fn header_path(header: &[u8]) -> String {
    let field = |range: std::ops::Range<usize>| {
        let bytes = &header[range];
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    };
    let name = field(0..100);
    // POSIX ustar ("ustar\0"), not GNU ("ustar  "), keeps a path prefix in 345..500.
    if &header[257..263] == b"ustar\0" {
        let prefix = field(345..500);
        if !prefix.is_empty() {
            return format!("{prefix}/{name}");
        }
    }
    name
}

/// An octal field: digits, with leading and trailing spaces or NULs.
fn octal(field: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(field).ok()?;
    let text = text.trim_matches(|c| c == ' ' || c == '\0');
    if text.is_empty() {
        return None;
    }
    u64::from_str_radix(text, 8).ok()
}

/// A numeric field: octal, or GNU's base-256 (the high bit of the first byte set).
fn number(field: &[u8]) -> Option<u64> {
    if field[0] & 0x80 == 0 {
        return octal(field);
    }
    if field[0] != 0x80 {
        return None; // negative, or too large for 64 bits
    }
    field[1..].iter().try_fold(0u64, |n, &b| n.checked_mul(256).map(|n| n | b as u64))
}

/// The `path` of a pax extended header ("<length> path=<value>\n" records).
fn pax_path(mut records: &[u8]) -> Option<String> {
    let mut path = None;
    while !records.is_empty() {
        let space = records.iter().position(|&b| b == b' ')?;
        let length: usize = std::str::from_utf8(&records[..space]).ok()?.parse().ok()?;
        if length <= space || length > records.len() {
            return path;
        }
        let record = &records[space + 1..length];
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(value) = record.strip_prefix(b"path=") {
            path = Some(String::from_utf8_lossy(value).into_owned());
        }
        records = &records[length..];
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records what the reader reports.
    #[derive(Debug, Default)]
    struct Log {
        members: Vec<(String, u64, Vec<u8>, bool)>,
        want: bool,
    }

    impl Members for Log {
        fn begin(&mut self, path: &str, size: u64) -> Result<bool, DataError> {
            self.members.push((path.to_string(), size, Vec::new(), false));
            Ok(self.want || path.ends_with(".bin"))
        }
        fn data(&mut self, bytes: &[u8]) -> Result<(), DataError> {
            self.members.last_mut().unwrap().2.extend_from_slice(bytes);
            Ok(())
        }
        fn end(&mut self) -> Result<(), DataError> {
            self.members.last_mut().unwrap().3 = true;
            Ok(())
        }
    }

    fn tar(members: &[(&str, &[u8])], gnu: bool) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in members {
            let mut header = if gnu { tar::Header::new_gnu() } else { tar::Header::new_ustar() };
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder.append_data(&mut header, path, *data).unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn read(bytes: &[u8], chunk: usize) -> Result<Log, DataError> {
        let mut untar = Untar::new("a.tar");
        let mut log = Log::default();
        for piece in bytes.chunks(chunk.max(1)) {
            untar.push(piece, &mut log)?;
        }
        untar.finish()?;
        Ok(log)
    }

    #[test]
    fn members_come_out_whole_in_any_chunks() {
        let long = format!("{}/data_batch_1.bin", "d".repeat(150));
        let big: Vec<u8> = (0..3000u32).map(|i| i as u8).collect();
        for gnu in [true, false] {
            let bytes = tar(
                &[("x/readme.html", b"<html>"), ("x/data_batch_2.bin", &big), (&long, b"abc"), ("empty.bin", b"")],
                gnu,
            );
            for chunk in [1, 7, 511, 512, 513, 4096, usize::MAX] {
                let log = read(&bytes, chunk).unwrap();
                let got: Vec<_> = log.members.iter().map(|(p, s, d, e)| (p.as_str(), *s, d.len(), *e)).collect();
                assert_eq!(
                    got,
                    vec![
                        ("x/readme.html", 6, 0, false),
                        ("x/data_batch_2.bin", 3000, 3000, true),
                        (long.as_str(), 3, 3, true),
                        ("empty.bin", 0, 0, true)
                    ],
                    "gnu {gnu}, chunk {chunk}"
                );
                assert_eq!(log.members[1].2, big);
            }
        }
    }

    #[test]
    fn pax_paths_and_directories() {
        let mut builder = tar::Builder::new(Vec::new());
        let long = format!("{}/test_batch.bin", "p".repeat(120));
        builder.append_pax_extensions([("path", long.as_bytes())]).unwrap();
        let mut header = tar::Header::new_ustar();
        header.set_size(2);
        header.set_mode(0o644);
        header.set_path("short.bin").unwrap();
        header.set_cksum();
        builder.append(&header, &b"hi"[..]).unwrap();
        let mut dir = tar::Header::new_ustar();
        dir.set_entry_type(tar::EntryType::Directory);
        dir.set_size(0);
        dir.set_path("d/").unwrap();
        dir.set_cksum();
        builder.append(&dir, std::io::empty()).unwrap();
        let bytes = builder.into_inner().unwrap();
        let log = read(&bytes, 100).unwrap();
        assert_eq!(log.members.len(), 1);
        assert_eq!((log.members[0].0.as_str(), log.members[0].2.as_slice()), (long.as_str(), &b"hi"[..]));
    }

    #[test]
    fn truncation_and_corruption_are_refused() {
        let data = vec![5u8; 1000];
        let bytes = tar(&[("a/data_batch_1.bin", &data), ("a/other", b"xyz")], true);
        // Inside the first header, inside the wanted member's data, inside the other member.
        let err = read(&bytes[..100], 64).unwrap_err();
        assert_eq!(err.file, "a.tar");
        assert!(err.message.contains("ends inside the header at byte 0"), "{err}");
        let err = read(&bytes[..512 + 300], 64).unwrap_err();
        assert_eq!(err.file, "a.tar (a/data_batch_1.bin)");
        assert!(err.message.starts_with("broken archive member (it ends after 300 of its 1000 bytes)"), "{err}");
        let err = read(&bytes[..512 + 1024 + 512 + 1], 64).unwrap_err();
        assert!(err.message.contains("ends inside the member a/other"), "{err}");
        // At a block boundary (without the end-of-archive blocks), or in the padding: accepted.
        assert_eq!(read(&bytes[..512 + 1024], 64).unwrap().members.len(), 1);
        assert_eq!(read(&bytes[..512 + 1000], 64).unwrap().members.len(), 1);
        // A flipped header byte fails the checksum.
        let mut flipped = bytes.clone();
        flipped[3] ^= 0x20;
        let err = read(&flipped, 512).unwrap_err();
        assert!(err.message.contains("the header at byte 0 fails its checksum"), "{err}");
        // Everything after the end-of-archive block is ignored.
        let mut padded = bytes.clone();
        padded.extend_from_slice(&[1u8; 700]);
        assert_eq!(read(&padded, 333).unwrap().members.len(), 2);
        // Not a tar at all.
        let err = read(&[b'x'; 600], 600).unwrap_err();
        assert!(err.message.starts_with("not a readable tar.gz archive"), "{err}");
    }

    #[test]
    fn numbers() {
        assert_eq!(octal(b"0000644\0"), Some(0o644));
        assert_eq!(octal(b"  1750 \0"), Some(0o1750));
        assert_eq!(octal(b"\0\0\0"), None);
        assert_eq!(octal(b"12x"), None);
        let mut base256 = [0u8; 12];
        base256[0] = 0x80;
        base256[10] = 1;
        assert_eq!(number(&base256), Some(256));
        base256[0] = 0xff;
        assert_eq!(number(&base256), None);
        assert_eq!(pax_path(b"18 path=a/b/c.bin\n7 x=yz\n"), Some("a/b/c.bin".to_string()));
        assert_eq!(pax_path(b"99 path=x\n"), None);
        assert_eq!(pax_path(b"garbage"), None);
    }
}
