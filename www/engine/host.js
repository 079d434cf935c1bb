// The engine's life on the page: the wasm module is compiled once and shared by the page (which
// only reads settings, links and presets from it) and the engine worker (which trains and
// draws). Starting an engine hands it the chart canvases; a restart after a crash starts a new
// worker with fresh canvases, the same dataset (kept here as Blobs, which the browser may keep
// on disk) and WebGPU again.

import { app } from '../state.js';
import { Engine } from './client.js';
import * as charts from '../charts.js';

const WASM_URL = new URL('../pkg/activation_playground_bg.wasm', import.meta.url);
const TIMEOUT = { init: 180_000, dataset: 300_000, gpu: 45_000, warm: 180_000 };

/** @type {WebAssembly.Module | null} */
let module = null;
/** @type {{kind: string, names: string[], blobs: Blob[]} | null} the dataset the engine holds */
let lastData = null;
/** @type {Engine | null} the engine that started (until it dies) */
let running = null;
/** @type {{started: (engine: Engine) => void, crashed: (reason: string) => void}[]} */
const listeners = [];

/**
 * Tells another part of the page (the sweep) of each engine that starts (at once, if one runs)
 * and of its crash.
 * @param {(engine: Engine) => void} started
 * @param {(reason: string) => void} crashed
 */
export function watchEngine(started, crashed) {
  listeners.push({ started, crashed });
  if (running && !running.dead) started(running);
}

/** Compiles the wasm module (once). */
export async function compile() {
  if (!module) {
    const response = await fetch(WASM_URL);
    if (!response.ok) throw new Error(`${WASM_URL.pathname}: HTTP ${response.status}`);
    try {
      module = await WebAssembly.compileStreaming(response.clone());
    } catch {
      // A server that does not send application/wasm: compile from the bytes instead.
      module = await WebAssembly.compile(await response.arrayBuffer());
    }
  }
  return module;
}

/**
 * Starts an engine worker on the compiled module with the chart canvases; `onCrash(reason)` is
 * called once if it dies. Resolves once the worker has instantiated the module.
 * @param {(reason: string) => void} onCrash
 */
export async function start(onCrash) {
  const engine = new Engine((reason) => {
    onCrash(reason);
    for (const l of listeners) l.crashed(reason);
  });
  app.engine = engine;
  const canvases = charts.transferCanvases();
  await engine.call('init', { module: await compile(), canvases }, { transfer: Object.values(canvases), timeout: TIMEOUT.init });
  running = engine;
  for (const l of listeners) l.started(engine);
  return engine;
}

/** Starts WebGPU in the engine; resolves to the adapter's description. */
export function startGpu() {
  if (!app.engine) return Promise.reject(new Error('no engine'));
  return app.engine.call('gpu', {}, { timeout: TIMEOUT.gpu });
}

/**
 * Compiles the WebGPU kernels of a run of `json` in the engine (one throw-away step on the loaded
 * data); resolves to {stepMs}, rejects with the reason it failed.
 * @param {string} json
 */
export function warmGpu(json) {
  if (!app.engine) return Promise.reject(new Error('no engine'));
  return app.engine.call('warm', { json }, { timeout: TIMEOUT.warm });
}

/**
 * Hands a dataset's files (Uint8Arrays, given up) to the engine, which parses and keeps them.
 * Resolves to its summary; rejects with the parser's message.
 * @param {string} kind
 * @param {string[]} names
 * @param {Uint8Array[]} files
 */
export async function loadDataset(kind, names, files) {
  if (!app.engine) throw new Error('the engine is not running');
  const buffers = files.map((f) => /** @type {ArrayBuffer} */ (f.byteOffset === 0 && f.byteLength === f.buffer.byteLength ? f.buffer : f.slice().buffer));
  const blobs = buffers.map((b) => new Blob([b]));
  const summary = await app.engine.call('dataset', { kind, names, files: buffers }, { transfer: buffers, timeout: TIMEOUT.dataset });
  lastData = { kind, names, blobs };
  return summary;
}

/** Gives a restarted engine the dataset the previous one had. */
export async function reloadDataset() {
  if (!lastData || !app.engine) return null;
  const files = await Promise.all(lastData.blobs.map((b) => b.arrayBuffer()));
  return app.engine.call('dataset', { kind: lastData.kind, names: lastData.names, files }, { transfer: files, timeout: TIMEOUT.dataset });
}
