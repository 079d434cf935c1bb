// The engine's life on the page: the wasm module is compiled once and shared by the page (which
// only reads settings, links and presets from it) and the engine worker (which trains and
// draws). Starting an engine hands it the chart canvases; a restart after a crash starts a new
// worker with fresh canvases, the same dataset (read again from the same Files or URLs: the page
// keeps no copy of the bytes) and WebGPU again.

import { app } from '../state.js';
import { Engine } from './client.js';
import * as charts from '../charts.js';

const WASM_URL = new URL('../pkg/activation_playground_bg.wasm', import.meta.url);
// dataset: the longest silence while a dataset loads (each progress message restarts the clock).
const TIMEOUT = { init: 180_000, dataset: 300_000, gpu: 45_000, warm: 180_000 };

/** @type {WebAssembly.Module | null} */
let module = null;
/** @typedef {import('./reader.js').DataSource} DataSource */
/** @typedef {import('./reader.js').DataProgress} DataProgress */

/** @type {{kind: string, sources: DataSource[]} | null} where the dataset the engine holds came from */
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
  await engine.call(
    'init',
    { module: await compile(), canvases },
    { transfer: Object.values(canvases), timeout: TIMEOUT.init },
  );
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
 * Has the engine read a dataset from `sources` (Files, or URLs: the worker reads them as streams;
 * nothing is read here). `onProgress` gets the worker's progress as it reads. Resolves to its
 * summary; rejects with the message of the file that failed.
 * @param {string} kind
 * @param {DataSource[]} sources
 * @param {(p: DataProgress) => void} [onProgress]
 */
export async function loadDataset(kind, sources, onProgress) {
  if (!app.engine) throw new Error('the engine is not running');
  const summary = await app.engine.call('dataset', { kind, sources }, { timeout: TIMEOUT.dataset, onProgress });
  lastData = { kind, sources };
  return summary;
}

/** Stops the engine's dataset load in progress, if any (a newer choice replaced it). */
export function cancelDataset() {
  app.engine?.call('datasetCancel').catch(() => {});
}

/** Gives a restarted engine the dataset the previous one had: it reads the same sources again. */
export async function reloadDataset() {
  if (!lastData || !app.engine) return null;
  return app.engine.call('dataset', { ...lastData }, { timeout: TIMEOUT.dataset });
}
