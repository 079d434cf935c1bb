// Activation playground: the page's controller.
//
// Everything of substance (config validation, data parsing, the model, training) lives in the
// Rust/wasm module (www/pkg/, built by scripts/build.sh). This file wires the form to it, runs
// the training loop in small chunks so the page stays responsive, and shows the progress.
//
// Rules: untrusted text (messages from wasm, share links) only ever goes in via textContent;
// every awaited wasm promise has a timeout so a hung call is reported instead of freezing.

const ACTIVATIONS = [
  ['relu', 'ReLU'],
  ['sigmoid', 'Sigmoid'],
  ['tanh', 'Tanh'],
  ['selu', 'SELU'],
];
const DATA_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];
const DATA_URL = new URL('./data/mnist-subset/', import.meta.url);
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
      chartDrawMs: charts.drawMs,
    } : null;
  },
  readConfig: () => readForm(),
  /** Diagnostics: milliseconds each chart takes to draw from the last run's history. */
  timeCharts() {
    const out = {};
    if (!charts.trainer) return out;
    for (const [chart, id] of CHARTS) {
      const t0 = performance.now();
      try { charts.trainer.drawChart(chart, $(id), window.devicePixelRatio || 1, chart === 'activations' ? charts.stage : undefined); } catch { /* reported elsewhere */ }
      out[chart] = Math.round(performance.now() - t0);
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
}

// ------------------------------------------------------------------------------ the form
const FIELD_INPUT = {
  acts: 'act1', bn: 'bn', lr: 'lr', momentum: 'momentum', batch: 'batch', epochs: 'epochs',
  seed: 'seed', stats: 'stats', backend: 'backend-gpu',
};

function fillActivationSelects() {
  for (const id of ['act1', 'act2', 'act3']) {
    const select = $(id);
    for (const [value, label] of ACTIVATIONS) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      select.append(option);
    }
  }
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

function parseDecimal(text) {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

function parseWhole(text) {
  const t = text.trim();
  if (!/^\+?\d+$/.test(t)) return null;
  return t.replace(/^\+/, '').replace(/^0+(?=\d)/, '');
}

const U64_MAX = 18446744073709551615n;

/**
 * Reads the form into a Config. Returns {config, json, errors}; `errors` holds the problems
 * the browser can see itself (not a number, …); the rest is up to validateConfig.
 */
function readForm() {
  const base = app.wasm ? JSON.parse(app.wasm.defaultConfig()) : {};
  const errors = [];
  const config = { ...base };
  config.acts = ['act1', 'act2', 'act3'].map((id) => $(id).value);
  config.batch_norm = $('bn').value;
  config.backend = $('backend-cpu').checked ? 'cpu' : 'gpu';

  const decimal = (id, field, key, example) => {
    const v = parseDecimal($(id).value);
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
  whole('stats', 'stats', 'stats_every', '25');

  // The seed is a u64: keep all its digits (JSON numbers beyond 2^53 would be rounded in JS).
  let seedDigits = null;
  const seed = parseWhole($('seed').value);
  if (seed === null) errors.push({ field: 'seed', message: 'enter a whole number ≥ 0, e.g. 1' });
  else if (BigInt(seed) > U64_MAX) errors.push({ field: 'seed', message: 'must be below 2^64' });
  else seedDigits = seed;

  config.seed = 0;
  let json = JSON.stringify(config);
  if (seedDigits !== null) {
    config.seed = Number(seedDigits);
    json = json.replace(/"seed":0\b/, `"seed":${seedDigits}`);
  }
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
  return all.length ? null : { config, json };
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
}

// ------------------------------------------------------------------------------ share links
function applyShareQuery() {
  const query = location.search.replace(/^\?/, '');
  if (!query || typeof app.wasm.parseShareQuery !== 'function') return;
  const view = JSON.parse(app.wasm.parseShareQuery(query));
  if (view.config) writeForm(view.config);
  if (view.preset && $('preset')) { $('preset').value = view.preset; updatePresetSelection(); }
  app.shareFlags.lecture = !!view.lecture;
  app.shareFlags.autostart = !!view.autostart;
  document.body.classList.toggle('lecture', app.shareFlags.lecture);
  const problems = (view.errors ?? []).map((e) => `${e.field}: ${e.message}`);
  if (view.compare) problems.push('A/B comparison links are not supported on this page yet: showing the first configuration.');
  if (problems.length) {
    const el = $('link-notice');
    el.textContent = `Some settings in this link were not used (they keep their preset or default values): ${problems.join('; ')}`;
    el.hidden = false;
  }
}

async function copyShareLink() {
  const form = validateForm();
  if (!form) return;
  const query = app.wasm.shareQuery(form.json);
  const url = `${location.origin}${location.pathname}?${query}`;
  history.replaceState(null, '', `?${query}`);
  try {
    await navigator.clipboard.writeText(url);
    $('share-status').textContent = 'Link copied to the clipboard.';
  } catch {
    $('share-status').textContent = `Link: ${url}`;
  }
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
  drawSparkline();
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
    updateCharts(run, history, true);
  } catch (e) {
    console.warn('historyJson failed:', e);
  }
}

// ------------------------------------------------------------------------------ charts
// Drawn in wasm (plotters) from the trainer's history, between chunks (never while a chunk
// runs: the trainer is borrowed then). Drawing one chart takes ~0.1-0.25 s on a slow machine,
// so during training the loop draws ONE chart per chunk, cycling through the four, and starts a
// new cycle only after a pause of a few times the cycle's cost: charts stay under ~1/6 of the time.
const CHARTS = [
  ['training', 'chart-loss'],
  ['activations', 'chart-activations'],
  ['gradients', 'chart-gradients'],
  ['health', 'chart-health'],
];
const CHART_MIN_INTERVAL_MS = 1500;
const charts = { trainer: null, stage: 'post', queue: [], cycleStart: -Infinity, cycleMs: 0, drawMs: 0, failed: false };

function drawChart(trainer, chart, id) {
  const canvas = $(id);
  const dpr = Math.min(4, window.devicePixelRatio || 1);
  const w = Math.round(canvas.clientWidth * dpr);
  const h = Math.round(canvas.clientHeight * dpr);
  if (w < 40 || h < 30) return;
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  try {
    trainer.drawChart(chart, canvas, dpr, chart === 'activations' ? charts.stage : undefined);
    canvas.closest('.plot-box').classList.add('has-chart');
  } catch (e) {
    if (!charts.failed) console.warn(`drawing the ${chart} chart failed:`, errorText(e));
    charts.failed = true;
  }
}

/** Draws all four charts now (after a run, on resize, on a switch of the activation stage). */
function drawCharts(trainer) {
  if (!trainer || typeof trainer.drawChart !== 'function') return;
  const t0 = performance.now();
  for (const [chart, id] of CHARTS) drawChart(trainer, chart, id);
  charts.queue = [];
  charts.drawMs = performance.now() - t0;
}

/** During training: draws at most one chart per call. `force` starts a new cycle at once. */
function updateCharts(run, _history, force = false) {
  if (typeof run.trainer.drawChart !== 'function') return;
  const now = performance.now();
  if (!charts.queue.length) {
    const interval = Math.max(CHART_MIN_INTERVAL_MS, 6 * charts.drawMs);
    if (!force && now - charts.cycleStart < interval) return;
    charts.queue = CHARTS.slice();
    charts.cycleStart = now;
    charts.cycleMs = 0;
  }
  const [chart, id] = charts.queue.shift();
  drawChart(run.trainer, chart, id);
  charts.cycleMs += performance.now() - now;
  if (!charts.queue.length) charts.drawMs = charts.cycleMs;
}

let chartResizeTimer = null;
function redrawChartsSoon() {
  clearTimeout(chartResizeTimer);
  chartResizeTimer = setTimeout(() => {
    // While a run is going, its loop redraws; afterwards the last run's trainer is kept for this.
    if (!app.run && charts.trainer) drawCharts(charts.trainer);
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
  if (points.length < 2) return;
  const pad = 6 * dpr;
  const maxStep = points[points.length - 1].step;
  const minStep = points[0].step;
  let lo = Infinity, hi = -Infinity;
  for (const p of points) { lo = Math.min(lo, p.loss); hi = Math.max(hi, p.loss); }
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
  ctx.beginPath();
  points.forEach((p, i) => (i ? ctx.lineTo(x(p.step), y(p.loss)) : ctx.moveTo(x(p.step), y(p.loss))));
  ctx.stroke();
}

// ------------------------------------------------------------------------------ training
async function startRun() {
  clearError();
  $('share-status').textContent = '';
  const form = validateForm();
  if (!form) {
    updatePresetSelection();
    $('status-text').textContent = 'Fix the highlighted settings first.';
    return;
  }
  const { config, json } = form;

  if (config.backend === 'gpu') {
    setState('loading', 'Starting WebGPU…');
    await app.gpu.ready;
    if (app.gpu.status !== 'ready') {
      // The notice is already up; switch to the CPU and go on.
      $('backend-cpu').checked = true;
      return startRun();
    }
  }

  let trainer;
  try {
    trainer = new app.wasm.Trainer(json, app.dataset);
  } catch (e) {
    setState('idle', 'Training could not start.', 'bad');
    showError(`Could not start training: ${errorText(e)}`);
    return;
  }

  releaseChartTrainer();
  charts.queue = [];
  charts.cycleStart = -Infinity;
  charts.failed = false;
  resetRunDisplay();
  const run = {
    trainer,
    config,
    backend: config.backend,
    backendName: backendLabel(trainer.backendName),
    paused: false,
    stopRequested: false,
    resume: null,
    speedSamples: [],
    startedAt: performance.now(),
    activeMs: 0,   // time spent inside trainer.run()
    pausedMs: 0,
    chunks: 0,
    maxChunkMs: 0,
  };
  app.run = run;
  $('backend-name').textContent = run.backendName;
  setState('running', config.backend === 'gpu'
    ? 'Training on WebGPU. The first step compiles the GPU shaders and can take a few seconds…'
    : 'Training on the CPU…');
  try {
    await trainLoop(run);
  } catch (e) {
    finishRun(run, 'error', e);
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
    if (run.paused) {
      setState('paused', `Paused at step ${fmtInt.format(app.progress?.step ?? 0)}. Resume or stop.`);
      const pausedAt = performance.now();
      await new Promise((resolve) => { run.resume = resolve; });
      run.pausedMs += performance.now() - pausedAt;
      run.resume = null;
      run.speedSamples = [];
      if (run.stopRequested) return finishRun(run, 'stopped');
      setState('running', 'Training…');
      continue;
    }
    const t0 = performance.now();
    const json = await withTimeout(run.trainer.run(steps, budget), gpu ? TIMEOUT.runGpu : TIMEOUT.runCpu,
      'A training step');
    const elapsed = performance.now() - t0;
    run.activeMs += elapsed;
    run.chunks += 1;
    run.maxChunkMs = Math.max(run.maxChunkMs, elapsed);
    const p = JSON.parse(json);
    const epochBefore = app.progress?.epoch ?? 0;
    showProgress(p, run);
    if (firstChunk) {
      firstChunk = false;
      if (app.state === 'running') setState('running', gpu ? 'Training on WebGPU…' : 'Training on the CPU…');
    }
    if (p.epoch !== epochBefore || p.state !== 'running') refreshHistory(run);
    else updateCharts(run, null);
    if (p.state === 'finished') return finishRun(run, 'finished');
    if (p.state === 'diverged') return finishRun(run, 'diverged');
    if (gpu && !firstChunk) {
      // Aim for ~150 ms per chunk: more steps per loss read-back on a fast GPU.
      if (elapsed < GPU_TARGET_MS / 2) steps = Math.min(GPU_MAX_STEPS, steps * 2);
      else if (elapsed > GPU_TARGET_MS * 2) steps = Math.max(1, Math.floor(steps / 2));
    }
    await yieldToBrowser();
  }
}

function finishRun(run, outcome, error) {
  if (app.run !== run) return;
  const p = app.progress;
  const seconds = ((performance.now() - run.startedAt - run.pausedMs) / 1000).toFixed(1);
  if (outcome === 'error') {
    const hung = error instanceof TimeoutError;
    setState('error', hung ? 'Training stopped: a call to the wasm module hung.' : 'Training stopped by an error.', 'bad');
    showError(`Training failed: ${errorText(error)}`);
    // A hung call still holds the trainer: leave it alone rather than free it under its feet.
    if (!hung) freeTrainer(run);
    else { run.endedAt = performance.now(); app.lastRun = run; }
    app.run = null;
    return;
  }
  if (outcome === 'finished') {
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
  freeTrainer(run);
  app.run = null;
}

/** Ends a run: its trainer is kept (for redrawing the charts) until the next run starts. */
function freeTrainer(run) {
  run.endedAt = performance.now();
  app.lastRun = run;
  releaseChartTrainer();
  charts.trainer = run.trainer;
  // The final charts, one per task so the page stays responsive.
  const trainer = run.trainer;
  const pending = typeof trainer.drawChart === 'function' ? CHARTS.slice() : [];
  const next = () => {
    if (charts.trainer !== trainer || !pending.length) return;
    const [chart, id] = pending.shift();
    drawChart(trainer, chart, id);
    setTimeout(next, 0);
  };
  charts.queue = [];
  setTimeout(next, 0);
}

function releaseChartTrainer() {
  if (!charts.trainer) return;
  try { charts.trainer.free(); } catch (e) { console.warn('freeing the trainer failed:', e); }
  charts.trainer = null;
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
  if (run.resume) run.resume();
  else setState('running', 'Training…');
}

function stopRun() {
  const run = app.run;
  if (!run) return;
  run.stopRequested = true;
  $('stop').disabled = true;
  $('pause').disabled = true;
  if (run.resume) run.resume();
}

// ------------------------------------------------------------------------------ start-up
async function loadDataset() {
  const t0 = performance.now();
  const files = await Promise.all(DATA_FILES.map(async (name) => {
    let response;
    try {
      response = await fetch(new URL(name, DATA_URL));
    } catch (e) {
      throw new Error(`could not download ${name}: ${errorText(e)}`);
    }
    if (!response.ok) throw new Error(`could not download ${name}: HTTP ${response.status} (run the build: npm start)`);
    return new Uint8Array(await response.arrayBuffer());
  }));
  const dataset = app.wasm.Dataset.fromFiles('mnist-subset', DATA_FILES, files);
  const ms = performance.now() - t0;
  console.info(`MNIST subset loaded in ${ms.toFixed(0)} ms`);
  return dataset;
}

function showDataset(dataset) {
  const w = dataset.imageWidth, h = dataset.imageHeight;
  $('data-summary').textContent =
    `MNIST subset · ${fmtInt.format(dataset.trainCount)} training and ${fmtInt.format(dataset.testCount)} test images · ${w}×${h} grey · bundled with the page`;
  const box = $('samples');
  box.textContent = '';
  const count = Math.min(20, dataset.testCount);
  for (let i = 0; i < count; i++) {
    const figure = document.createElement('div');
    figure.className = 'sample';
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    const rgba = dataset.sampleRgba('test', i);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba), w, h), 0, 0);
    const label = document.createElement('span');
    label.textContent = String(dataset.label('test', i));
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `a handwritten ${label.textContent}`);
    figure.append(canvas, label);
    box.append(figure);
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
  $('act-stage').addEventListener('change', (event) => {
    charts.stage = event.target.value;
    if (app.run) charts.cycleStart = -Infinity; // the loop redraws from the next chunk on
    else if (charts.trainer) drawCharts(charts.trainer);
  });
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

    setState('loading', 'Loading the MNIST digits…');
    app.dataset = await loadDataset();
    showDataset(app.dataset);

    setState('idle', 'Ready. Pick three activations and press Start.');
    validateForm();
    await app.gpu.ready;
    if (app.shareFlags.autostart) startRun();
  } catch (e) {
    setState('error', 'The page could not start.', 'bad');
    showError(errorText(e));
  }
}

main();
