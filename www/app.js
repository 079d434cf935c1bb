// Activation playground: the page's controller.
//
// Everything of substance (config validation, data parsing, the model, training) lives in the
// Rust/wasm module (www/pkg/, built by scripts/build.sh). This file wires the form to it, runs
// the training loop in small chunks so the page stays responsive, and shows the progress.
//
// Rules: untrusted text (messages from wasm, share links) only ever goes in via textContent;
// every awaited wasm promise has a timeout so a hung call is reported instead of freezing.
//
// Modules: charts.js (the wasm-drawn charts, hover read-outs, PNG/CSV/JSON export),
// compare.js (the B side of an A/B comparison), lecture.js (lecture mode, keyboard shortcuts).

import * as charts from './charts.js';
import * as compare from './compare.js';
import * as form from './form.js';
import * as lecture from './lecture.js';

const ACTIVATIONS = [
  ['relu', 'ReLU'],
  ['sigmoid', 'Sigmoid'],
  ['tanh', 'Tanh'],
  ['selu', 'SELU'],
];
// The Data card (dataset picker, files, progress, what is loaded) lives in datasets.js.
import * as datasets from './datasets.js';

const PKG_URL = new URL('./pkg/activation_playground.js', import.meta.url);

// Time limits for awaited wasm calls. The first WebGPU step compiles shaders (seconds on a
// software adapter); anything beyond these limits is treated as hung and reported.
const TIMEOUT = {
  init: 180_000,
  gpuInit: 45_000,
  runCpu: 60_000,
  runGpu: 180_000,
};
const CPU_BUDGET_MS = 30; // per chunk: the page gets the main thread back at least this often
const GPU_MAX_STEPS = 8;  // per chunk; adapted between 1 and this from the measured chunk time
const GPU_TARGET_MS = 150;

const $ = (id) => document.getElementById(id);
const fmtInt = new Intl.NumberFormat('en-US');
const pct = (x) => (x == null || !Number.isFinite(x) ? '–' : `${(100 * x).toFixed(1)}%`);
const num = (x, digits = 4) => (x == null || !Number.isFinite(x) ? (x == null ? '–' : String(x)) : x.toFixed(digits));

// ------------------------------------------------------------------------------ app state
const app = {
  wasm: null,
  dataset: null,
  presets: [],
  gpu: { status: 'pending', adapter: null, reason: null, ready: null },
  run: null,          // the current run's context (see startRun)
  state: 'loading',   // loading | idle | running | paused | finished | stopped | diverged | error
  progress: null,     // the last Progress object
  lossLog: [],        // [{step, loss}] of the current run, one per chunk
  epochs: [],         // the current run's epoch records
  shareFlags: { lecture: false, autostart: false },
  progressB: null,    // the B side's last Progress (A/B comparison)
  lossLogB: [],
  speed: 0,           // steps per second cap; 0 = full speed
};

// Read-only view for the browser tests and for curious people in the console.
window.playground = {
  get state() { return app.state; },
  get progress() { return app.progress; },
  get lossLog() { return app.lossLog.slice(); },
  get epochs() { return app.epochs.slice(); },
  get gpu() { return { ...app.gpu, ready: undefined }; },
  get backendName() { return app.run?.backendName ?? null; },
  /** Loop timing of the current (or last) run: chunks, time inside trainer.run(), wall time. */
  get loopStats() {
    const r = app.run ?? app.lastRun;
    return r ? {
      chunks: r.chunks, activeMs: r.activeMs, maxChunkMs: r.maxChunkMs, wallMs: (r.endedAt ?? performance.now()) - r.startedAt,
      chartDrawMs: charts.charts.drawMs,
    } : null;
  },
  readConfig: () => readForm(),
  /** The B side of an A/B comparison. */
  get progressB() { return app.progressB; },
  get lossLogB() { return app.lossLogB.slice(); },
  get compare() { return compare.isOn(); },
  get lecture() { return lecture.isLecture(); },
  get speed() { return app.speed; },
  /** The layout JSON of each drawn chart (for hover), keyed by side and chart. */
  get chartLayouts() {
    const out = {};
    for (const side of charts.SIDES) out[side] = { ...charts.charts.sides[side].layouts };
    return out;
  },
  /** Diagnostics: milliseconds each chart takes to draw from the last run's history. */
  timeCharts() {
    const out = {};
    for (const chart of charts.CHARTS) {
      const t0 = performance.now();
      charts.drawChart('a', chart);
      out[chart.kind] = Math.round(performance.now() - t0);
    }
    return out;
  },
};

// ------------------------------------------------------------------------------ utilities
class TimeoutError extends Error {}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new TimeoutError(`${what} did not finish within ${Math.round(ms / 1000)} s (the call seems to hang)`)),
      ms,
    );
  });
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer));
}

function errorText(e) {
  if (e == null) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message || String(e);
  try { return JSON.stringify(e); } catch { return String(e); }
}

let lastPaint = 0;
const channel = new MessageChannel();
const channelWaiters = [];
channel.port1.onmessage = () => channelWaiters.shift()?.();

/** Lets the browser handle input and, at least every ~30 ms, paint. */
function yieldToBrowser() {
  const now = performance.now();
  if (now - lastPaint < 30 && document.visibilityState === 'visible') {
    return new Promise((resolve) => { channelWaiters.push(resolve); channel.port2.postMessage(0); });
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = () => { if (!done) { done = true; lastPaint = performance.now(); resolve(); } };
    // After the frame callback, go on in a new task so the frame is painted before the next chunk.
    requestAnimationFrame(() => { channelWaiters.push(finish); channel.port2.postMessage(0); });
    setTimeout(finish, 100); // hidden tabs get no animation frames
  });
}

// ------------------------------------------------------------------------------ banners
function showError(message) {
  $('error-text').textContent = message;
  $('error-banner').hidden = false;
}
function clearError() {
  $('error-banner').hidden = true;
  $('error-text').textContent = '';
}

function setState(state, text, tone) {
  app.state = state;
  document.body.dataset.state = state;
  const labels = {
    loading: 'Loading…', idle: 'Ready', running: 'Training', paused: 'Paused', finished: 'Finished',
    stopped: 'Stopped', diverged: 'Diverged', error: 'Error',
  };
  $('state-badge').textContent = labels[state] ?? state;
  if (text !== undefined) {
    const el = $('status-text');
    el.textContent = text;
    el.classList.toggle('is-bad', tone === 'bad');
    el.classList.toggle('is-good', tone === 'good');
  }
  const busy = state === 'running' || state === 'paused';
  $('settings-fields').disabled = busy || state === 'loading';
  $('start').hidden = busy;
  $('start').disabled = state === 'loading' || !app.dataset;
  $('start').textContent = state === 'idle' || state === 'loading' ? 'Start' : 'Start again';
  $('pause').hidden = state !== 'running';
  $('resume').hidden = state !== 'paused';
  $('stop').hidden = !busy;
  $('pause').disabled = false;
  $('stop').disabled = false;
  updateTransport();
}

/** The chart toolbar's play/pause, step and reset follow the state; its status line mirrors the run's. */
function updateTransport() {
  const state = app.state;
  const play = $('t-play');
  const canStart = !!app.dataset && state !== 'loading';
  play.textContent = state === 'running' ? '❚❚ Pause' : state === 'paused' ? '▶ Resume' : '▶ Play';
  play.classList.toggle('is-running', state === 'running');
  play.disabled = !canStart;
  $('t-step').disabled = !canStart;
  $('t-reset').disabled = !canStart;
  const status = $('status-text');
  const mirror = $('plots-status');
  mirror.textContent = status.textContent;
  mirror.className = `plots-status ${status.className.replace('status-text', '')}`.trim();
  // Ready and nothing drawn yet (page load): the charts' empty states, once the data is there.
  if (state === 'idle' && app.dataset && !app.run && !charts.trainerOf('a')) setTimeout(() => {
    if (app.state === 'idle' && !app.run && !charts.trainerOf('a')) drawEmptyCharts();
  }, 0);
}

// ------------------------------------------------------------------------------ the form
const FIELD_INPUT = {
  acts: 'act1', bn: 'bn', lr: 'lr', momentum: 'momentum', batch: 'batch', epochs: 'epochs',
  seed: 'seed', stats: 'stats', backend: 'backend-gpu',
};

function fillActivationSelects() {
  form.fillActivationSelects(['act1', 'act2', 'act3', ...compare.ACT_IDS], ACTIVATIONS);
}

function writeForm(config) {
  const acts = config.acts ?? [];
  ['act1', 'act2', 'act3'].forEach((id, i) => { if (acts[i]) $(id).value = acts[i]; });
  if (config.batch_norm) $('bn').value = config.batch_norm;
  if (config.lr != null) $('lr').value = String(config.lr);
  if (config.momentum != null) $('momentum').value = String(config.momentum);
  if (config.batch_size != null) $('batch').value = String(config.batch_size);
  if (config.epochs != null) $('epochs').value = String(config.epochs);
  if (config.seed != null) $('seed').value = String(config.seed);
  if (config.stats_every != null) $('stats').value = String(config.stats_every);
  if (config.backend) {
    const wanted = config.backend === 'gpu' && app.gpu.status === 'unavailable' ? 'cpu' : config.backend;
    $(`backend-${wanted}`).checked = true;
  }
  updateNetworkDiagram();
}

function parseWhole(text) {
  const t = text.trim();
  if (!/^\+?\d+$/.test(t)) return null;
  return t.replace(/^\+/, '').replace(/^0+(?=\d)/, '');
}

const MAX_SEED = 9007199254740991n; // 2^53 − 1

/**
 * Reads the form into a Config. Returns {config, json, errors}; `errors` holds the problems
 * the browser can see itself (not a number, …); the rest is up to validateConfig.
 */
function readForm() {
  const base = app.wasm ? JSON.parse(app.wasm.defaultConfig()) : {};
  const errors = [];
  const config = { ...base };
  config.dataset = datasets.currentKind();
  config.acts = ['act1', 'act2', 'act3'].map((id) => $(id).value);
  config.batch_norm = $('bn').value;
  config.backend = $('backend-cpu').checked ? 'cpu' : 'gpu';

  const decimal = (id, field, key, example) => {
    const v = form.parseDecimal($(id).value);
    if (v === null) errors.push({ field, message: `enter a number, e.g. ${example}` });
    else config[key] = v;
  };
  decimal('lr', 'lr', 'lr', '0.01');
  decimal('momentum', 'momentum', 'momentum', '0.5');

  const whole = (id, field, key, example, max = Number.MAX_SAFE_INTEGER) => {
    const v = parseWhole($(id).value);
    if (v === null) errors.push({ field, message: `enter a whole number, e.g. ${example}` });
    else if (BigInt(v) > BigInt(max)) errors.push({ field, message: `must be at most ${fmtInt.format(max)}` });
    else config[key] = Number(v);
  };
  whole('batch', 'batch', 'batch_size', '32');
  whole('epochs', 'epochs', 'epochs', '10');
  whole('stats', 'stats', 'stats_every', '50');

  // Seeds stop at 2^53 − 1 (the Rust side checks the same), so JSON numbers keep every digit.
  const seed = parseWhole($('seed').value);
  if (seed === null) errors.push({ field: 'seed', message: 'enter a whole number ≥ 0, e.g. 1' });
  else if (BigInt(seed) > MAX_SEED) errors.push({ field: 'seed', message: `must be at most ${fmtInt.format(MAX_SEED)}` });
  else config.seed = Number(seed);

  const json = JSON.stringify(config);
  return { config, json, errors };
}

function clearFieldErrors() {
  for (const el of document.querySelectorAll('.field-error')) el.textContent = '';
  for (const el of document.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

function showFieldErrors(errors) {
  clearFieldErrors();
  for (const { field, message } of errors) {
    const target = $(`err-${field}`) ?? $('err-config');
    const text = target.id === 'err-config' && field !== 'config' ? `${field}: ${message}` : message;
    target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
    const input = FIELD_INPUT[field];
    if (input) $(input).setAttribute('aria-invalid', 'true');
    if (field === 'acts') for (const id of ['act2', 'act3']) $(id).setAttribute('aria-invalid', 'true');
  }
}

/** Validates the form (in the browser, then with the wasm rules). Returns {json, config} or null. */
function validateForm() {
  const { config, json, errors } = readForm();
  let all = errors;
  if (app.wasm) {
    const wasmErrors = JSON.parse(app.wasm.validateConfig(json));
    // A field the browser already complained about is not reported twice.
    const seen = new Set(errors.map((e) => e.field));
    all = errors.concat(wasmErrors.filter((e) => !seen.has(e.field) && !(e.field === 'config' && errors.length)));
  }
  showFieldErrors(all);
  // The B side of a comparison: its own fields, checked by the same wasm rules.
  let b = null;
  let bErrors = [];
  if (compare.isOn()) {
    const read = compare.read(json, app.wasm ? (j) => app.wasm.validateConfig(j) : null);
    bErrors = all.length ? read.errors.filter((e) => ['b.acts', 'b.bn', 'b.lr'].includes(e.field)) : read.errors;
    b = { config: read.config, json: read.json };
  }
  compare.showErrors(bErrors);
  updateCombo();
  return all.length || bErrors.length ? null : { config, json, b };
}

/** The combination being trained, in words: the chart toolbar's title (big in lecture mode). */
function updateCombo() {
  const { config } = readForm();
  const a = compare.describe(config);
  const el = $('combo');
  el.textContent = '';
  if (compare.isOn()) {
    const read = compare.read(JSON.stringify({ ...config, seed: 0 }));
    const tagA = document.createElement('b');
    tagA.className = 'ab-tag ab-a';
    tagA.textContent = 'A';
    const tagB = document.createElement('b');
    tagB.className = 'ab-tag ab-b';
    tagB.textContent = 'B';
    const vs = document.createElement('span');
    vs.className = 'combo-vs';
    vs.textContent = 'vs';
    const bText = compare.describe(read.config);
    el.append(tagA, ` ${compare.describe(config, true)} `, vs, ' ', tagB, ` ${compare.describe(read.config, true)}`);
    $('ab-head-a').querySelector('span').textContent = `${a} · lr ${config.lr}`;
    $('ab-head-b').querySelector('span').textContent = `${bText} · lr ${read.config.lr}`;
    $('ab-row-a').querySelector('.ab-name').textContent = a;
    $('ab-row-b').querySelector('.ab-name').textContent = bText;
  } else {
    el.textContent = a;
  }
}

function updateNetworkDiagram() {
  const bn = $('bn').value;
  for (const chip of document.querySelectorAll('.net-bn')) {
    const layer = Number(chip.dataset.layer);
    chip.hidden = !(bn === 'all' || (bn === 'last' && layer === 2));
  }
  updatePresetSelection();
}

// ------------------------------------------------------------------------------ presets
function renderPresets() {
  const box = $('presets');
  box.textContent = '';
  if (!app.presets.length) { box.hidden = true; return; }
  const label = document.createElement('label');
  label.className = 'preset-label';
  label.htmlFor = 'preset';
  label.textContent = 'Preset';
  const select = document.createElement('select');
  select.id = 'preset';
  const custom = document.createElement('option');
  custom.value = '';
  custom.textContent = 'Custom settings';
  select.append(custom);
  for (const p of app.presets) {
    const option = document.createElement('option');
    option.value = p.name;
    option.textContent = p.title ?? p.name;
    select.append(option);
  }
  const description = document.createElement('p');
  description.id = 'preset-description';
  description.className = 'preset-description';
  select.addEventListener('change', () => {
    const p = app.presets.find((x) => x.name === select.value);
    if (p) {
      const backend = $('backend-cpu').checked ? 'cpu' : 'gpu';
      // A preset sets the experiment, not the machine: keep the chosen backend.
      writeForm({ ...p.config, backend });
      validateForm();
    }
    updatePresetSelection();
  });
  box.append(label, select, description);
}

function presetMatches(p, config) {
  const c = p.config;
  return c.acts.join() === config.acts.join() && c.batch_norm === config.batch_norm && c.lr === config.lr
    && c.momentum === config.momentum && c.batch_size === config.batch_size;
}

function updatePresetSelection() {
  const select = $('preset');
  if (!select) return;
  const { config } = readForm();
  const current = app.presets.find((p) => p.name === select.value);
  const match = current && presetMatches(current, config) ? current : app.presets.find((p) => presetMatches(p, config));
  select.value = match ? match.name : '';
  $('preset-description').textContent = match ? match.description ?? '' : '';
  // The preset's title beside the charts (what the lecturer is showing); A's only when comparing.
  const note = $('combo-note');
  if (note) note.textContent = match ? `Preset: ${match.title}${compare.isOn() ? ' (A)' : ''}` : '';
}

// ------------------------------------------------------------------------------ share links
/**
 * Applies the page's link (?acts=…&compare=1&b.acts=…&lecture=1&autostart=1&preset=…). One
 * validation path: the wasm parseShareQuery. Each problem is named in a notice; every other
 * setting still applies. Nothing from the link is ever inserted as markup.
 */
function applyShareQuery() {
  const query = location.search.replace(/^\?/, '');
  if (!query || typeof app.wasm.parseShareQuery !== 'function') return;
  let view;
  let raw;
  try {
    raw = app.wasm.parseShareQuery(query);
    view = JSON.parse(raw);
  } catch (e) {
    showLinkNotice([{ field: 'link', message: `could not be read (${errorText(e)})` }]);
    return;
  }
  if (view.config) {
    writeForm(view.config);
  }
  if (view.preset && $('preset')) { $('preset').value = view.preset; updatePresetSelection(); }
  app.shareFlags.lecture = !!view.lecture;
  app.shareFlags.autostart = !!view.autostart;
  const problems = [...(view.errors ?? [])];
  if (view.compare) {
    compare.setOn(true);
    compare.write(view.compare);
    problems.push(...compare.ignoredLinkFields(view.config ?? {}, view.compare));
  }
  if (app.shareFlags.lecture) setLecture(true);
  validateForm();
  showLinkNotice(problems);
}

function showLinkNotice(problems) {
  const el = $('link-notice');
  el.textContent = '';
  el.hidden = !problems.length;
  if (!problems.length) return;
  const head = document.createElement('strong');
  head.textContent = problems.length === 1
    ? 'One setting in this link was not used'
    : `${problems.length} settings in this link were not used`;
  const rest = document.createElement('span');
  rest.textContent = ' (they keep their preset or default values); everything else was applied:';
  const list = document.createElement('ul');
  list.className = 'link-problems';
  for (const { field, message } of problems) {
    const li = document.createElement('li');
    const name = document.createElement('code');
    name.textContent = String(field);
    li.append(name, `: ${message}`);
    list.append(li);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'banner-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => { el.hidden = true; });
  el.append(close, head, rest, list);
}

/** The query for the current settings (A, B when comparing, page flags), or null if invalid. */
function shareQueryNow({ lecture: lectureFlag = lecture.isLecture(), autostart = false } = {}, form = validateForm()) {
  if (!form || typeof app.wasm?.shareQuery !== 'function') return null;
  try {
    return app.wasm.shareQuery(form.json, form.b?.json ?? undefined, lectureFlag, autostart);
  } catch (e) {
    console.warn('shareQuery:', e);
    return null;
  }
}

function shareOptions() {
  return { lecture: $('share-lecture').checked, autostart: $('share-autostart').checked };
}

async function copyShareLink() {
  const box = $('share-box');
  if (box.hidden) $('share-lecture').checked = lecture.isLecture();
  const query = shareQueryNow(shareOptions());
  if (query == null) {
    $('share-status').textContent = 'Fix the highlighted settings first: a link carries valid settings only.';
    return;
  }
  const url = `${location.origin}${location.pathname}?${query}`;
  syncUrl();
  box.hidden = false;
  $('share-url').value = url;
  try {
    await navigator.clipboard.writeText(url);
    $('share-status').textContent = 'Link copied to the clipboard: it opens exactly these settings.';
  } catch {
    $('share-status').textContent = 'Copy the link below (the browser did not allow copying).';
    $('share-url').select();
  }
}

/** Keeps the address bar (and an open share box) on the current settings: a reload restores them. */
function syncUrl() {
  const form = validateForm();
  const query = shareQueryNow({}, form);
  if (query == null) return;
  if (location.search.replace(/^\?/, '') !== query) history.replaceState(null, '', `?${query}`);
  if (!$('share-box').hidden) {
    const full = shareQueryNow(shareOptions(), form);
    if (full != null) $('share-url').value = `${location.origin}${location.pathname}?${full}`;
  }
}

let syncTimer = null;
function syncUrlSoon() {
  clearTimeout(syncTimer);
  syncTimer = setTimeout(() => { if (app.wasm && app.state !== 'loading') syncUrl(); }, 350);
}

// ------------------------------------------------------------------------------ progress display
function resetRunDisplay() {
  app.progress = null;
  app.lossLog = [];
  app.epochs = [];
  $('stat-loss').textContent = '–';
  $('stat-train-acc').textContent = '–';
  $('stat-test-acc').textContent = '–';
  $('stat-speed').textContent = '–';
  $('stat-samples').textContent = '';
  $('progress-epoch').textContent = 'Epoch – / –';
  $('progress-step').textContent = 'step – / –';
  setProgressFill(0, 0);
  renderEpochRows([]);
  app.progressB = null;
  app.lossLogB = [];
  for (const side of ['a', 'b']) {
    for (const cls of ['ab-step', 'ab-loss', 'ab-train', 'ab-test']) $(`ab-row-${side}`).querySelector(`.${cls}`).textContent = '–';
  }
  drawSparkline();
  updateReadout();
}

function setProgressFill(total, inEpoch) {
  $('progress-fill').style.width = `${(100 * total).toFixed(2)}%`;
  $('progress-epoch-fill').style.width = `${(100 * inEpoch).toFixed(2)}%`;
  $('progress').setAttribute('aria-valuenow', String(Math.round(100 * total)));
}

function showProgress(p, run) {
  app.progress = p;
  // At an epoch boundary (stepInEpoch 0 after some steps) show the epoch just completed as full.
  const atBoundary = p.step > 0 && p.stepInEpoch === 0;
  const currentEpoch = atBoundary ? Math.max(1, p.epoch) : Math.min(p.epoch + 1, p.epochs);
  const batchInEpoch = atBoundary ? p.stepsPerEpoch : p.stepInEpoch;
  $('progress-epoch').textContent = `Epoch ${currentEpoch} / ${p.epochs}`;
  $('progress-step').textContent =
    `step ${fmtInt.format(p.step)} / ${fmtInt.format(p.totalSteps)} · batch ${fmtInt.format(batchInEpoch)} / ${fmtInt.format(p.stepsPerEpoch)} of this epoch`;
  setProgressFill(p.totalSteps ? p.step / p.totalSteps : 0, p.stepsPerEpoch ? batchInEpoch / p.stepsPerEpoch : 0);
  if (p.trainLoss != null) $('stat-loss').textContent = num(p.trainLoss);
  else if (p.state === 'diverged') $('stat-loss').textContent = 'NaN';
  if (p.trainAcc != null) $('stat-train-acc').textContent = pct(p.trainAcc);
  if (p.testAcc != null) $('stat-test-acc').textContent = pct(p.testAcc);

  // Speed: steps over the last ~2 s of wall-clock time (pauses excluded).
  const now = performance.now();
  run.speedSamples.push([now, p.step]);
  while (run.speedSamples.length > 2 && now - run.speedSamples[1][0] > 2000) run.speedSamples.shift();
  const [t0, s0] = run.speedSamples[0];
  if (now - t0 > 200 && p.step > s0) {
    const stepsPerSec = ((p.step - s0) * 1000) / (now - t0);
    $('stat-speed').textContent = stepsPerSec >= 10 ? stepsPerSec.toFixed(0) : stepsPerSec.toFixed(2);
    $('stat-samples').textContent = `${fmtInt.format(Math.round(stepsPerSec * run.config.batch_size))} samples / s`;
  }

  if (p.trainLoss != null) {
    app.lossLog.push({ step: p.step, loss: p.trainLoss });
    drawSparkline();
  }
  showAbRow('a', p);
  updateReadout();
}

/** The B side's progress: its row of the A/B table and its sparkline. */
function showProgressB(p) {
  app.progressB = p;
  if (p.trainLoss != null) app.lossLogB.push({ step: p.step, loss: p.trainLoss });
  showAbRow('b', p);
  drawSparkline();
  updateReadout();
}

function showAbRow(side, p) {
  const row = $(`ab-row-${side}`);
  row.querySelector('.ab-step').textContent = `${fmtInt.format(p.step)} / ${fmtInt.format(p.totalSteps)}`;
  const loss = p.trainLoss != null ? num(p.trainLoss) : p.state === 'diverged' ? 'NaN' : null;
  if (loss != null) row.querySelector('.ab-loss').textContent = loss;
  if (p.trainAcc != null) row.querySelector('.ab-train').textContent = pct(p.trainAcc);
  if (p.testAcc != null) row.querySelector('.ab-test').textContent = pct(p.testAcc);
  row.classList.toggle('is-bad', p.state === 'diverged');
}

/** The live numbers beside the charts (large in lecture mode). */
function updateReadout() {
  const a = app.progress;
  const b = compare.isOn() ? app.progressB : null;
  const epochNow = (p) => (p.step > 0 && p.stepInEpoch === 0 ? Math.max(1, p.epoch) : Math.min(p.epoch + 1, p.epochs));
  const loss = (p) => (p?.trainLoss != null ? num(p.trainLoss, 3) : p?.state === 'diverged' ? 'NaN' : '–');
  const items = [
    ['step', 'Step', a ? `${fmtInt.format(a.step)} / ${fmtInt.format(a.totalSteps)}` : '–'],
    ['epoch', 'Epoch', a ? `${epochNow(a)} / ${a.epochs}` : '–'],
  ];
  if (b) {
    items.push(['loss', 'Loss A · B', `${loss(a)} · ${loss(b)}`]);
    items.push(['test', 'Test acc A · B', `${pct(a?.testAcc)} · ${pct(b.testAcc)}`]);
  } else {
    items.push(['loss', 'Train loss', loss(a)]);
    items.push(['test', 'Test acc', pct(a?.testAcc)]);
  }
  const el = $('readout');
  el.textContent = '';
  for (const [key, label, value] of items) {
    const div = document.createElement('div');
    div.dataset.key = key;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dt, dd);
    el.append(div);
  }
}

function epochField(record, ...names) {
  for (const n of names) if (record[n] != null) return record[n];
  return null;
}

function renderEpochRows(epochs) {
  const body = $('epoch-rows');
  body.textContent = '';
  if (!epochs.length) {
    const tr = document.createElement('tr');
    tr.className = 'empty';
    const td = document.createElement('td');
    td.colSpan = 5;
    td.textContent = 'No epoch finished yet.';
    tr.append(td);
    body.append(tr);
    return;
  }
  let best = -1;
  epochs.forEach((e, i) => {
    if (best < 0 || (epochField(e, 'testAccuracy', 'testAcc') ?? -1) > (epochField(epochs[best], 'testAccuracy', 'testAcc') ?? -1)) best = i;
  });
  epochs.forEach((e, i) => {
    const tr = document.createElement('tr');
    if (i === best && epochs.length > 1) tr.className = 'best';
    const cells = [
      String(e.epoch),
      num(epochField(e, 'trainLoss')),
      pct(epochField(e, 'trainAccuracy', 'trainAcc')),
      num(epochField(e, 'testLoss')),
      pct(epochField(e, 'testAccuracy', 'testAcc')),
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  });
}

function refreshHistory(run) {
  try {
    const history = JSON.parse(run.trainer.historyJson());
    app.epochs = history.epochs ?? [];
    renderEpochRows(app.epochs);
  } catch (e) {
    console.warn('historyJson failed:', e);
  }
  charts.tick({ force: true });
}

// ------------------------------------------------------------------------------ charts
// charts.js draws them (in wasm) from the trainers' histories, between chunks, at a bounded
// rate; it also adds the hover read-outs and the PNG / CSV / JSON export.

/** What a side is training, for file names: its combination and its current step. */
charts.charts.describe = (side) => {
  const trainerConfig = side === 'b' ? app.run?.b?.config ?? app.lastRun?.b?.config : app.run?.config ?? app.lastRun?.config;
  const config = trainerConfig ?? readForm().config;
  const p = side === 'b' ? app.progressB : app.progress;
  return { label: compare.fileLabel(config), step: p?.step ?? 0 };
};
charts.charts.currentStep = () => `${app.progress?.step ?? 0}/${app.progressB?.step ?? 0}`;

/**
 * Before any run (and after a reset): the charts' empty states, drawn by wasm from a fresh
 * CPU trainer of the current settings (cheap: nothing is trained).
 */
function drawEmptyCharts() {
  if (!app.wasm || !app.dataset) { charts.clearCanvases(); return; }
  const form = validateForm();
  const make = (json) => new app.wasm.Trainer(json.replace(/"backend":"gpu"/, '"backend":"cpu"'), app.dataset);
  try {
    if (!form) throw new Error('invalid settings');
    charts.setTrainer('a', make(form.json));
    charts.setTrainer('b', form.b ? make(form.b.json) : null);
  } catch {
    charts.setTrainer('a', null);
    charts.setTrainer('b', null);
    charts.clearCanvases();
    return;
  }
  charts.charts.compare = !!form.b;
  charts.resetSchedule();
  charts.drawAllSoon();
}

let chartResizeTimer = null;
function redrawChartsSoon() {
  clearTimeout(chartResizeTimer);
  chartResizeTimer = setTimeout(() => {
    // While a run is going its loop redraws (a new cycle at once); otherwise redraw everything.
    if (app.run && !app.run.paused) charts.invalidate();
    else charts.drawAllSoon();
  }, 150);
}

function drawSparkline() {
  const canvas = $('loss-sparkline');
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const points = app.lossLog.filter((p) => Number.isFinite(p.loss));
  // With an A/B comparison, B's loss on the same axes (orange), A's in blue.
  const pointsB = compare.isOn() ? app.lossLogB.filter((p) => Number.isFinite(p.loss)) : [];
  if (points.length < 2 && pointsB.length < 2) return;
  const pad = 6 * dpr;
  const both = points.concat(pointsB);
  const maxStep = Math.max(...both.map((p) => p.step));
  const minStep = Math.min(...both.map((p) => p.step));
  let lo = Infinity, hi = -Infinity;
  for (const p of both) { lo = Math.min(lo, p.loss); hi = Math.max(hi, p.loss); }
  const chance = Math.log(10);
  lo = Math.min(lo, 0);
  hi = Math.max(hi, chance * 1.2);
  const x = (s) => pad + ((s - minStep) / Math.max(1, maxStep - minStep)) * (w - 2 * pad);
  const y = (v) => h - pad - ((v - lo) / Math.max(1e-9, hi - lo)) * (h - 2 * pad);
  // "Guessing" line: the loss of a uniform prediction over 10 classes.
  ctx.strokeStyle = '#cbd5e1';
  ctx.setLineDash([4 * dpr, 4 * dpr]);
  ctx.lineWidth = dpr;
  ctx.beginPath();
  ctx.moveTo(pad, y(chance));
  ctx.lineTo(w - pad, y(chance));
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#94a3b8';
  ctx.font = `${11 * dpr}px system-ui, sans-serif`;
  const label = 'ln 10: guessing';
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  const below = y(chance) + 3 * dpr;
  if (below + 12 * dpr < h) ctx.fillText(label, w - pad - 2 * dpr, below);
  else { ctx.textBaseline = 'bottom'; ctx.fillText(label, w - pad - 2 * dpr, y(chance) - 3 * dpr); }
  // The loss itself.
  ctx.strokeStyle = app.state === 'diverged' ? '#b91c1c' : '#2563eb';
  ctx.lineWidth = 2 * dpr;
  ctx.lineJoin = 'round';
  const trace = (list) => {
    ctx.beginPath();
    list.forEach((p, i) => (i ? ctx.lineTo(x(p.step), y(p.loss)) : ctx.moveTo(x(p.step), y(p.loss))));
    ctx.stroke();
  };
  if (pointsB.length > 1) {
    ctx.strokeStyle = '#d55e00';
    trace(pointsB);
    ctx.strokeStyle = app.state === 'diverged' ? '#b91c1c' : '#2563eb';
  }
  trace(points);
  if (pointsB.length) {
    ctx.font = `600 ${11 * dpr}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#2563eb';
    ctx.fillText('A', pad + 2 * dpr, pad);
    ctx.fillStyle = '#d55e00';
    ctx.fillText('B', pad + 16 * dpr, pad);
  }
}

// ------------------------------------------------------------------------------ training
/**
 * Starts a run of the form's settings and, with an A/B comparison on, B's beside it.
 * `paused`: start paused; `steps`: then train that many single batches (→ before any run).
 */
async function startRun({ paused = false, steps = 0 } = {}) {
  clearError();
  $('share-status').textContent = '';
  const form = validateForm();
  if (!form) {
    updatePresetSelection();
    $('status-text').textContent = 'Fix the highlighted settings first.';
    updateTransport();
    return;
  }
  const { config, json } = form;

  if (config.backend === 'gpu') {
    setState('loading', 'Starting WebGPU…');
    await app.gpu.ready;
    if (app.gpu.status !== 'ready') {
      // The notice is already up; switch to the CPU and go on.
      $('backend-cpu').checked = true;
      return startRun({ paused, steps });
    }
  }

  let trainer = null;
  let trainerB = null;
  try {
    trainer = new app.wasm.Trainer(json, app.dataset);
    if (form.b) trainerB = new app.wasm.Trainer(form.b.json, app.dataset);
  } catch (e) {
    try { trainer?.free(); } catch { /* nothing to free */ }
    setState('idle', 'Training could not start.', 'bad');
    showError(`Could not start training: ${errorText(e)}`);
    return;
  }

  // The charts draw from the new trainers from now on (the previous ones are freed).
  charts.setTrainer('a', trainer);
  charts.setTrainer('b', trainerB);
  charts.charts.compare = !!trainerB;
  charts.resetSchedule();
  resetRunDisplay();
  const run = {
    trainer,
    config,
    // The B side: trained in lockstep with A (same step), on the same data order and seed.
    b: trainerB ? { trainer: trainerB, config: form.b.config, progress: null, done: false, outcome: null } : null,
    done: false,       // A has finished or diverged
    outcome: null,     // A's final state
    backend: config.backend,
    backendName: backendLabel(trainer.backendName),
    paused,
    stepRequests: steps, // single batches asked for while paused (→)
    stopRequested: false,
    wake: null,          // resolves the pause
    onEnd: null,         // called once the run has ended (reset)
    speedSamples: [],
    pace: null,
    startedAt: performance.now(),
    activeMs: 0,   // time spent inside trainer.run()
    pausedMs: 0,
    chunks: 0,
    maxChunkMs: 0,
  };
  app.run = run;
  $('backend-name').textContent = run.backendName;
  syncUrl();
  charts.drawAll(); // the empty states of the new run, at once
  setState(paused ? 'paused' : 'running', paused ? pausedText() : runningText(run, true));
  try {
    await trainLoop(run);
  } catch (e) {
    finishRun(run, 'error', e);
  }
}

function runningText(run, starting = false) {
  const where = run.backend === 'gpu'
    ? (starting ? 'Training on WebGPU. The first step compiles the GPU shaders and can take a few seconds…' : 'Training on WebGPU…')
    : 'Training on the CPU…';
  const ab = run.b ? ' A and B side by side, batch by batch.' : '';
  const slow = app.speed > 0 ? ` Slow motion: at most ${app.speed} step${app.speed === 1 ? '' : 's'} per second.` : '';
  return `${where}${ab}${slow}`;
}

function pausedText() {
  return `Paused at step ${fmtInt.format(app.progress?.step ?? 0)}. Resume, stop, or train one batch at a time (→).`;
}

/** The step of the side that sets the pace: A, or B once A has ended. */
function leadStep(run) {
  return run.done && run.b ? run.b.progress?.step ?? 0 : app.progress?.step ?? 0;
}

function resetPace(run) {
  if (run) run.pace = { t0: performance.now(), step0: leadStep(run) };
}

/** Steps allowed now under the speed cap (slow motion). */
function paceAllowance(run) {
  if (!run.pace) resetPace(run);
  const due = Math.floor(((performance.now() - run.pace.t0) * app.speed) / 1000) + 1;
  return due - (leadStep(run) - run.pace.step0);
}

/** Waits for the next step's turn; the spare time draws the charts of the latest step. */
async function waitForPace(run) {
  if (charts.hasPending()) {
    charts.tick({ slow: true });
    await yieldToBrowser();
    return;
  }
  const next = run.pace.t0 + ((leadStep(run) - run.pace.step0) * 1000) / app.speed;
  await new Promise((resolve) => setTimeout(resolve, Math.max(4, Math.min(100, next - performance.now()))));
}

/** One chunk: A, then B up to A's step (or on its own once A has ended). */
async function advance(run, want, budget, gpu) {
  const limit = gpu ? TIMEOUT.runGpu : TIMEOUT.runCpu;
  const aWasDone = run.done;
  if (!run.done) {
    const p = JSON.parse(await withTimeout(run.trainer.run(want, budget), limit, 'A training step'));
    showProgress(p, run);
    if (p.state === 'finished' || p.state === 'diverged') {
      run.done = true;
      run.outcome = p.state;
      resetPace(run);
    }
  }
  const b = run.b;
  if (b && !b.done) {
    const n = aWasDone ? want : (app.progress?.step ?? 0) - (b.progress?.step ?? 0);
    if (n > 0) {
      const pb = JSON.parse(await withTimeout(b.trainer.run(n, aWasDone ? budget : Math.max(budget, 60_000)), limit, 'B training step'));
      b.progress = pb;
      showProgressB(pb);
      if (pb.state === 'finished' || pb.state === 'diverged') {
        b.done = true;
        b.outcome = pb.state;
      }
    }
  }
}

async function trainLoop(run) {
  const gpu = run.backend === 'gpu';
  // CPU: the wasm side stops a chunk once the time budget is spent (after a whole step).
  // GPU: steps are queued and only the read-back waits, so the step count alone sets the chunk.
  let steps = gpu ? 1 : 10_000;
  const budget = gpu ? 60_000 : CPU_BUDGET_MS;
  let firstChunk = true;
  for (;;) {
    if (run.stopRequested) return finishRun(run, 'stopped');
    if (run.paused && run.stepRequests <= 0) {
      setState('paused', pausedText());
      const pausedAt = performance.now();
      await new Promise((resolve) => { run.wake = resolve; });
      run.wake = null;
      run.pausedMs += performance.now() - pausedAt;
      run.speedSamples = [];
      resetPace(run);
      if (run.stopRequested) return finishRun(run, 'stopped');
      if (!run.paused) setState('running', runningText(run));
      continue;
    }
    // Paused with a step asked for: exactly one batch (per side), then paused again.
    const single = run.paused;
    let want = single ? 1 : steps;
    if (single) run.stepRequests -= 1;
    else if (app.speed > 0) {
      const allowed = paceAllowance(run);
      if (allowed <= 0) {
        await waitForPace(run);
        continue;
      }
      want = Math.min(want, allowed);
    }
    const epochBefore = app.progress?.epoch ?? 0;
    const t0 = performance.now();
    await advance(run, want, single ? Math.max(budget, 60_000) : budget, gpu);
    const elapsed = performance.now() - t0;
    run.activeMs += elapsed;
    run.chunks += 1;
    run.maxChunkMs = Math.max(run.maxChunkMs, elapsed);
    if (firstChunk) {
      firstChunk = false;
      if (app.state === 'running') setState('running', runningText(run));
    }
    const ended = run.done && (!run.b || run.b.done);
    if (single) {
      // Time is plentiful while paused: every chart shows this very step.
      refreshHistory(run);
      charts.drawAllSoon();
      if (!ended) setState('paused', pausedText());
    } else if (ended || (app.progress?.epoch ?? 0) !== epochBefore) {
      refreshHistory(run);
    } else {
      charts.tick({ slow: app.speed > 0 && app.speed <= 10 });
    }
    if (ended) return finishRun(run, run.b ? 'compared' : run.outcome);
    if (gpu && !single) {
      // Aim for ~150 ms per chunk: more steps per loss read-back on a fast GPU.
      if (elapsed < GPU_TARGET_MS / 2) steps = Math.min(GPU_MAX_STEPS, steps * 2);
      else if (elapsed > GPU_TARGET_MS * 2) steps = Math.max(1, Math.floor(steps / 2));
    }
    await yieldToBrowser();
  }
}

/** The sentence at the end of an A/B run. */
function compareSummary(run, seconds) {
  const a = app.progress, b = app.progressB;
  const say = (name, p, outcome) => (outcome === 'diverged'
    ? `${name} diverged at step ${fmtInt.format(p?.step ?? 0)} (its loss became NaN or ∞)`
    : `${name} ${pct(p?.testAcc)}`);
  if (run.outcome === 'finished' && run.b.outcome === 'finished') {
    const diff = 100 * ((b?.testAcc ?? 0) - (a?.testAcc ?? 0));
    const verdict = Math.abs(diff) < 0.5 ? 'about the same'
      : `${diff > 0 ? 'B' : 'A'} is ${Math.abs(diff).toFixed(1)} points better`;
    return `Finished ${a?.epochs ?? ''} epoch${a?.epochs === 1 ? '' : 's'} in ${seconds} s. Test accuracy: A ${pct(a?.testAcc)} · B ${pct(b?.testAcc)} — ${verdict}.`;
  }
  return `Done in ${seconds} s. ${say('A', a, run.outcome)}; ${say('B', b, run.b.outcome)}.`;
}

function finishRun(run, outcome, error) {
  if (app.run !== run) return;
  const p = app.progress;
  const seconds = ((performance.now() - run.startedAt - run.pausedMs) / 1000).toFixed(1);
  run.endedAt = performance.now();
  app.lastRun = run;
  app.run = null;
  if (outcome === 'error') {
    const hung = error instanceof TimeoutError;
    setState('error', hung ? 'Training stopped: a call to the wasm module hung.' : 'Training stopped by an error.', 'bad');
    showError(`Training failed: ${errorText(error)}`);
    // A hung call still holds its trainer: the charts skip it (busy) until the next run frees it.
    if (!hung) charts.drawAllSoon();
    run.onEnd?.();
    return;
  }
  if (outcome === 'compared') {
    const bothDiverged = run.outcome === 'diverged' && run.b.outcome === 'diverged';
    const anyBad = run.outcome === 'diverged' || run.b.outcome === 'diverged';
    setState(bothDiverged ? 'diverged' : 'finished', compareSummary(run, seconds), anyBad ? 'bad' : undefined);
    drawSparkline();
  } else if (outcome === 'finished') {
    const acc = p?.testAcc;
    const verdict = acc == null ? '' : acc < 0.2
      ? ' That is close to guessing (10%): this combination does not learn.'
      : acc < 0.8 ? ' Well below what this network can do (≈97%): something is holding it back.' : '';
    setState('finished', `Finished ${p?.epochs ?? ''} epoch${p?.epochs === 1 ? '' : 's'} in ${seconds} s. Test accuracy ${pct(acc)}.${verdict}`,
      acc != null && acc >= 0.8 ? 'good' : acc != null && acc < 0.2 ? 'bad' : undefined);
  } else if (outcome === 'diverged') {
    // The wasm side explains what happened (e.g. "Training diverged at step 3 (epoch 1): the loss
    // became NaN. Try a smaller learning rate (now 10)."); fall back to our own words.
    const text = p?.message
      || `Training diverged at step ${fmtInt.format(p?.step ?? 0)}: the loss is no longer a finite number. Try a smaller learning rate.`;
    setState('diverged', text, 'bad');
    drawSparkline();
  } else if (outcome === 'stopped') {
    setState('stopped', `Stopped at step ${fmtInt.format(p?.step ?? 0)} of ${fmtInt.format(p?.totalSteps ?? 0)}.`);
  }
  // The trainers stay with the charts (redraws, hover, export) until the next run.
  charts.drawAllSoon();
  run.onEnd?.();
}

function pauseRun() {
  const run = app.run;
  if (!run || run.paused) return;
  run.paused = true;
  setState('paused', 'Pausing after the current step…');
  $('resume').disabled = false;
}

function resumeRun() {
  const run = app.run;
  if (!run) return;
  run.paused = false;
  run.stepRequests = 0;
  if (run.wake) run.wake();
  else setState('running', runningText(run));
}

function stopRun() {
  const run = app.run;
  if (!run) return;
  run.stopRequested = true;
  $('stop').disabled = true;
  $('pause').disabled = true;
  if (run.wake) run.wake();
}

/** Space / the play button: start, pause or resume. */
function playPause() {
  if (app.state === 'loading' || !app.dataset) return;
  const run = app.run;
  if (!run) startRun();
  else if (run.paused) resumeRun();
  else pauseRun();
}

/** → / the step button: exactly one batch, then paused (a running run just pauses). */
function stepOnce() {
  if (app.state === 'loading' || !app.dataset) return;
  const run = app.run;
  if (!run) { startRun({ paused: true, steps: 1 }); return; }
  if (!run.paused) { pauseRun(); return; }
  run.stepRequests = Math.min(run.stepRequests + 1, 20);
  if (run.wake) run.wake();
}

/** The activation chart shows values before or after the activation function. */
function setStage(stage) {
  charts.charts.stage = stage === 'pre' ? 'pre' : 'post';
  for (const input of document.querySelectorAll('#act-stage input')) input.checked = input.value === charts.charts.stage;
  const draw = () => {
    for (const side of charts.SIDES) charts.drawChart(side, charts.CHARTS[1]);
  };
  // Between chunks only: during a run the loop's next cycle picks it up at once.
  if (app.run && !app.run.paused) charts.invalidate();
  else draw();
}

/** Lecture mode on or off: big type, charts full screen (their text larger), URL flag. */
function setLecture(on) {
  lecture.setLecture(on, () => {
    charts.setZoom(on ? lecture.LECTURE_CHART_ZOOM : 1);
    drawSparkline();
    // After the new layout has been computed.
    requestAnimationFrame(() => redrawChartsSoon());
    if (app.wasm && app.state !== 'loading') syncUrlSoon();
  });
}

/** The A/B comparison on or off (before a run). */
function setCompare(on) {
  if (on && !$('compare-fields').dataset.touched) {
    // First time: B starts as A with the other BatchNorm choice (the article's rescue).
    compare.write(compare.defaultFrom(readForm().config));
    $('compare-fields').dataset.touched = '1';
  }
  compare.setOn(on);
  charts.charts.compare = on && !!charts.trainerOf('b');
  validateForm();
  updatePresetSelection();
  drawSparkline();
  updateReadout();
  if (!app.run && ['idle', 'finished', 'stopped', 'diverged', 'error'].includes(app.state)) {
    if (app.state === 'idle') drawEmptyCharts();
  }
  redrawChartsSoon();
}

/** R / the reset button: the run is dropped and everything goes back to step 0. */
function resetRun() {
  if (app.state === 'loading' || !app.dataset) return;
  const clear = () => {
    resetRunDisplay();
    setState('idle', 'Back at step 0. Press Play (space) to train, or → for one batch at a time.');
    drawEmptyCharts();
  };
  const run = app.run;
  if (run) {
    run.onEnd = clear;
    stopRun();
  } else {
    clear();
  }
}

/** The speed cap (steps per second, 0 = full speed). */
const SPEEDS = [0, 30, 10, 3, 1];
function setSpeed(value) {
  app.speed = Number(value) || 0;
  $('speed').value = String(app.speed);
  resetPace(app.run);
  if (app.run && !app.run.paused) setState('running', runningText(app.run));
}

function changeSpeed(faster) {
  const i = Math.max(0, SPEEDS.indexOf(app.speed));
  setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, i + (faster ? -1 : 1)))]);
}

// ------------------------------------------------------------------------------ start-up
/** The first dataset: the one a share link names, else the bundled MNIST subset (datasets.js). */
async function loadDataset() {
  return datasets.start(app.wasm);
}

/** datasets.js draws the Data card; here the network diagram follows the dataset's input size. */
function showDataset(dataset) {
  if (!dataset) return;
  const w = dataset.imageWidth, h = dataset.imageHeight, n = dataset.inputSize;
  const channels = Math.round(n / (w * h));
  const io = document.querySelector('.net .net-io');
  if (io) {
    io.textContent = channels > 1
      ? `Input · ${w}×${h}×${channels} = ${fmtInt.format(n)} values (RGB)`
      : `Input · ${w}×${h} = ${fmtInt.format(n)} pixels`;
  }
  const first = document.querySelector('.net .net-linear');
  if (first) first.textContent = first.textContent.replace(/^Linear [\d,]+ →/, `Linear ${n} →`);
  const hint = document.querySelector('.settings .hint');
  if (hint) {
    hint.textContent = hint.textContent
      .replace(/^[\d,]+ (pixels|values)/, `${n} ${channels > 1 ? 'values' : 'pixels'}`)
      .replace(/10 (digits|classes)/, /mnist/.test(dataset.kind) && dataset.kind !== 'fashion-mnist' ? '10 digits' : '10 classes');
  }
}

function startWebGpu() {
  const reasonFor = (e) => errorText(e).replace(/\.$/, '');
  if (typeof app.wasm.initWebGpu !== 'function') {
    app.gpu.status = 'unavailable';
    app.gpu.reason = 'this build has no WebGPU support';
    app.gpu.ready = Promise.resolve();
    gpuUnavailable();
    return;
  }
  app.gpu.ready = withTimeout(app.wasm.initWebGpu(), TIMEOUT.gpuInit, 'Starting WebGPU')
    .then(async (adapter) => {
      app.gpu.status = 'ready';
      app.gpu.adapter = await describeAdapter(String(adapter));
      $('adapter-name').textContent = app.gpu.adapter;
    })
    .catch((e) => {
      app.gpu.status = 'unavailable';
      app.gpu.reason = reasonFor(e);
      console.warn('WebGPU unavailable:', app.gpu.reason);
      gpuUnavailable();
    });
}

/**
 * wgpu's adapter info is often empty in browsers ("WebGPU · "); the browser's own
 * GPUAdapterInfo (vendor, architecture, description) says more.
 */
async function describeAdapter(fromWasm) {
  const bare = fromWasm.replace(/^WebGPU\s*·?\s*/, '').trim();
  if (bare && !/^\(.*\)$/.test(bare)) return fromWasm;
  try {
    const adapter = await navigator.gpu?.requestAdapter();
    const info = adapter?.info;
    if (!info) return fromWasm || 'WebGPU';
    const parts = [info.description, info.vendor, info.architecture].filter((x) => x && String(x).trim());
    const fallback = info.isFallbackAdapter ? ' (software fallback adapter)' : '';
    return `WebGPU · ${parts.join(' · ') || 'unknown adapter'}${fallback}`;
  } catch {
    return fromWasm || 'WebGPU';
  }
}

/** The trainer's backend name, with the adapter description when wasm could not name it. */
function backendLabel(name) {
  if (/^WebGPU\s*·?\s*$/.test(name.trim()) && app.gpu.adapter) return app.gpu.adapter;
  return name;
}

function gpuUnavailable() {
  const notice = $('gpu-notice');
  // The reason may carry its own parentheses: keep the sentence readable.
  const reason = app.gpu.reason.replace(/\s*\(([^()]*)\)/g, ' — $1');
  notice.textContent = `WebGPU is not available in this browser (${reason}). Training on the CPU instead.`;
  notice.hidden = false;
  $('adapter-name').textContent = 'none (WebGPU not available)';
  const gpuRadio = $('backend-gpu');
  gpuRadio.disabled = true;
  $('backend-cpu').checked = true;
  gpuRadio.closest('label').title = 'WebGPU is not available in this browser';
  gpuRadio.closest('label').classList.add('unavailable');
}

function wireEvents() {
  $('settings').addEventListener('submit', (event) => {
    event.preventDefault();
    if (app.state !== 'running' && app.state !== 'paused' && app.state !== 'loading') startRun();
  });
  $('pause').addEventListener('click', pauseRun);
  $('resume').addEventListener('click', resumeRun);
  $('stop').addEventListener('click', stopRun);
  $('share').addEventListener('click', () => { copyShareLink().catch((e) => showError(errorText(e))); });
  $('error-dismiss').addEventListener('click', clearError);
  $('bn').addEventListener('change', updateNetworkDiagram);
  for (const id of ['act1', 'act2', 'act3']) $(id).addEventListener('change', updatePresetSelection);
  // Re-validate as the user edits; messages appear next to the field.
  let timer = null;
  $('settings-fields').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => { if (app.wasm) { validateForm(); updatePresetSelection(); } }, 300);
  });
  // Selects and radios validate at once; text fields only on the (debounced) input event, never
  // on blur: a message appearing on blur would shift the Start button under the pointer.
  $('settings-fields').addEventListener('change', (event) => {
    if (app.wasm && event.target.tagName !== 'INPUT') validateForm();
    else if (app.wasm && event.target.type === 'radio') validateForm();
  });
  window.addEventListener('resize', () => { drawSparkline(); redrawChartsSoon(); });
  $('act-stage').addEventListener('change', (event) => setStage(event.target.value));

  // The charts' toolbar: play/pause, one step, reset, speed; exports; lecture mode.
  $('t-play').addEventListener('click', playPause);
  $('t-step').addEventListener('click', stepOnce);
  $('t-reset').addEventListener('click', resetRun);
  $('speed').addEventListener('change', (event) => setSpeed(event.target.value));
  $('lecture-toggle').addEventListener('click', () => setLecture(!lecture.isLecture()));
  for (const button of document.querySelectorAll('.save-png')) {
    const chart = charts.CHARTS.find((c) => c.key === button.dataset.chart);
    button.addEventListener('click', () => {
      charts.savePng(button.dataset.side, chart).catch((e) => showError(`Saving the chart failed: ${errorText(e)}`));
    });
  }
  for (const id of ['dl-csv', 'dl-json', 'dl-csv-b', 'dl-json-b']) {
    const button = $(id);
    button.addEventListener('click', () => {
      charts.saveHistory(button.dataset.side, button.dataset.format)
        .catch((e) => showError(`Downloading the statistics failed: ${errorText(e)}`));
    });
  }
  charts.attachHover();
  lecture.initShortcuts({
    playPause,
    step: stepOnce,
    reset: resetRun,
    toggleLecture: (on) => setLecture(on),
    faster: () => changeSpeed(true),
    slower: () => changeSpeed(false),
    toggleStage: () => setStage(charts.charts.stage === 'post' ? 'pre' : 'post'),
    fullscreen: lecture.toggleFullscreen,
    pickChart: (n) => { document.body.dataset.lectureChart = charts.CHARTS[n - 1]?.key ?? 'activations'; redrawChartsSoon(); },
  });

  // A/B comparison on and off, and B's fields.
  $('compare').addEventListener('change', () => setCompare($('compare').checked));
  // Every valid change goes into the address bar: a reload (or a copied URL) restores it.
  $('settings-fields').addEventListener('input', syncUrlSoon);
  $('settings-fields').addEventListener('change', syncUrlSoon);
  document.addEventListener('dataset-changed', () => {
    syncUrlSoon();
    setTimeout(() => { if (app.state === 'idle' && !app.run) drawEmptyCharts(); }, 0);
  });
  $('share-lecture').addEventListener('change', syncUrl);
  $('share-autostart').addEventListener('change', syncUrl);
  $('share-url').addEventListener('keydown', (event) => { if (event.key === 'Enter') event.preventDefault(); });
  $('share-url').addEventListener('focus', () => $('share-url').select());
  window.addEventListener('error', (event) => showError(errorText(event.error ?? event.message)));
  window.addEventListener('unhandledrejection', (event) => showError(errorText(event.reason)));
}

async function main() {
  fillActivationSelects();
  wireEvents();
  setState('loading', 'Loading the WebAssembly module…');
  try {
    let wasm;
    try {
      wasm = await import(PKG_URL.href);
    } catch (e) {
      throw new Error(`The WebAssembly module is missing or broken (${errorText(e)}). Build it with: npm start`);
    }
    await withTimeout(wasm.default(), TIMEOUT.init, 'Loading the WebAssembly module');
    app.wasm = wasm;
    startWebGpu();

    if (typeof wasm.presets === 'function') {
      try { app.presets = JSON.parse(wasm.presets()); } catch (e) { console.warn('presets:', e); }
    }
    renderPresets();
    writeForm(JSON.parse(wasm.defaultConfig()));
    $('share').hidden = typeof wasm.shareQuery !== 'function';
    applyShareQuery();

    document.addEventListener('dataset-changed', () => {
      app.dataset = datasets.current();
      showDataset(app.dataset);
      if (['idle', 'finished', 'stopped', 'diverged'].includes(app.state)) {
        setState(app.state, app.state === 'idle' ? 'Ready. Pick three activations and press Start.' : undefined);
        validateForm();
      }
    });
    setState('loading', 'Loading the data…');
    app.dataset = await loadDataset();
    showDataset(app.dataset);

    setState('idle', app.dataset ? 'Ready. Pick three activations and press Start.' : datasets.waitingText());
    validateForm();
    await app.gpu.ready;
    if (app.shareFlags.autostart) datasets.ensure(datasets.currentKind()).then(() => { if (app.state === 'idle') startRun(); });
  } catch (e) {
    setState('error', 'The page could not start.', 'bad');
    showError(errorText(e));
  }
}

main();
