// The sweep's own Web Worker: it owns a wasm instance, the dataset and the stacked models, and
// trains the sweep chunk by chunk, storing each finished run in IndexedDB before telling the page.
// It also answers the page's small questions ({ type, id, ... } → { id, result } or { id, error }):
// spec (parse settings), cells (aggregate), export (CSV / JSON), link (a run's single-run link),
// activations. The page cancels by terminating the worker; finished runs are already stored.
// Messages in:  { type: 'start', query, doneKeys }
// Messages out: { type: 'started', backendName, groups } · { type: 'progress', ...p }
//               { type: 'finished', runs: [{ key, record }] } · { type: 'done' } · { type: 'error', message }
import init, * as wasm from '../pkg/activation_playground.js';
import { putRuns } from './store.js';

const DATA_URL = new URL('../data/', import.meta.url);
const ready = init();
let started = false;

const text = (e) => (e && e.message) || String(e);

const ANSWERS = {
  spec: (m) => wasm.sweepSpec(m.query),
  cells: (m) => wasm.sweepCells(m.records),
  export: (m) => wasm.sweepExport(m.records, m.format),
  link: (m) => wasm.sweepRunLink(m.config),
  activations: () => Array.from(wasm.sweepActivations()),
};

self.onmessage = async (event) => {
  const msg = event.data;
  if (msg?.type === 'start') {
    if (started) return;
    started = true;
    run(msg).catch((e) => self.postMessage({ type: 'error', message: text(e) }));
    return;
  }
  const answer = ANSWERS[msg?.type];
  if (!answer) return;
  try {
    await ready;
    self.postMessage({ id: msg.id, result: answer(msg) });
  } catch (e) {
    self.postMessage({ id: msg.id, error: text(e) });
  }
};

async function fetchBytes(url, name) {
  let response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
  } catch (e) {
    throw new Error(`${name}: could not download it (${text(e)})`);
  }
  if (!response.ok) throw new Error(`${name}: could not download it (HTTP ${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

/** The served files of `kind`: the bundled subset's standard names, else its folder's manifest. */
async function loadFiles(kind) {
  const base = new URL(`${kind}/`, DATA_URL);
  let names = JSON.parse(wasm.sweepServedFiles(kind));
  if (!names.length) {
    const manifest = await fetch(new URL('manifest.json', base), { cache: 'no-cache' }).catch(() => null);
    const files = manifest?.ok ? (await manifest.json().catch(() => null))?.files : null;
    if (Array.isArray(files)) names = files.map((f) => f?.name).filter((n) => typeof n === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n));
  }
  if (!names.length) throw new Error(`${kind} is not served from www/data/${kind}/ (add it with npm run add-dataset)`);
  const files = [];
  for (const name of names) files.push(await fetchBytes(new URL(encodeURIComponent(name), base), name));
  return { names, files };
}

async function run({ query, doneKeys }) {
  await ready;
  const spec = JSON.parse(wasm.sweepSpec(query));
  const kind = Object.fromEntries(spec.settings).dataset;
  const { names, files } = await loadFiles(kind);
  const job = await wasm.SweepJob.create(query, JSON.stringify(doneKeys), names, files);
  self.postMessage({ type: 'started', backendName: job.backendName, groups: Array.from(job.groupSizes()) });
  for (;;) {
    // Short chunks: progress stays live and a cancel (terminate) loses at most one chunk.
    const p = JSON.parse(await job.run(1000, 250));
    if (p.finished.length) {
      await putRuns(p.finished);
      self.postMessage({ type: 'finished', runs: p.finished });
    }
    self.postMessage({ type: 'progress', ...p, finished: undefined });
    if (p.done) break;
    // Let the page's questions (cells, exports) in between chunks.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  self.postMessage({ type: 'done' });
}
