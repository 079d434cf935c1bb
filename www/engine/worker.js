// The engine: a dedicated module worker that owns the wasm engine's working half — the burn
// device (WebGPU, or the CPU through burn Flex), the dataset (read here from the files or URLs
// the page names, reader.js), the trainers with their
// statistics, and the charts, drawn by plotters onto OffscreenCanvases the page handed over.
// It also runs the training loop (loop.js): the page starts, pauses, steps and stops it and
// renders what it reports; and the sweep (sweep.js), chunk by chunk between the loop's chunks,
// on the same wasm instance and device. The page's main thread only renders the UI and forwards
// input (see protocol.js).
//
// Requests are handled one at a time, in order: a chart is never drawn, nor a hover answered,
// half-way through a training chunk. A Rust panic or a wasm trap (out of memory, a lost GPU
// device) leaves the module unusable: the worker says so with a `fatal` message, and the page
// offers a restart.

import init, * as wasm from '../pkg/activation_playground.js';
import { createLoop } from './loop.js';
import { createSweep } from './sweep.js';
import { readDataset } from './reader.js';
import testHooks from './test-hooks.js';
import { errorText } from '../dom.js';

/** @typedef {import('./protocol.js').Request} Request */

const SAMPLES = 20;

const engine = {
  /** @type {any} the wasm Dataset in use */
  dataset: null,
  /** @type {Record<string, any>} the wasm Trainer of each side */
  trainers: { a: null, b: null },
  /** @type {Record<string, OffscreenCanvas>} by the page's canvas id */
  canvases: {},
  /** @type {WebAssembly.Memory | null} */
  memory: null,
  lastPanic: '',
};

// Dataset loads: each `dataset` request is numbered when it arrives; a newer one, or a
// `datasetCancel`, makes the older ones stale (they stop reading at their next chunk, and never
// replace the dataset in use).
const loads = {
  gen: 0,
  /** @type {Set<AbortController>} the loads reading now */
  active: new Set(),
  /** Loads that replaced the dataset, and loads stopped by a newer request (diagnostics, tests). */
  finished: 0,
  stopped: 0,
};

class SupersededLoad extends Error {
  constructor() {
    super('superseded by a newer dataset request');
  }
}

// console_error_panic_hook reports a Rust panic through console.error just before the module
// traps: keep its first lines for the page's message.
const consoleError = console.error.bind(console);
console.error = (...args) => {
  const text = args.map(String).join(' ');
  if (/panicked at/.test(text)) engine.lastPanic = text.split('\n').slice(0, 2).join(' ').slice(0, 400);
  consoleError(...args);
};

/** A trap means the module's state is lost: nothing more can run in it. */
function isFatal(e) {
  return (
    e instanceof WebAssembly.RuntimeError ||
    e instanceof RangeError ||
    /unreachable|memory access out of bounds|Out of memory|device (was )?lost/i.test(errorText(e))
  );
}

function fatal(reason) {
  const why = engine.lastPanic ? `${reason} (${engine.lastPanic})` : reason;
  self.postMessage({ type: 'fatal', reason: why });
}

/** @param {string} side */
function trainer(side) {
  const t = engine.trainers[side];
  if (!t) throw new Error('nothing recorded yet: train first');
  return t;
}

/** @param {string} id */
function canvas(id) {
  const c = engine.canvases[id];
  if (!c) throw new Error(`no canvas ${JSON.stringify(id)} in the engine`);
  return c;
}

/**
 * Resizes the canvas's backing store and draws the chart on it: {layout, ms}.
 * @param {import('./protocol.js').DrawTarget} target @param {'pre' | 'post'} stage
 */
function draw({ side, chart, canvas: id, width, height, scale }, stage) {
  const c = canvas(id);
  if (c.width !== width || c.height !== height) {
    c.width = width;
    c.height = height;
  }
  const t0 = performance.now();
  const layout = JSON.parse(trainer(side).drawChart(chart, c, scale, stage));
  return { layout, ms: performance.now() - t0 };
}

/** @type {Record<string, (msg: any) => any>} */
const handlers = {
  async init({ module, canvases }) {
    const exports = await init({ module_or_path: module });
    engine.memory = exports.memory;
    engine.canvases = canvases ?? {};
    return {};
  },

  async gpu() {
    return String(await wasm.initWebGpu());
  },

  /** Reads the sources into a new dataset (progress messages carry the request's id). */
  async dataset({ id, kind, sources, gen }) {
    const stale = () => gen !== loads.gen;
    if (stale()) {
      loads.stopped++;
      throw new SupersededLoad();
    }
    const abort = new AbortController();
    loads.active.add(abort);
    let dataset;
    try {
      dataset = await readDataset(wasm, kind, sources, {
        signal: abort.signal,
        onProgress: (progress) => self.postMessage({ id, progress }),
      });
    } catch (e) {
      if (stale()) {
        loads.stopped++;
        throw new SupersededLoad();
      }
      throw e;
    } finally {
      loads.active.delete(abort);
    }
    if (stale()) {
      dataset.free();
      loads.stopped++;
      throw new SupersededLoad();
    }
    loads.finished++;
    // Trainers hold their own reference to the data they train on.
    engine.dataset?.free();
    engine.dataset = dataset;
    const samples = [];
    for (let i = 0; i < Math.min(SAMPLES, dataset.testCount); i++) {
      samples.push({ rgba: dataset.sampleRgba('test', i), label: dataset.label('test', i) });
    }
    return {
      kind: dataset.kind,
      trainCount: dataset.trainCount,
      testCount: dataset.testCount,
      inputSize: dataset.inputSize,
      imageWidth: dataset.imageWidth,
      imageHeight: dataset.imageHeight,
      classCounts: { train: [...dataset.classCounts('train')], test: [...dataset.classCounts('test')] },
      samples,
    };
  },

  create({ side, json }) {
    loop.drop();
    engine.trainers[side]?.free();
    engine.trainers[side] = null;
    if (json == null) return null;
    if (!engine.dataset) throw new Error('no dataset is loaded');
    const t = new wasm.Trainer(json, engine.dataset);
    engine.trainers[side] = t;
    return { backendName: t.backendName };
  },

  start: (msg) => loop.start(msg),
  pause: () => loop.pause(),
  resume: () => loop.resume(),
  step: () => loop.step(),
  stop: () => loop.stop(),
  speed: (msg) => loop.speed(msg),
  view: (msg) => loop.view(msg),

  draw: (msg) => draw(msg, msg.stage),

  sweepStart: (msg) => sweep.start(msg),
  sweepCancel: () => sweep.cancel(),
  sweepSpec: (msg) => sweep.spec(msg),
  sweepPool: (msg) => sweep.pool(msg),
  sweepGrid: (msg) => sweep.grid(msg),
  sweepFormQuery: (msg) => sweep.formQuery(msg),
  sweepExport: (msg) => sweep.export(msg),
  sweepLink: (msg) => sweep.link(msg),
  sweepForm: () => sweep.form(),

  clear({ canvas: id }) {
    const c = canvas(id);
    c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
    return null;
  },

  hover({ side, chart, px, py }) {
    const t = engine.trainers[side];
    return t ? JSON.parse(t.hover(chart, px, py)) : null;
  },

  history({ side, format, base, tag }) {
    const t = trainer(side);
    const name = t.exportName(tag, 'statistics', format);
    return { name, text: format === 'csv' ? t.exportCsv(base) : t.exportJson(base) };
  },

  async png({ side, chart, canvas: id, what, base, tag }) {
    const t = trainer(side);
    const name = t.exportName(tag, what, 'png');
    // Rust copies the chart and draws the run's caption below it.
    const out = new OffscreenCanvas(1, 1);
    t.drawExport(chart, canvas(id), out, base);
    return { name, blob: await out.convertToBlob({ type: 'image/png' }) };
  },

  svg({ side, chart, canvas: id, what, tag }) {
    const t = trainer(side);
    // Rust draws the chart again through plotters' SVG backend, measuring text on its canvas.
    return { name: t.exportName(tag, what, 'svg'), text: t.drawSvg(chart, canvas(id)) };
  },

  ink({ canvas: id }) {
    const c = canvas(id);
    const ctx = c.getContext('2d');
    if (!ctx || !c.width || !c.height) return 0;
    const data = ctx.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 0 && (data[i] < 235 || data[i + 1] < 235 || data[i + 2] < 235)) ink++;
    }
    return ink / (c.width * c.height);
  },

  memory() {
    // @ts-expect-error: performance.memory is Chromium's
    const heap = performance.memory?.usedJSHeapSize ?? null;
    return {
      wasmBytes: engine.memory?.buffer.byteLength ?? null,
      jsHeapBytes: heap,
      datasetLoads: { finished: loads.finished, stopped: loads.stopped },
    };
  },
};

let queue = Promise.resolve();

// ------------------------------------------------------------------ the WebGPU warm-up
// WebGPU compiles each kernel on first use (seconds on a software adapter). Once the page has
// a GPU and data it sends `warm`: a throw-away session of the configured shapes (Rust's
// GpuWarmUp) trains one step beside the request queue, so charts and CPU runs go on meanwhile,
// and the answer comes once it is done (the page holds a GPU run's Start until then). Then,
// on the queue, the statistics' probe pass, unless a run has started (`warmSkip`) since. Every
// activation is the same kernel (Rust's per_model_activation), so the step has compiled the
// kernels of the other combinations too.
const warmUp = { idle: true };

/** @param {{id: number, json: string}} msg */
async function warm({ id, json }) {
  /** @type {any} */
  let session = null;
  try {
    if (!engine.dataset) throw new Error('no dataset is loaded');
    session = new wasm.GpuWarmUp(json, engine.dataset);
    const t0 = performance.now();
    await session.step();
    const stepMs = performance.now() - t0;
    const s = session;
    session = null;
    enqueue(async () => {
      try {
        if (warmUp.idle) await s.probe();
      } finally {
        s.free();
      }
    });
    self.postMessage({ id, ok: true, result: { stepMs } });
  } catch (e) {
    session?.free();
    self.postMessage({ id, ok: false, error: errorText(e) });
    if (isFatal(e)) fatal(`the engine stopped while warming up WebGPU: ${errorText(e)}`);
  }
}

/** Runs `job` on the request queue: after what is queued, before what comes next. */
function enqueue(/** @type {() => any} */ job) {
  queue = queue.then(async () => {
    try {
      await job();
    } catch (e) {
      if (isFatal(e)) fatal(`the engine stopped: ${errorText(e)}`);
      else loop.failed(e, errorText(e));
    }
  });
}

const loop = createLoop(engine, enqueue, (event) => self.postMessage(event), draw);
const sweep = createSweep(wasm, enqueue, (event) => self.postMessage(event), isFatal);

self.onmessage = (/** @type {MessageEvent} */ event) => {
  const msg = event.data;
  if (msg?.type === 'dataset' || msg?.type === 'datasetCancel') {
    loads.gen++;
    for (const abort of loads.active) abort.abort();
    if (msg.type === 'datasetCancel') {
      self.postMessage({ id: msg.id, ok: true, result: null });
      return;
    }
    msg.gen = loads.gen;
  }
  if (msg?.type === 'warm') {
    warm(msg);
    return;
  }
  if (msg?.type === 'warmSkip') {
    warmUp.idle = false;
    self.postMessage({ id: msg.id, ok: true, result: null });
    return;
  }
  queue = queue.then(async () => {
    const handler = handlers[msg?.type] ?? testHooks[msg?.type];
    try {
      if (!handler) throw new Error(`unknown request ${JSON.stringify(msg?.type)}`);
      const result = await handler(msg);
      self.postMessage({ id: msg.id, ok: true, result });
    } catch (e) {
      self.postMessage({ id: msg.id, ok: false, error: errorText(e) });
      if (isFatal(e)) fatal(`the engine stopped: ${errorText(e)}`);
    }
  });
};

self.addEventListener('error', (event) => fatal(`the engine stopped: ${event.message || 'an error'}`));
self.addEventListener('unhandledrejection', (event) => {
  if (isFatal(event.reason)) fatal(`the engine stopped: ${errorText(event.reason)}`);
});
