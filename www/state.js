// The page's shared state and the small helpers every module uses.

/** @typedef {import('./engine/protocol.js').Progress} Progress */

export { $, errorText } from './dom.js';
export const fmtInt = new Intl.NumberFormat('en-US');
// Numbers read out as the Rust side writes them (src/format.rs): exponent form for a diverging
// run's huge loss, NaN and infinities spelled out.
export const pct = (/** @type {number | null | undefined} */ x) =>
  x == null || !Number.isFinite(x) ? '–' : app.wasm.formatPercent(x);
export const num = (/** @type {number | null | undefined} */ x, digits = 4) =>
  x == null ? '–' : app.wasm.formatValue(x, digits);

/** The page's WebGPU state before the engine starts WebGPU (at load and after a restart). */
export function newGpuState() {
  return {
    status: 'pending',
    adapter: null,
    reason: null,
    ready: null,
    warm: { state: 'none', ms: null, error: null },
    warmed: null,
  };
}

export const app = {
  /** @type {any} the wasm module on the main thread: settings, links, presets (no training) */
  wasm: null,
  /** @type {import('./engine/client.js').Engine | null} */
  engine: null,
  /** @type {any} the loaded dataset's summary (DatasetSummary), null until one is loaded */
  dataset: null,
  /** @type {any[]} */
  presets: [],
  /** @type {any[]} the settings table from wasm */
  settings: [],
  /**
   * WebGPU in the engine: `ready` settles once it started or failed; `warm` is the background
   * warm-up (app.js, warmUpGpu: none | running | done | failed), `warmed` settles when it ends.
   * @type {{status: string, adapter: string | null, reason: string | null, ready: Promise<void> | null,
   *   warm: {state: string, ms: number | null, error: string | null}, warmed: Promise<void> | null}}
   */
  gpu: newGpuState(),
  /** @type {string | null} why WebGPU is not started again after an engine restart (it died warming up) */
  gpuBroken: null,
  /** @type {any} the current run's context (see run.js) */
  run: null,
  /** @type {any} */
  lastRun: null,
  /** loading | idle | running | paused | finished | stopped | diverged | error */
  state: 'loading',
  /** @type {Progress | null} */
  progress: null,
  /** @type {{step: number, loss: number}[]} */
  lossLog: [],
  /** @type {number | null} the loss of guessing for the run shown (from Rust; null: none) */
  chanceLoss: null,
  /** @type {any[]} */
  epochs: [],
  shareFlags: { lecture: false, autostart: false, embed: false },
  /** @type {any} the lesson step open now (Rust's LessonPlace: name, step, steps, caption), or null */
  lesson: null,
  /** @type {Progress | null} */
  progressB: null,
  /** @type {{step: number, loss: number}[]} */
  lossLogB: [],
  /** the headline loss is the mean of this many last steps (Rust's HEADLINE_STEPS) */
  headlineSteps: 0,
  /** steps per second cap; 0 = full speed */
  speed: 0,
  /** @type {string | null} why the engine stopped, until it is restarted */
  engineDown: null,
};
