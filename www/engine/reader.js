// Reading a dataset's files into the engine. Each source, a File the user chose (cheap to hand
// from the page to the worker: the browser reads it from disk) or the URL of a served or bundled
// file, is read as a stream, and every chunk goes at once into Rust's streaming reader (the wasm
// DatasetReader), still gzipped if the file is: Rust decompresses, unpacks and parses on the way,
// straight into the dataset's place in wasm memory. Nothing is gathered here (the chunks are read
// into one buffer, used again), so each byte is copied into wasm memory once and neither the page
// nor the worker's JS heap ever holds the data. Used by the engine worker (the
// Data card's loads, the sweep's data) and by the bench.

import { openUrl, Superseded, LoadError } from '../datasets/files.js';
import { errorText as text } from '../dom.js';

/**
 * @typedef {{name: string, file?: File, url?: string, size?: number | null, hint?: string}} DataSource
 *   One file of a dataset: a File, or the absolute URL of a served file; `size` in bytes where it
 *   is known beforehand (a manifest's); `hint`: what to do when the URL cannot be downloaded.
 * @typedef {{name: string, done: number, total: number, gzipped: boolean}} ReadProgress
 *   Reading `name`: `done` bytes read of `total` (0: unknown) over all files; `gzipped`: it is
 *   being decompressed as it is read.
 * @typedef {{parsing: true, files: number, bytes: number}} ParseProgress
 *   Every file is read (`bytes` in all); the dataset is being put together.
 * @typedef {ReadProgress | ParseProgress} DataProgress
 */

/** Progress is reported at most this often while a file is read (ms). */
const PROGRESS_EVERY = 50;
/** Bytes read at a time: one buffer, used again for every read where the stream allows it. */
const CHUNK_BYTES = 1 << 20;

/**
 * Reads a byte stream chunk by chunk into one buffer used again and again (a BYOB reader), so
 * reading leaves no garbage behind; where the stream offers no such reader, chunk by chunk as it
 * gives them. `next()` resolves to the next chunk (valid until the next call) or null at the end.
 * @param {ReadableStream<Uint8Array>} stream
 */
function chunksOf(stream) {
  /** @type {ReadableStreamBYOBReader | null} */
  let byob = null;
  try {
    byob = stream.getReader({ mode: 'byob' });
  } catch {
    byob = null;
  }
  if (!byob) {
    const reader = stream.getReader();
    return {
      next: async () => {
        const { done, value } = await reader.read();
        return done ? null : value;
      },
      cancel: () => reader.cancel().catch(() => {}),
    };
  }
  const reader = byob;
  let buffer = new ArrayBuffer(CHUNK_BYTES);
  return {
    async next() {
      const { done, value } = await reader.read(new Uint8Array(buffer, 0, CHUNK_BYTES));
      if (value) buffer = value.buffer; // the read took the buffer over and gives it back here
      return done ? null : value;
    },
    cancel: () => reader.cancel().catch(() => {}),
  };
}

/**
 * The first two and last four bytes of a File: Rust reads from them how much a gzip file holds
 * (its trailer), to reserve the memory once. Null for tiny files or when they cannot be read.
 * @param {File} file
 */
async function fileEnds(file) {
  if (file.size < 6) return null;
  try {
    const [head, tail] = await Promise.all([file.slice(0, 2).arrayBuffer(), file.slice(file.size - 4).arrayBuffer()]);
    return [...new Uint8Array(head), ...new Uint8Array(tail)];
  } catch {
    return null;
  }
}

/**
 * Reads `sources`, one after the other, into a wasm Dataset of `kind`; rejects with a message that
 * names the file (Rust's, or the download's), or with Superseded once `signal` aborts.
 * @param {any} wasm  the wasm module's exports
 * @param {string} kind
 * @param {DataSource[]} sources
 * @param {{signal?: AbortSignal, onProgress?: (p: DataProgress) => void}} [options]
 * @returns {Promise<any>} the wasm Dataset (the caller frees it)
 */
export async function readDataset(wasm, kind, sources, { signal, onProgress = () => {} } = {}) {
  const stop = () => {
    if (signal?.aborted) throw new Superseded();
  };
  const infos = await Promise.all(
    sources.map(async (s) => ({
      name: s.name,
      size: s.file ? s.file.size : (s.size ?? null),
      ends: s.file ? await fileEnds(s.file) : null,
    })),
  );
  stop();
  let total = infos.reduce((sum, f) => sum + (f.size ?? 0), 0);
  let done = 0;
  const reader = new wasm.DatasetReader(kind, JSON.stringify(infos));
  try {
    for (const [i, source] of sources.entries()) {
      stop();
      onProgress({ name: source.name, done, total, gzipped: false });
      const { stream, size } = source.file
        ? { stream: source.file.stream(), size: source.file.size }
        : await openUrl(new URL(source.url), source.name, signal, source.hint);
      if (infos[i].size == null && size != null) total += size;
      const chunks = chunksOf(stream);
      let shown = performance.now();
      try {
        for (;;) {
          let chunk;
          try {
            chunk = await chunks.next();
          } catch (e) {
            stop();
            throw new LoadError(`${source.name}: could not read the file (${text(e)})`);
          }
          if (!chunk) break;
          stop();
          reader.push(source.name, chunk);
          done += chunk.byteLength;
          if (performance.now() - shown >= PROGRESS_EVERY) {
            shown = performance.now();
            onProgress({ name: source.name, done, total, gzipped: reader.gzipped });
          }
        }
      } catch (e) {
        chunks.cancel();
        throw e;
      }
      onProgress({ name: source.name, done, total, gzipped: reader.gzipped });
      reader.endFile(source.name);
    }
    stop();
    onProgress({ parsing: true, files: sources.length, bytes: done });
    return reader.finish();
  } finally {
    reader.free();
  }
}
