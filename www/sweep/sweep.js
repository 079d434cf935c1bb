// The sweep section: the article's 16 × 4 table as a live heat-map. Everything heavy happens in
// workers: a CPU sweep trains in a pool of sweep workers, one per core (pool.js; Rust plans how many
// and which runs each trains), a WebGPU sweep in the page's training worker (engine/worker.js,
// engine/sweep.js), which also parses settings, aggregates and exports. This file keeps the
// section's state (state.js), forwards clicks and events, and renders (grid.js) what the workers
// report; form.js reads and fills its form.
//
// Mount: <section id="sweep"></section> anywhere in the page, plus this module.
// A cell click (or tap, or Enter) pins its runs; opening one loads it into the single-run view
// through the page's ordinary link (?acts=…&bn=…&seed=…, put in the address bar without a
// reload), keeping the sweep's settings in the hash (#sweep?…); the page then says what it opened.
import { allRuns, deleteRuns } from './store.js';
import { build, el, fillGrid, COMBO_INPUTS } from './grid.js';
import { compile, watchEngine } from '../engine/host.js';
import { Pool } from './pool.js';
import { errorText } from '../state.js';
import { root, ui, $, call, specRecords, countDone } from './state.js';
import { formQuery, writeForm, showModeInputs } from './form.js';
import { HASH, cellSeeds, openCell, showSection } from './open.js';

/** @typedef {import('../engine/protocol.js').SweepEvent} SweepEvent */

const SETTINGS_KEY = 'sweep-settings';
const ARTICLE_KEY = 'sweep-article';

/** @param {string} state @param {string} [message] */
function setState(state, message) {
  ui.state = state;
  root.dataset.state = state;
  if (!$('start')) return; // not built yet
  const focused = document.activeElement; // before a disabled button drops it
  if (message != null) $('status').textContent = message;
  const busy = state === 'running' || state === 'cancelling';
  $('start').disabled = busy || state === 'loading';
  $('cancel').disabled = state !== 'running';
  for (const name of [...COMBO_INPUTS, ...ui.settingNames]) $(name).disabled = busy;
  // A button that has just been disabled (Start sweep, Cancel) hands the focus to the next action.
  if (focused instanceof HTMLButtonElement && focused.disabled && root.contains(focused))
    /** @type {HTMLElement | null} */ (root.querySelector('.sweep-actions button:not(:disabled)'))?.focus();
  if (!busy && ui.spec) {
    const done = countDone();
    $('start').textContent = done > 0 && done < ui.spec.runs.length ? 'Resume' : 'Start sweep';
  }
}

// ------------------------------------------------------------------ the engine (its events; requests: state.js)
watchEngine(
  (engine) => {
    ui.engine = engine;
    engine.onSweep = onSweepEvent;
    for (const resolve of ui.waiting.splice(0)) resolve(engine);
  },
  (reason) => {
    ui.engine = null;
    const why = reason.replace(/\.$/, '');
    // A CPU sweep's pool has workers of its own: it trains on, and the table fills in after a restart.
    if (ui.job?.pool)
      $('status').textContent =
        `The training engine stopped (${why}); the sweep trains on in its workers, and its table fills in once the engine is restarted above.`;
    else if (ui.job) fail(`the training engine stopped (${why}); restart it above, then Resume trains the rest`);
  },
);

/** A SweepEvent of the engine, or of a pool's worker (`worker`: its index). @param {SweepEvent & {worker?: number}} msg */
function onSweepEvent(msg) {
  const job = ui.job;
  if (!job || msg.jobId !== job.jobId) return;
  const w = msg.worker ?? 0;
  switch (msg.kind) {
    case 'started':
      job.groupsBy[w] = msg.groups;
      job.groups = Object.values(job.groupsBy).flat();
      $('status').textContent = job.pool
        ? `Training ${job.plan.runsLeft} runs in ${job.plan.workers} sweep worker(s) (${job.plan.why}), one model at a time in each, on ${msg.backendName}…`
        : `Training ${msg.groups.length} group(s) of ${Math.max(...msg.groups)} models at once on ${msg.backendName}…`;
      break;
    case 'progress':
      job.progress = msg;
      job.progressBy[w] = msg;
      showProgress();
      break;
    case 'finished':
      for (const { key, record } of msg.runs) ui.records.set(key, record);
      if (msg.worker != null) for (const { key } of msg.runs) ui.trainedBy.set(key, msg.worker);
      render();
      break;
    case 'done':
      if (msg.worker != null) break; // one worker of the pool: the pool says when all have ended
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

// ------------------------------------------------------------------ the pool (CPU sweeps)
/** Trains the job's runs left in a pool of sweep workers, as Rust plans it. @param {any} job @param {string[]} doneKeys */
async function startPool(job, doneKeys) {
  job.plan = JSON.parse(
    await call('sweepPool', {
      query: ui.spec.query,
      doneKeys,
      cores: navigator.hardwareConcurrency || 1,
      memory: /** @type {any} */ (navigator).deviceMemory ?? null,
    }),
  );
  const module = await compile();
  if (ui.job !== job) return; // cancelled meanwhile
  $('status').textContent = `Loading the data in ${job.plan.workers} sweep worker(s)…`;
  job.pool = new Pool({
    module,
    query: ui.spec.query,
    doneKeys,
    shards: job.plan.shards,
    onEvent: (event) => onSweepEvent({ ...event, jobId: job.jobId }),
    onCrash: (worker, reason, lost) => {
      if (ui.job !== job) return;
      $('status').textContent =
        `Sweep worker ${worker + 1} stopped (${reason.replace(/\.$/, '')})${lost ? '; the run it was training is lost' : ''}; ` +
        `${job.pool.active} other worker(s) go on, and Resume trains the rest afterwards.`;
    },
    onEnd: (crashed) => {
      if (ui.job !== job) return;
      if (!crashed.length) return onSweepEvent({ type: 'sweep', jobId: job.jobId, kind: 'done' });
      const which = crashed.map((c) => `worker ${c.worker + 1} (${c.reason.replace(/\.$/, '')})`).join(', ');
      const lost = crashed.filter((c) => c.lost).length;
      fail(
        `sweep ${which} stopped${lost ? `, losing only ${lost > 1 ? `the ${lost} runs` : 'the run'} in training` : ''}; the other workers finished theirs, and Resume trains the ${ui.spec.runs.length - countDone()} run(s) left`,
      );
    },
  });
}

/** @param {string} message */
function fail(message) {
  ui.job = null;
  sessionStorage.removeItem('sweep-running');
  setState('error', `The sweep stopped: ${message}. Finished runs are kept.`);
  render();
}

// ------------------------------------------------------------------ settings
/** Parses the form (or a link) in the worker; shows problems; returns whether it is valid. */
async function applyQuery(query, { fromForm }) {
  const spec = JSON.parse(await call('sweepSpec', { query }));
  if (spec.errors.length) {
    $('errors').textContent = spec.errors.join('; ');
    $('errors').hidden = false;
    if (fromForm) return false;
  } else {
    $('errors').hidden = true;
  }
  ui.spec = spec;
  if (!fromForm) writeForm(spec);
  localStorage.setItem(SETTINGS_KEY, spec.query);
  // Awaited: the section reads 'idle' (what a lesson or a test waits for) once its table is drawn.
  await render();
  return spec.errors.length === 0;
}

// ------------------------------------------------------------------ rendering
async function render() {
  if (!ui.spec) return;
  try {
    const layout = JSON.parse(
      await call('sweepGrid', {
        query: ui.spec.query,
        records: JSON.stringify(specRecords()),
        article: $('article-toggle').checked,
      }),
    );
    fillGrid(root, layout, {
      seeds: cellSeeds,
      open: (acts, seed) => {
        openCell(acts, seed).catch((e) => {
          $('status').textContent = `The run could not be opened: ${errorText(e)}`;
        });
      },
    });
    $('article-toggle').disabled = !layout.hasArticle;
    $('article-note').textContent = layout.articleNote;
  } catch (e) {
    $('errors').textContent = `The table could not be drawn: ${errorText(e)}`;
    $('errors').hidden = false;
  }
  const done = countDone();
  const total = ui.spec.runs.length;
  $('progress').max = total;
  $('progress').value = done;
  $('counts').textContent = `${done} of ${total} runs done, ${total - done} left`;
  for (const name of ['export-csv', 'export-json', 'clear']) $(name).disabled = done === 0 || ui.state === 'running';
  setState(ui.state); // the start button's label
}

/** Shows the job's progress: runs done, plus the share of each worker's (or the engine's) group in training. */
function showProgress() {
  const job = ui.job;
  if (!job) return;
  const done = countDone();
  const total = ui.spec.runs.length;
  let inFlight = 0;
  for (const [w, p] of Object.entries(job.progressBy)) {
    const size = job.groupsBy[w]?.[p.group] ?? 1;
    if (p.groupSteps && p.groupStep < p.groupSteps) inFlight += (p.groupStep / p.groupSteps) * size;
  }
  const jobRuns = job.total; // the rate so far gives the time left
  const doneInJob = Math.min(jobRuns, done - job.doneAtStart + inFlight);
  const elapsed = (performance.now() - job.started) / 1000;
  let eta = '';
  if (doneInJob > 0 && elapsed > 2) {
    const left = (elapsed / doneInJob) * (jobRuns - doneInJob);
    eta = left > 90 ? ` · about ${Math.round(left / 60)} min left` : ` · about ${Math.max(1, Math.round(left))} s left`;
  }
  $('progress').value = Math.min(total, done + inFlight);
  const p = job.progress;
  const where = job.pool
    ? `${job.pool.active} worker(s) training`
    : `group ${p.group + 1}/${p.groups}, step ${p.groupStep}/${p.groupSteps}`;
  $('counts').textContent = `${done} of ${total} runs done, ${total - done} left · ${where}${eta}`;
}

// ------------------------------------------------------------------ actions
async function start() {
  if (!ui.engine || ui.engine.dead) {
    setState('error', 'The training engine is not running: restart it above, then start the sweep.');
    return;
  }
  if (!(await applyQuery(await formQuery(), { fromForm: true }))) return;
  const doneKeys = ui.spec.runs
    .map((/** @type {any} */ [key]) => key)
    .filter((/** @type {string} */ key) => ui.records.has(key));
  if (doneKeys.length === ui.spec.runs.length) {
    setState('done', 'Every run of this sweep is already finished (clear the results to train again).');
    return;
  }
  const job = {
    jobId: ui.nextJobId++,
    started: performance.now(),
    doneAtStart: doneKeys.length,
    total: ui.spec.runs.length - doneKeys.length,
    groups: null,
    progress: null,
    progressBy: {},
    groupsBy: {},
    pool: null,
    plan: null,
  };
  ui.job = job;
  setState('running', 'Loading the data in the training worker…');
  $('start').textContent = 'Running…';
  sessionStorage.setItem('sweep-running', '1');
  if (Object.fromEntries(ui.spec.settings).backend === 'cpu') await startPool(job, doneKeys);
  else await call('sweepStart', { jobId: job.jobId, query: ui.spec.query, doneKeys });
}

async function cancel() {
  // The engine stops between two chunks, a pool's workers at once; every finished run is stored and reported before.
  setState('cancelling', 'Cancelling after the current chunk…');
  if (ui.job?.pool) ui.job.pool.cancel();
  else await call('sweepCancel').catch(() => {}); // a dead engine trains nothing either
  ui.job = null;
  sessionStorage.removeItem('sweep-running');
  setState('cancelled', `Cancelled: ${countDone()} finished runs are kept; Resume trains the rest.`);
  render();
}

async function download(format) {
  try {
    const text = await call('sweepExport', { records: JSON.stringify(specRecords()), format });
    const blob = new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: `${ui.spec.fileStem}.${format}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  } catch (e) {
    $('status').textContent = `Export failed: ${errorText(e)}`;
  }
}

async function copyLink() {
  if (!(await applyQuery(await formQuery(), { fromForm: true }))) return;
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

// ------------------------------------------------------------------ a lesson's live table (www/lesson.js)
/** The job a lesson's table step started: leaving the step cancels it (and no other). */
let lessonJobId = /** @type {number | null} */ (null);

/** Shows and trains the sweep of `query` (a lesson step's table), or cancels the step's job (`null`). */
async function showLessonTable(/** @type {string | null} */ query) {
  if (!root) return;
  if (query == null) {
    if (ui.job && ui.job.jobId === lessonJobId) await cancel();
    lessonJobId = null;
    return;
  }
  if (ui.job) {
    const wanted = JSON.parse(await call('sweepSpec', { query })).query;
    if (wanted === ui.spec?.query) {
      lessonJobId = ui.job.jobId; // already training this table
      return;
    }
    await cancel();
  }
  await applyQuery(query, { fromForm: false });
  if (!document.body.classList.contains('lecture')) showSection();
  await start();
  lessonJobId = ui.job?.jobId ?? null;
}

// ------------------------------------------------------------------ build
function wire() {
  $('combos-mode').addEventListener('change', showModeInputs);
  // Every edit is checked at once, so a message goes as soon as its field is fixed.
  let timer = /** @type {any} */ (null);
  const check = () =>
    formQuery()
      .then((query) => applyQuery(query, { fromForm: true }))
      .catch(() => {});
  for (const name of [...COMBO_INPUTS, ...ui.settingNames]) {
    $(name).addEventListener('change', check);
    $(name).addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(check, 300);
    });
  }
  $('start').addEventListener('click', () => start().catch((e) => fail(errorText(e))));
  $('cancel').addEventListener('click', () => {
    cancel();
  });
  $('export-csv').addEventListener('click', () => download('csv'));
  $('export-json').addEventListener('click', () => download('json'));
  $('copy-link').addEventListener('click', () => copyLink().catch(() => {}));
  $('clear').addEventListener('click', () => clearResults().catch((e) => fail(errorText(e))));
  $('article-toggle').checked = localStorage.getItem(ARTICLE_KEY) !== 'off';
  $('article-toggle').addEventListener('change', () => {
    localStorage.setItem(ARTICLE_KEY, $('article-toggle').checked ? 'on' : 'off');
    render();
  });
}

async function main() {
  if (!root) return;
  root.dataset.state = 'loading';
  try {
    const form = await call('sweepForm');
    ui.settingNames = form.settings.map((/** @type {{name: string}} */ x) => x.name);
    build(root, form);
    wire();
    setState('loading', 'Loading stored runs…');
    const stored = await allRuns().catch((e) => {
      $('errors').textContent = `Stored runs could not be read (${errorText(e)}); new results will not persist.`;
      $('errors').hidden = false;
      return [];
    });
    for (const { key, record } of stored) ui.records.set(key, record);
    const fromHash = location.hash.startsWith(HASH) ? location.hash.slice(HASH.length) : null;
    const query = fromHash ?? localStorage.getItem(SETTINGS_KEY) ?? form.defaultQuery;
    await applyQuery(query, { fromForm: false });
    const resume = sessionStorage.getItem('sweep-running') === '1';
    setState(
      'idle',
      countDone() ? `${countDone()} stored runs of this sweep loaded.` : 'Choose the settings and start the sweep.',
    );
    if (resume && countDone() < ui.spec.runs.length) start().catch((e) => fail(errorText(e)));
    // A sweep link (the hash alone) opens at the sweep, once the page above has its height.
    if (fromHash != null && !location.search) showSection();
  } catch (e) {
    root.dataset.state = 'error';
    root.textContent = `The sweep section could not start: ${errorText(e)}`;
  }
}

const loaded = main();
document.addEventListener('lesson-sweep', (event) => {
  const { query } = /** @type {CustomEvent} */ (event).detail;
  loaded.then(() => showLessonTable(query)).catch((e) => fail(errorText(e)));
});
