// The sweep, inside the engine worker: the same wasm instance and device as the single-run
// trainers. A sweep trains chunk after chunk (one stacked step, or an epoch's evaluation, per
// chunk), each chunk one job on the worker's request queue with a zero-delay timer before the
// next, so the single run's loop, the page's requests and the sweep take turns. Finished runs
// are stored in IndexedDB before the page hears of them; a cancel, handled between two chunks,
// drops the job and loses no finished run. The small questions (spec, the grid's layout, the
// form's query, export, link, activations, the CPU pool's plan) are answered by Rust. The page
// trains a CPU sweep in a pool of sweep workers instead (sweep-worker.js, which loads its data
// with `loadDataset` from here).

/** @typedef {import('./protocol.js').SweepEvent} SweepEvent */
/** @typedef {{jobId: number, job: any, timer: any}} Job  a sweep in the worker (job: the wasm SweepJob, once made) */

import { putRuns } from '../sweep/store.js';
import { fetchManifest } from '../datasets/files.js';
import { errorText as text } from '../dom.js';
import { readDataset } from './reader.js';

const DATA_URL = new URL('../data/', import.meta.url);
// Per chunk: at most this many steps and about this long (one stacked step can take longer).
const CHUNK_STEPS = 50;
const CHUNK_MS = 100;

/**
 * The served files of `kind` read into a wasm Dataset (the caller frees it), as the Data card
 * reads them: the bundled subset's standard names, else its folder's manifest.
 * @param {any} wasm @param {string} kind
 */
export async function loadDataset(wasm, kind) {
  const base = new URL(`${kind}/`, DATA_URL);
  /** @type {string[]} */
  let names = JSON.parse(wasm.bundledFiles(kind));
  if (!names.length) names = (await fetchManifest(kind))?.files.map((f) => f.name) ?? [];
  if (!names.length)
    throw new Error(
      `this page does not serve ${kind}, and a sweep trains only on the data the page serves (the Data card above lists them); choose another dataset`,
    );
  return readDataset(
    wasm,
    kind,
    names.map((name) => ({ name, url: new URL(encodeURIComponent(name), base).href })),
  );
}

/**
 * @param {any} wasm  the wasm module's exports
 * @param {(job: () => Promise<void> | void) => void} enqueue  runs `job` on the worker's request queue
 * @param {(event: SweepEvent) => void} post
 * @param {(e: unknown) => boolean} isFatal  whether an error means the module is gone
 */
export function createSweep(wasm, enqueue, post, isFatal) {
  /** @type {Job | null} the sweep being trained */
  let current = null;

  function drop() {
    if (!current) return;
    clearTimeout(current.timer);
    current.job?.free();
    current = null;
  }

  /** @param {number} jobId @param {string} message */
  function failed(jobId, message) {
    if (current?.jobId === jobId) drop();
    post({ type: 'sweep', jobId, kind: 'error', message });
  }

  /** Queues the next chunk after the worker's event loop had its turn. @param {Job} s */
  function schedule(s) {
    s.timer = setTimeout(() => enqueue(() => chunk(s)), 0);
  }

  /** @param {Job} s */
  async function chunk(s) {
    if (current !== s) return; // cancelled meanwhile
    try {
      const p = JSON.parse(await s.job.run(CHUNK_STEPS, CHUNK_MS));
      if (p.finished.length) {
        await putRuns(p.finished);
        post({ type: 'sweep', jobId: s.jobId, kind: 'finished', runs: p.finished });
      }
      post({ type: 'sweep', jobId: s.jobId, kind: 'progress', ...p, finished: undefined });
      if (p.done) {
        drop();
        post({ type: 'sweep', jobId: s.jobId, kind: 'done' });
        return;
      }
    } catch (e) {
      if (isFatal(e)) throw e; // the worker reports the engine gone
      failed(s.jobId, text(e));
      return;
    }
    if (current === s) schedule(s);
  }

  /** Loads the data (off the queue), then makes the job and trains it (on it). @param {number} jobId @param {string} query @param {string[]} doneKeys */
  async function begin(jobId, query, doneKeys) {
    const spec = JSON.parse(wasm.sweepSpec(query));
    const kind = Object.fromEntries(spec.settings).dataset;
    const dataset = await loadDataset(wasm, kind);
    enqueue(async () => {
      try {
        if (current?.jobId !== jobId) return; // cancelled while loading
        // The job keeps its own reference to the data.
        current.job = await wasm.SweepJob.create(query, JSON.stringify(doneKeys), dataset);
      } catch (e) {
        if (isFatal(e)) throw e;
        failed(jobId, text(e));
        return;
      } finally {
        dataset.free();
      }
      if (current?.jobId !== jobId) return;
      post({
        type: 'sweep',
        jobId,
        kind: 'started',
        backendName: current.job.backendName,
        groups: Array.from(current.job.groupSizes()),
      });
      schedule(current);
    });
  }

  return {
    /** @param {{jobId: number, query: string, doneKeys: string[]}} msg */
    start({ jobId, query, doneKeys }) {
      drop();
      current = { jobId, job: null, timer: null };
      begin(jobId, query, doneKeys).catch((e) => failed(jobId, text(e)));
      return null;
    },
    /** Between two chunks (requests and chunks share the queue): every finished run is stored. */
    cancel() {
      const jobId = current?.jobId ?? null;
      drop();
      return { jobId };
    },
    spec: (/** @type {{query: string}} */ m) => wasm.sweepSpec(m.query),
    pool: (/** @type {{query: string, doneKeys: string[], cores: number, memory: number | null}} */ m) =>
      wasm.sweepPool(m.query, JSON.stringify(m.doneKeys), m.cores, m.memory ?? undefined),
    grid: (/** @type {{query: string, records: string, article: boolean}} */ m) =>
      wasm.sweepGrid(m.query, m.records, m.article),
    formQuery: (
      /** @type {{query: string, settings: string, picker: {mode: string, row: string[], column: string, set: string}}} */ m,
    ) => wasm.sweepFormQuery(m.query, m.settings, m.picker.mode, m.picker.row, m.picker.column, m.picker.set),
    export: (/** @type {{records: string, format: string}} */ m) => wasm.sweepExport(m.records, m.format),
    link: (/** @type {{config: string}} */ m) => wasm.sweepRunLink(m.config),
    form: () => JSON.parse(wasm.sweepForm()),
  };
}
