// Finding a dataset's files for the Data card: the served folder's manifest, files the user
// chose or dropped (folders included), and opening a served file as a stream, with errors that
// name the file. The engine worker reads the streams (engine/reader.js); Rust decompresses and
// parses them.

import { errorText as text } from '../dom.js';

const DATA_URL = new URL('../data/', import.meta.url);

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

/** The dataset dropped files are, where Rust can tell from their names (CIFAR-10's); null when unsure. @param {any} wasm @param {File[]} files @returns {string | null} */
export function guessKind(wasm, files) {
  return wasm.guessDatasetKind(JSON.stringify(files.map((f) => f.name))) ?? null;
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
