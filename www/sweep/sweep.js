// The sweep section: the article's 16 × 4 table as a live heat-map. Everything heavy happens in
// the sweep's own worker (worker.js): parsing settings, training, aggregating, exporting. This
// file renders the grid, the settings and the progress, and forwards clicks.
//
// Mount: <section id="sweep"></section> anywhere in the page, plus this module.
// A cell click opens its first run in the single-run view through the page's ordinary link
// (?acts=…&bn=…&seed=…), keeping the sweep's settings in the hash (#sweep?…).
import { allRuns, deleteRuns } from './store.js';

const root = document.getElementById('sweep');
const HASH = '#sweep?';
const SETTINGS_KEY = 'sweep-settings';

const ui = {
  worker: null,
  pending: new Map(),
  nextId: 1,
  spec: null, // { settings, query, runs: [[key, config]], errors }
  records: new Map(), // key → record (runs of any sweep, from IndexedDB)
  state: 'loading',
  job: null, // { started, doneAtStart, total }
  acts: [],
};
/** @type {any} */ (window).sweepUi = ui; // for the browser test

const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('aria-') || key === 'role') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const c of children) node.append(c);
  return node;
};
/** The section's element named `name` (data-ref): inputs, buttons, the grid… @returns {any} */
const $ = (name) => root.querySelector(`[data-ref="${name}"]`);

function setState(state, message) {
  ui.state = state;
  root.dataset.state = state;
  if (!$('start')) return; // not built yet
  if (message != null) $('status').textContent = message;
  $('start').disabled = state === 'running' || state === 'loading';
  $('cancel').disabled = state !== 'running';
  for (const name of ['combos-mode', 'row1', 'row2', 'column', 'set', 'seeds', 'epochs', 'bn', 'dataset', 'backend', 'parallel']) {
    $(name).disabled = state === 'running';
  }
}

// ------------------------------------------------------------------ the worker (RPC + training)
function newWorker() {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (event) => onWorkerMessage(event.data);
  worker.onerror = (event) => {
    event.preventDefault?.();
    fail(`The sweep worker crashed (${event.message || 'unknown error'}); finished runs are kept. Start again to resume.`);
  };
  return worker;
}

/** The worker, started on first need (after a crash or a cancel, a fresh one). */
function worker() {
  if (!ui.worker) ui.worker = newWorker();
  return ui.worker;
}

function stopWorker() {
  ui.worker?.terminate();
  ui.worker = null;
  for (const { reject } of ui.pending.values()) reject(new Error('the sweep worker stopped'));
  ui.pending.clear();
}

function call(type, payload = {}) {
  const id = ui.nextId++;
  return new Promise((resolve, reject) => {
    ui.pending.set(id, { resolve, reject });
    worker().postMessage({ type, id, ...payload });
  });
}

function onWorkerMessage(msg) {
  if (msg.id != null && ui.pending.has(msg.id)) {
    const { resolve, reject } = ui.pending.get(msg.id);
    ui.pending.delete(msg.id);
    if (msg.error != null) reject(new Error(msg.error));
    else resolve(msg.result);
    return;
  }
  switch (msg.type) {
    case 'started':
      if (!ui.job) break;
      ui.job.backendName = msg.backendName;
      ui.job.groupSize = Math.max(...msg.groups);
      $('status').textContent = `Training ${msg.groups.length} group(s) of ${Math.max(...msg.groups)} models at once on ${msg.backendName}…`;
      break;
    case 'progress':
      showProgress(msg);
      break;
    case 'finished':
      for (const { key, record } of msg.runs) ui.records.set(key, record);
      render();
      break;
    case 'done':
      ui.job = null;
      sessionStorage.removeItem('sweep-running');
      setState('done', `Finished: ${countDone()} of ${ui.spec.runs.length} runs.`);
      render();
      break;
    case 'error':
      fail(msg.message);
      break;
    default:
  }
}

function fail(message) {
  stopWorker();
  ui.job = null;
  sessionStorage.removeItem('sweep-running');
  // No re-render here: a worker that cannot even start would crash again at once.
  setState('error', `The sweep stopped: ${message}. Finished runs are kept.`);
}

// ------------------------------------------------------------------ settings
function combosValue() {
  const mode = $('combos-mode').value;
  if (mode === 'row') return `row:${$('row1').value},${$('row2').value}`;
  if (mode === 'column') return `column:${$('column').value}`;
  if (mode === 'set') return $('set').value;
  return 'all';
}

function formQuery() {
  // Settings without a control here (lr, momentum, batch from a link) are kept as they are.
  const params = new URLSearchParams(ui.spec ? ui.spec.query : '');
  params.set('combos', combosValue());
  params.set('seeds', $('seeds').value);
  params.set('epochs', $('epochs').value);
  params.set('bn', $('bn').value);
  params.set('dataset', $('dataset').value);
  params.set('backend', $('backend').value);
  params.set('parallel', $('parallel').value);
  return params.toString().replaceAll('%2C', ',').replaceAll('%3A', ':');
}

function writeForm(settings) {
  const s = Object.fromEntries(settings);
  const combos = s.combos;
  if (combos.startsWith('row:')) {
    const [a, b] = combos.slice(4).split(',');
    $('combos-mode').value = 'row'; $('row1').value = a; $('row2').value = b;
  } else if (combos.startsWith('column:')) {
    $('combos-mode').value = 'column'; $('column').value = combos.slice(7);
  } else if (combos === 'all') {
    $('combos-mode').value = 'all';
  } else {
    $('combos-mode').value = 'set'; $('set').value = combos;
  }
  $('seeds').value = s.seeds;
  $('epochs').value = s.epochs;
  $('bn').value = s.bn;
  $('dataset').value = s.dataset;
  $('backend').value = s.backend;
  $('parallel').value = s.parallel;
  showModeInputs();
}

function showModeInputs() {
  const mode = $('combos-mode').value;
  $('row-inputs').hidden = mode !== 'row';
  $('column-inputs').hidden = mode !== 'column';
  $('set-inputs').hidden = mode !== 'set';
}

/** Parses the form (or a link) in the worker; shows problems; returns whether it is valid. */
async function applyQuery(query, { fromForm }) {
  const spec = JSON.parse(await call('spec', { query }));
  if (spec.errors.length) {
    $('errors').textContent = spec.errors.join('; ');
    $('errors').hidden = false;
    if (fromForm) return false;
  } else {
    $('errors').hidden = true;
  }
  ui.spec = spec;
  if (!fromForm) writeForm(spec.settings);
  localStorage.setItem(SETTINGS_KEY, spec.query);
  render();
  return spec.errors.length === 0;
}

// ------------------------------------------------------------------ rendering
function specRecords() {
  return ui.spec ? ui.spec.runs.map(([key]) => ui.records.get(key)).filter(Boolean) : [];
}

function countDone() {
  return specRecords().length;
}

function heat(mean) {
  // 10% (chance) is red, 100% green.
  const t = Math.max(0, Math.min(1, (mean - 0.1) / 0.9));
  return `hsl(${Math.round(120 * t * t)} 70% ${92 - 30 * t * (1 - t)}%)`;
}

async function render() {
  if (!ui.spec) return;
  const wanted = new Set(ui.spec.runs.map(([, c]) => c.acts.join('-')));
  let cells = [];
  try {
    cells = JSON.parse(await call('cells', { records: JSON.stringify(specRecords()) }));
  } catch (e) {
    $('errors').textContent = `The table could not be drawn: ${e.message}`;
    $('errors').hidden = false;
  }
  const byPos = new Map(cells.map((c) => [`${c.row}:${c.column}`, c]));
  const grid = $('grid');
  grid.replaceChildren();
  const head = el('tr', {}, el('th', { scope: 'col', textContent: 'act1 · act2 \\ act3' }));
  for (const a of ui.acts) head.append(el('th', { scope: 'col', textContent: a }));
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  for (let row = 0; row < 16; row++) {
    const tr = el('tr', {}, el('th', { scope: 'row', textContent: `${ui.acts[row >> 2]} · ${ui.acts[row & 3]}` }));
    for (let column = 0; column < 4; column++) {
      const acts = [ui.acts[row >> 2], ui.acts[row & 3], ui.acts[column]];
      const cell = byPos.get(`${row}:${column}`);
      const td = el('td', { className: 'sweep-cell' });
      td.dataset.acts = acts.join(',');
      if (!wanted.has(acts.join('-'))) {
        td.classList.add('off');
      } else if (!cell) {
        td.classList.add('pending');
        td.textContent = '…';
        td.title = `${acts.join('-')}: not trained yet`;
      } else {
        td.textContent = cell.text;
        td.dataset.mean = cell.mean ?? '';
        if (cell.mean != null) td.style.background = heat(cell.mean);
        if (cell.mean != null && cell.mean < 0.6) td.classList.add('collapsed');
        td.tabIndex = 0;
        td.setAttribute('role', 'button');
        td.dataset.tip = `${acts.join('-')}\n${cell.runsText.join('\n')}\nClick to open this combination in the single-run view.`;
        td.addEventListener('mouseenter', () => showTip(td));
        td.addEventListener('mouseleave', hideTip);
        td.addEventListener('focus', () => showTip(td));
        td.addEventListener('blur', hideTip);
        td.addEventListener('click', () => openCell(acts));
        td.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); openCell(acts); } });
      }
      tr.append(td);
    }
    body.append(tr);
  }
  grid.append(body);
  const done = countDone();
  const total = ui.spec.runs.length;
  $('progress').max = total;
  $('progress').value = done;
  $('counts').textContent = `${done} of ${total} runs done, ${total - done} left`;
  for (const name of ['export-csv', 'export-json', 'clear']) $(name).disabled = done === 0 || ui.state === 'running';
  if (ui.state !== 'running') $('start').textContent = done > 0 && done < total ? 'Resume' : 'Start sweep';
}

function showTip(td) {
  const tip = $('tip');
  tip.textContent = td.dataset.tip;
  tip.hidden = false;
  const box = td.getBoundingClientRect();
  const host = root.getBoundingClientRect();
  tip.style.left = `${box.left - host.left}px`;
  tip.style.top = `${box.bottom - host.top + 4}px`;
}

function hideTip() {
  $('tip').hidden = true;
}

function showProgress(p) {
  if (!ui.job) return;
  const done = countDone();
  const total = ui.spec.runs.length;
  // Runs of this job done, plus the running group's share; the rate so far gives the time left.
  const groupShare = p.groupSteps ? p.groupStep / p.groupSteps : 0;
  const jobRuns = ui.job.total;
  const groupSize = ui.job.groupSize ?? 0;
  const doneInJob = done - ui.job.doneAtStart + groupShare * Math.min(groupSize || jobRuns, jobRuns);
  const elapsed = (performance.now() - ui.job.started) / 1000;
  let eta = '';
  if (doneInJob > 0 && elapsed > 2) {
    const left = (elapsed / doneInJob) * (jobRuns - doneInJob);
    eta = left > 90 ? ` · about ${Math.round(left / 60)} min left` : ` · about ${Math.max(1, Math.round(left))} s left`;
  }
  $('progress').value = done + groupShare * Math.min(groupSize || jobRuns, total - done);
  $('counts').textContent = `${done} of ${total} runs done, ${total - done} left · group ${p.group + 1}/${p.groups}, step ${p.groupStep}/${p.groupSteps}${eta}`;
}

// ------------------------------------------------------------------ actions
async function start() {
  if (!(await applyQuery(formQuery(), { fromForm: true }))) return;
  const doneKeys = ui.spec.runs.map(([key]) => key).filter((key) => ui.records.has(key));
  if (doneKeys.length === ui.spec.runs.length) {
    setState('done', 'Every run of this sweep is already finished (clear the results to train again).');
    return;
  }
  ui.job = { started: performance.now(), doneAtStart: doneKeys.length, total: ui.spec.runs.length - doneKeys.length };
  setState('running', 'Loading the data in the sweep worker…');
  $('start').textContent = 'Running…';
  sessionStorage.setItem('sweep-running', '1');
  worker().postMessage({ type: 'start', query: ui.spec.query, doneKeys });
}

function cancel() {
  // The worker stops at once; every finished run is already in IndexedDB.
  stopWorker();
  ui.job = null;
  sessionStorage.removeItem('sweep-running');
  setState('cancelled', `Cancelled: ${countDone()} finished runs are kept; Resume trains the rest.`);
  render();
}

async function download(format) {
  try {
    const text = await call('export', { records: JSON.stringify(specRecords()), format });
    const blob = new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `sweep.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) {
    $('status').textContent = `Export failed: ${e.message}`;
  }
}

async function copyLink() {
  if (!(await applyQuery(formQuery(), { fromForm: true }))) return;
  const url = `${location.origin}${location.pathname}${HASH}${ui.spec.query}`;
  $('link').value = url;
  $('link').hidden = false;
  try {
    await navigator.clipboard.writeText(url);
    $('status').textContent = 'Sweep link copied: it opens these sweep settings.';
  } catch {
    $('link').select();
  }
}

async function clearResults() {
  const keys = ui.spec.runs.map(([key]) => key).filter((key) => ui.records.has(key));
  await deleteRuns(keys);
  for (const key of keys) ui.records.delete(key);
  setState('idle', `Cleared ${keys.length} runs of this sweep.`);
  render();
}

async function openCell(acts) {
  const run = ui.spec.runs.find(([, c]) => c.acts.join(',') === acts.join(','));
  if (!run) return;
  const link = await call('link', { config: JSON.stringify(run[1]) });
  // The page's own link loads the combination into the single-run view; the hash keeps the sweep.
  location.assign(`${location.pathname}?${link}${HASH}${ui.spec.query}`);
}

// ------------------------------------------------------------------ build
function build() {
  const select = (ref, options) => el('select', { dataset: { ref } }, ...options.map(([v, t]) => el('option', { value: v, textContent: t })));
  const acts = ui.acts.map((a) => [a, a]);
  const field = (label, control) => el('label', { className: 'sweep-field' }, el('span', { textContent: label }), control);
  root.classList.add('card', 'sweep');
  root.setAttribute('aria-labelledby', 'sweep-title');
  root.replaceChildren(
    el('h2', { id: 'sweep-title', textContent: 'The article\u2019s table, live' }),
    el('p', { className: 'sweep-intro', textContent: 'Train many activation combinations at once (stacked into one network per group, in a background worker). Each cell is the test accuracy, mean ± std over the seeds; hover for the runs, click to open one in the trainer above.' }),
    el('div', { className: 'sweep-settings' },
      field('Combinations', select('combos-mode', [['all', 'all 64'], ['row', 'one row'], ['column', 'one column'], ['set', 'a set']])),
      el('span', { dataset: { ref: 'row-inputs' }, className: 'sweep-inline' }, field('Act 1', select('row1', acts)), field('Act 2', select('row2', acts))),
      el('span', { dataset: { ref: 'column-inputs' }, className: 'sweep-inline' }, field('Act 3', select('column', acts))),
      el('span', { dataset: { ref: 'set-inputs' }, className: 'sweep-inline' }, field('Set', el('input', { type: 'text', placeholder: 'relu-sigmoid-relu,tanh-tanh-tanh', spellcheck: false, dataset: { ref: 'set' } }))),
      field('Seeds', el('input', { type: 'text', spellcheck: false, dataset: { ref: 'seeds' } })),
      field('Epochs', el('input', { type: 'text', inputMode: 'numeric', dataset: { ref: 'epochs' } })),
      field('BatchNorm', select('bn', [['none', 'none'], ['all', 'all layers'], ['last', 'last layer']])),
      field('Dataset', select('dataset', [['mnist-subset', 'MNIST subset (bundled)'], ['mnist', 'MNIST (served)'], ['fashion-mnist', 'Fashion-MNIST (served)'], ['cifar10', 'CIFAR-10 (served)']])),
      field('Backend', select('backend', [['cpu', 'CPU (wasm)'], ['gpu', 'WebGPU']])),
      field('At once (models)', el('input', { type: 'text', inputMode: 'numeric', dataset: { ref: 'parallel' } })),
    ),
    el('p', { className: 'sweep-errors', hidden: true, dataset: { ref: 'errors' }, role: 'alert' }),
    el('div', { className: 'sweep-actions' },
      el('button', { type: 'button', className: 'btn btn-primary', textContent: 'Start sweep', dataset: { ref: 'start' } }),
      el('button', { type: 'button', className: 'btn', textContent: 'Cancel', dataset: { ref: 'cancel' } }),
      el('button', { type: 'button', className: 'btn', textContent: 'Export CSV', dataset: { ref: 'export-csv' } }),
      el('button', { type: 'button', className: 'btn', textContent: 'Export JSON', dataset: { ref: 'export-json' } }),
      el('button', { type: 'button', className: 'btn', textContent: 'Copy sweep link', dataset: { ref: 'copy-link' } }),
      el('button', { type: 'button', className: 'btn', textContent: 'Clear results', dataset: { ref: 'clear' } }),
    ),
    el('input', { type: 'text', readOnly: true, hidden: true, className: 'sweep-link', dataset: { ref: 'link' } }),
    el('div', { className: 'sweep-progress' },
      el('progress', { dataset: { ref: 'progress' }, max: 1, value: 0 }),
      el('span', { dataset: { ref: 'counts' }, 'aria-live': 'polite' })),
    el('p', { className: 'sweep-status', dataset: { ref: 'status' }, 'aria-live': 'polite' }),
    el('div', { className: 'sweep-grid-wrap' }, el('table', { className: 'sweep-grid', dataset: { ref: 'grid' } })),
    el('div', { className: 'sweep-tip', hidden: true, dataset: { ref: 'tip' }, role: 'tooltip' }),
  );
  $('combos-mode').addEventListener('change', showModeInputs);
  for (const name of ['combos-mode', 'row1', 'row2', 'column', 'set', 'seeds', 'epochs', 'bn', 'dataset', 'backend', 'parallel']) {
    $(name).addEventListener('change', () => applyQuery(formQuery(), { fromForm: true }).catch(() => {}));
  }
  $('start').addEventListener('click', () => start().catch((e) => fail(e.message)));
  $('cancel').addEventListener('click', cancel);
  $('export-csv').addEventListener('click', () => download('csv'));
  $('export-json').addEventListener('click', () => download('json'));
  $('copy-link').addEventListener('click', () => copyLink().catch(() => {}));
  $('clear').addEventListener('click', () => clearResults().catch((e) => fail(e.message)));
}

async function main() {
  if (!root) return;
  root.dataset.state = 'loading';
  try {
    ui.acts = await call('activations');
    build();
    setState('loading', 'Loading stored runs…');
    const stored = await allRuns().catch((e) => {
      $('errors').textContent = `Stored runs could not be read (${e.message}); new results will not persist.`;
      $('errors').hidden = false;
      return [];
    });
    for (const { key, record } of stored) ui.records.set(key, record);
    const fromHash = location.hash.startsWith(HASH) ? location.hash.slice(HASH.length) : null;
    const query = fromHash ?? localStorage.getItem(SETTINGS_KEY) ?? 'combos=all&seeds=1,2,3&epochs=1&bn=none&dataset=mnist-subset&backend=cpu&parallel=64';
    await applyQuery(query, { fromForm: false });
    const resume = sessionStorage.getItem('sweep-running') === '1';
    setState('idle', countDone() ? `${countDone()} stored runs of this sweep loaded.` : 'Choose the settings and start the sweep.');
    if (resume && countDone() < ui.spec.runs.length) start().catch((e) => fail(e.message));
  } catch (e) {
    stopWorker();
    root.dataset.state = 'error';
    root.textContent = `The sweep section could not start: ${e.message}`;
  }
}

main();
