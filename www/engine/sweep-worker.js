// A sweep worker: one of the pool (www/sweep/pool.js) that trains a CPU sweep on every core. It
// instantiates the page's already-compiled wasm module, loads the sweep's dataset once (the
// served files, as the engine's sweep does), and trains its share of the runs left (Rust picks
// it from the shard it is given: `SweepJob.keepShare('I/N')`) one model at a time, chunk by
// chunk. Each finished run is stored in IndexedDB before the page hears of it, so a worker that
// crashes or is terminated loses only the run it was training.
//
// In:  {type: 'start', module, query, doneKeys, shard, worker}   (once)
//      {type: 'trap'}                                             (tests: a wasm trap, as a panic ends in)
// Out: SweepEvents (protocol.js) with `worker`, and {type: 'fatal', worker, reason} when the
//      module is unusable (the page then terminates this worker).

import init, * as wasm from '../pkg/activation_playground.js';
import { putRuns } from '../sweep/store.js';
import { loadDataset } from './sweep.js';
import testHooks from './test-hooks.js';
import { errorText as text } from '../dom.js';

/** @typedef {import('./protocol.js').SweepWorkerStart} SweepWorkerStart */

// Per chunk: at most this many steps and about this long. Nothing else waits on this worker,
// so a chunk may be longer than the engine's; the page hears of progress after each.
const CHUNK_STEPS = 200;
const CHUNK_MS = 250;

let worker = -1;
let lastPanic = '';

// console_error_panic_hook reports a Rust panic through console.error just before the trap.
const consoleError = console.error.bind(console);
console.error = (...args) => {
  const line = args.map(String).join(' ');
  if (/panicked at/.test(line)) lastPanic = line.split('\n').slice(0, 2).join(' ').slice(0, 400);
  consoleError(...args);
};

/** @param {Record<string, any>} event */
const post = (event) => self.postMessage({ type: 'sweep', worker, ...event });

/** @param {unknown} e */
function fatal(e) {
  const reason = `${text(e)}${lastPanic ? ` (${lastPanic})` : ''}`;
  self.postMessage({ type: 'fatal', worker, reason });
}

/** A trap, a panic or a lost instance: nothing more can run in this module. @param {unknown} e */
function isFatal(e) {
  return (
    e instanceof WebAssembly.RuntimeError ||
    e instanceof RangeError ||
    /unreachable|memory access out of bounds|Out of memory/i.test(text(e))
  );
}

/** @param {SweepWorkerStart} msg */
async function start({ module, query, doneKeys, shard }) {
  await init({ module_or_path: module });
  const spec = JSON.parse(wasm.sweepSpec(query));
  const dataset = await loadDataset(wasm, Object.fromEntries(spec.settings).dataset);
  let job;
  try {
    job = await wasm.SweepJob.create(query, JSON.stringify(doneKeys), dataset);
  } finally {
    dataset.free(); // the job keeps its own reference
  }
  job.keepShare(shard);
  post({ kind: 'started', backendName: job.backendName, groups: Array.from(job.groupSizes()), keys: job.runKeys() });
  for (;;) {
    const p = JSON.parse(await job.run(CHUNK_STEPS, CHUNK_MS));
    if (p.finished.length) {
      await putRuns(p.finished);
      post({ kind: 'finished', runs: p.finished });
    }
    post({ kind: 'progress', ...p, finished: undefined });
    if (p.done) {
      job.free();
      post({ kind: 'done' });
      return;
    }
    // A turn of the event loop between chunks: a test's `trap` gets in.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

self.onmessage = (/** @type {MessageEvent} */ event) => {
  const msg = event.data;
  if (msg?.type === 'start') {
    worker = msg.worker;
    start(msg).catch((e) => (isFatal(e) ? fatal(e) : post({ kind: 'error', message: text(e) })));
  } else if (Object.hasOwn(testHooks, msg?.type)) {
    testHooks[msg.type](msg);
  }
};

self.addEventListener('unhandledrejection', (event) => fatal(event.reason));
