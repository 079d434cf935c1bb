//! Push-style gunzip: a file's bytes arrive in chunks of any size (a browser stream's, or the
//! whole file at once); when they start with the gzip magic number they are decompressed on the
//! way, else passed on as they are. The decompressed bytes go to a callback in small pieces (the
//! decoder's 32 KiB buffer, a few times over at most), so nothing of the file is held here but the
//! decoder's own state.

use super::DataError;
use std::io::Write;

/// The first two bytes of every gzip member.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

pub(super) struct Gunzip {
    file: String,
    gzipped: bool,
    state: State,
}

enum State {
    /// Fewer than two bytes seen: whether the file is gzipped is still open.
    Sniffing(Vec<u8>),
    Raw,
    /// The decoder writes into the `Vec`, which is handed on and emptied after every step.
    Gzip(Box<flate2::write::MultiGzDecoder<Vec<u8>>>),
    Finished,
}

impl Gunzip {
    pub(super) fn new(file: &str) -> Self {
        Gunzip { file: file.to_string(), gzipped: false, state: State::Sniffing(Vec::with_capacity(2)) }
    }

    /// Whether the bytes are gzipped; false until the first two bytes have been seen.
    pub(super) fn is_gzipped(&self) -> bool {
        self.gzipped
    }

    /// " once decompressed" for gzipped input, to qualify byte counts in messages.
    pub(super) fn after_gunzip(&self) -> &'static str {
        if self.gzipped { " once decompressed" } else { "" }
    }

    fn broken(&self, e: std::io::Error) -> DataError {
        DataError::new(&self.file, format!("broken gzip data ({e}); the file may be truncated or corrupt"))
    }

    /// Takes the next bytes of the file; `out` gets what they decompress to (or them, raw).
    pub(super) fn push(
        &mut self,
        mut chunk: &[u8],
        out: &mut impl FnMut(&[u8], &Gunzip) -> Result<(), DataError>,
    ) -> Result<(), DataError> {
        if let State::Sniffing(head) = &mut self.state {
            let take = (2 - head.len()).min(chunk.len());
            head.extend_from_slice(&chunk[..take]);
            chunk = &chunk[take..];
            if head.len() < 2 {
                return Ok(());
            }
            let head = std::mem::take(head);
            self.gzipped = head == GZIP_MAGIC;
            self.state = if self.gzipped {
                State::Gzip(Box::new(flate2::write::MultiGzDecoder::new(Vec::with_capacity(32 * 1024))))
            } else {
                State::Raw
            };
            self.push_decided(&head, out)?;
        }
        self.push_decided(chunk, out)
    }

    fn push_decided(
        &mut self,
        mut chunk: &[u8],
        out: &mut impl FnMut(&[u8], &Gunzip) -> Result<(), DataError>,
    ) -> Result<(), DataError> {
        while !chunk.is_empty() {
            let State::Gzip(decoder) = &mut self.state else {
                return match self.state {
                    State::Raw => out(chunk, self),
                    _ => Ok(()),
                };
            };
            // The decoder takes what input it can turn into one buffer (32 KiB) of output, which
            // it moves into the `Vec` on its next call (more than once where a few bytes of
            // input make more than a buffer of output).
            let written = decoder.write(chunk);
            let output = std::mem::take(decoder.get_mut());
            let written = written.map_err(|e| self.broken(e))?;
            let result = if output.is_empty() { Ok(()) } else { out(&output, self) };
            self.give_back(output);
            result?;
            if written == 0 {
                return Err(self.broken(std::io::Error::other("the decoder took no more input")));
            }
            chunk = &chunk[written..];
        }
        Ok(())
    }

    /// Returns the (emptied) output buffer to the decoder, to be filled again.
    fn give_back(&mut self, mut output: Vec<u8>) {
        if let State::Gzip(decoder) = &mut self.state {
            output.clear();
            *decoder.get_mut() = output;
        }
    }

    /// The file has ended: a gzip stream must be complete (its trailer checked), and `out` gets
    /// what was still in the decoder. A file of one byte is passed on raw.
    pub(super) fn finish(
        &mut self,
        out: &mut impl FnMut(&[u8], &Gunzip) -> Result<(), DataError>,
    ) -> Result<(), DataError> {
        match std::mem::replace(&mut self.state, State::Finished) {
            State::Sniffing(head) if !head.is_empty() => out(&head, self),
            State::Gzip(mut decoder) => {
                decoder.try_finish().map_err(|e| self.broken(e))?;
                let output = std::mem::take(decoder.get_mut());
                if output.is_empty() { Ok(()) } else { out(&output, self) }
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    /// Pushes `bytes` in chunks of the given sizes (cycled), then finishes.
    fn run(name: &str, bytes: &[u8], sizes: &[usize]) -> Result<(Vec<u8>, bool), DataError> {
        let mut g = Gunzip::new(name);
        let mut got = Vec::new();
        let mut largest = 0;
        let mut out = |b: &[u8], _: &Gunzip| {
            largest = largest.max(b.len());
            got.extend_from_slice(b);
            Ok(())
        };
        let mut rest = bytes;
        for &size in sizes.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(size.min(rest.len()));
            g.push(now, &mut out)?;
            rest = later;
        }
        g.finish(&mut out)?;
        // Raw chunks pass as they come; decompressed output in small pieces.
        assert!(!g.is_gzipped() || largest <= 256 * 1024, "a piece of {largest} bytes");
        Ok((got, g.is_gzipped()))
    }

    #[test]
    fn raw_and_gzipped_bytes_come_out_the_same_in_any_chunks() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let gz = gzip(&data);
        for sizes in [&[usize::MAX][..], &[1], &[2], &[3, 5, 7], &[9, 1], &[10], &[4096, 1]] {
            assert_eq!(run("f", &data, sizes).unwrap(), (data.clone(), false), "{sizes:?}");
            assert_eq!(run("f.gz", &gz, sizes).unwrap(), (data.clone(), true), "{sizes:?}");
        }
        // Two members, as `cat a.gz b.gz` makes.
        let mut two = gz.clone();
        two.extend_from_slice(&gzip(b"tail"));
        let mut both = data.clone();
        both.extend_from_slice(b"tail");
        assert_eq!(run("f.gz", &two, &[333]).unwrap().0, both);
        // Short files.
        assert_eq!(run("f", &[], &[1]).unwrap(), (vec![], false));
        assert_eq!(run("f", &[0x1f], &[1]).unwrap(), (vec![0x1f], false));
        assert_eq!(run("f", &[0x1f, 0x8c], &[1]).unwrap(), (vec![0x1f, 0x8c], false));
    }

    #[test]
    fn a_gzip_bomb_comes_out_in_bounded_pieces() {
        let gz = gzip(&vec![0u8; 20 << 20]);
        assert!(gz.len() < 100_000);
        let (out, _) = run("bomb.gz", &gz, &[usize::MAX]).unwrap();
        assert_eq!(out.len(), 20 << 20);
    }

    #[test]
    fn truncated_and_corrupt_gzip_is_reported_by_file() {
        let gz = gzip(&[7u8; 5000]);
        for cut in [2, 5, 10, 11, gz.len() / 2, gz.len() - 8, gz.len() - 1] {
            for sizes in [&[usize::MAX][..], &[1]] {
                let err = run("x.gz", &gz[..cut], sizes).unwrap_err();
                assert_eq!(err.file, "x.gz");
                assert!(err.message.starts_with("broken gzip data ("), "{cut}: {err}");
                assert!(err.message.ends_with("; the file may be truncated or corrupt"), "{err}");
            }
        }
        let mut bad = gz.clone();
        let n = bad.len();
        bad[n - 6] ^= 1; // the CRC
        assert!(run("x.gz", &bad, &[100]).unwrap_err().message.starts_with("broken gzip data"));
        let mut trailing = gz.clone();
        trailing.extend_from_slice(b"garbage!");
        assert!(run("x.gz", &trailing, &[100]).unwrap_err().message.starts_with("broken gzip data"));
    }

    #[test]
    fn errors_of_the_consumer_pass_through() {
        let gz = gzip(&[1u8; 100_000]);
        let mut g = Gunzip::new("f.gz");
        let mut seen = 0;
        let err = g
            .push(&gz, &mut |b: &[u8], _: &Gunzip| {
                seen += b.len();
                if seen > 40_000 { Err(DataError::new("f.gz", "enough")) } else { Ok(()) }
            })
            .unwrap_err();
        assert_eq!(err.message, "enough");
    }
}
