// Reading a dataset's files for the Data card: from the served folder (its manifest) or from
// files the user chose or dropped (folders included), as streams with progress, gunzipped in the
// browser (DecompressionStream), with a size limit and errors that name the file.

const DATA_URL = new URL('../data/', import.meta.url);
/** Refuse to gunzip further than this per file (CIFAR-10's whole archive is ~185 MB). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** A newer load replaced this one: drop it quietly. */
export class Superseded extends Error {}

/** A file could not be read or parsed: the message names it. */
export class LoadError extends Error {}

export async function openUrl(url, name, signal, hint) {
  let response;
  try {
    response = await fetch(url, { signal, cache: 'no-cache' });
  } catch (e) {
    if (signal?.aborted) throw new Superseded();
    throw new LoadError(`${name}: could not download it (${text(e)})`);
  }
  if (!response.ok) {
    throw new LoadError(`${name}: could not download it (HTTP ${response.status})${hint ? `; ${hint}` : ''}`);
  }
  const length = Number(response.headers.get('Content-Length'));
  return { stream: response.body, size: Number.isFinite(length) && length > 0 ? length : null };
}

/** The served folder's manifest, or null when there is none. */
export async function fetchManifest(kind) {
  const url = new URL(`${kind}/manifest.json`, DATA_URL);
  let response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
  } catch {
    return null;
  }
  if (response.status === 404 || response.status === 403) return null;
  if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
  let manifest;
  try {
    manifest = await response.json();
  } catch (e) {
    throw new Error(`manifest.json is not valid JSON (${text(e)}); run npm run add-dataset -- ${kind} DIR again`);
  }
  const files = Array.isArray(manifest?.files) ? manifest.files : [];
  const bad = files.find((f) => typeof f?.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(f.name));
  if (!files.length || bad) {
    throw new Error(`manifest.json lists no usable files; run npm run add-dataset -- ${kind} DIR again`);
  }
  return { files: files.map((f) => ({ name: f.name, size: Number.isFinite(f.size) ? f.size : null })) };
}

/**
 * Reads a byte stream to the end. When it starts with the gzip magic it is decompressed on the
 * way (DecompressionStream; `onGzip()` says so). `onBytes(n)` counts the bytes read from the source.
 */
export async function readAll(name, stream, onBytes, onGzip) {
  const reader = stream.getReader();
  let readError = null;
  const pull = async () => {
    try {
      return await reader.read();
    } catch (e) {
      readError = e;
      throw e;
    }
  };
  const first = await pull().catch((e) => { throw readFailure(name, e); });
  if (first.done) return new Uint8Array(0);
  const head = first.value;
  onBytes(head.byteLength);
  const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (gzipped) onGzip?.();
  const counted = new ReadableStream({
    start(controller) { controller.enqueue(head); },
    async pull(controller) {
      const { done, value } = await pull();
      if (done) controller.close();
      else {
        onBytes(value.byteLength);
        controller.enqueue(value);
      }
    },
    cancel(reason) { return reader.cancel(reason); },
  });
  const out = (gzipped ? counted.pipeThrough(new DecompressionStream('gzip')) : counted).getReader();
  const chunks = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await out.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
      if (length > MAX_FILE_BYTES) {
        out.cancel().catch(() => {});
        throw new LoadError(`${name}: more than ${mb(MAX_FILE_BYTES)}${gzipped ? ' once decompressed' : ''}, far more than any file of these datasets`);
      }
    }
  } catch (e) {
    if (e instanceof Superseded || e instanceof LoadError) throw e;
    if (readError) throw readFailure(name, readError);
    if (gzipped) {
      throw new LoadError(`${name}: broken gzip data (${text(e).replace(/\.$/, '')}); the file is truncated or corrupt`);
    }
    throw readFailure(name, e);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
  chunks.length = 0;
  return bytes;
}

function readFailure(name, e) {
  if (e instanceof Superseded || e instanceof LoadError) return e;
  return new LoadError(`${name}: could not read the file (${text(e)})`);
}

/** CIFAR-10 when dropped files are named like its batches or archive; null when unsure. */
export function guessKind(files) {
  const cifar = files.some((f) => /^(data_batch_[1-5]|test_batch)\.bin(\.gz)?$|^cifar-10-binary\.(tar\.gz|tgz|tar)$/i.test(f.name));
  return cifar ? 'cifar10' : null;
}

/** Files from a drop, including the files inside dropped folders (two levels deep). */
export async function droppedFiles(transfer) {
  const entries = [...(transfer.items ?? [])]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter(Boolean);
  if (!entries.length) return [...transfer.files];
  const files = [];
  const walk = async (entry, depth) => {
    if (entry.isFile) files.push(await new Promise((ok, fail) => entry.file(ok, fail)));
    else if (entry.isDirectory && depth < 2) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child, depth + 1);
      }
    }
  };
  for (const entry of entries) await walk(entry, 0);
  return files;
}

function mb(/** @type {number} */ bytes) {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

/** @param {unknown} e */
export function text(e) {
  if (e == null) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message || String(e);
  try { return JSON.stringify(e); } catch { return String(e); }
}
