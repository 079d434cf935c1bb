// The four charts "inside the network": drawn in wasm (plotters) from a trainer's history into
// canvases, plus what the page adds around them: hover read-outs, PNG export of each chart and
// CSV / JSON export of the recorded statistics.
//
// * Drawing happens between training chunks only (a trainer is borrowed while a chunk runs), at
//   a bounded rate: during training ONE chart per chunk, cycling through them, with a pause of
//   several times a cycle's cost between cycles, so charts never take more than ~1/6 of the time.
// * Canvases are sized to CSS size × devicePixelRatio and drawn with that scale: sharp on HiDPI.
//   `setZoom(k)` multiplies the scale passed to wasm (bigger type on a projector).
// * Hover: drawChart returns the chart's layout (panels in backend pixels and their data
//   ranges); the pointer is mapped to data and the nearest recorded value is read from the
//   trainer's history (historyJson, cached until the chart is redrawn).
// * Everything shown in the tooltip goes in through textContent.

export const CHARTS = [
  { kind: 'training', key: 'loss', name: 'loss-accuracy' },
  { kind: 'activations', key: 'activations', name: 'activations' },
  { kind: 'gradients', key: 'gradients', name: 'gradients' },
  { kind: 'health', key: 'health', name: 'health' },
];
export const SIDES = ['a', 'b'];

/** The canvas of `chart` for side `a` (the main run) or `b` (the comparison). */
export const canvasId = (chart, side = 'a') => `chart-${chart.key}${side === 'b' ? '-b' : ''}`;

const LAYER_COLORS = ['#0072b2', '#d55e00', '#009e73'];
const TRAIN_COLOR = '#1f2937';
const TEST_COLOR = '#cc79a7';
const CHART_MIN_INTERVAL_MS = 1500;

const newSide = () => ({ trainer: null, layouts: {}, history: null, historyFresh: false, drawnStep: -1 });

export const charts = {
  sides: { a: newSide(), b: newSide() },
  stage: 'post',
  compare: false,
  zoom: 1,
  queue: [],
  cycleStart: -Infinity,
  cycleMs: 0,
  drawMs: 0,
  failed: false,
  /** Set by the page: {label, step} of a side, for file names and tooltips. */
  describe: (side) => ({ label: side, step: 0 }),
  /** Set by the page: the current step of a side (a new cycle is due when it changed). */
  currentStep: () => 0,
};

const $ = (id) => document.getElementById(id);

function errorText(e) {
  if (e == null) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message || String(e);
  try { return JSON.stringify(e); } catch { return String(e); }
}

// ------------------------------------------------------------------------------ trainers
/** Hands a trainer to the charts (the previous one of that side is freed). */
export function setTrainer(side, trainer) {
  const s = charts.sides[side];
  if (s.trainer && s.trainer !== trainer) {
    try { s.trainer.free(); } catch (e) { console.warn('freeing the trainer failed:', e); }
  }
  charts.sides[side] = { ...newSide(), trainer };
}

export function releaseTrainer(side) { setTrainer(side, null); }

export function trainerOf(side) { return charts.sides[side]?.trainer ?? null; }

function activeSides() {
  return SIDES.filter((side) => charts.sides[side].trainer && (side === 'a' || charts.compare));
}

// ------------------------------------------------------------------------------ drawing
/**
 * The scale passed to wasm: device pixels per CSS pixel, times the text zoom. The activation
 * chart stacks three rows of panels with fixed tick counts: it gets less zoom so its ticks fit.
 */
function chartScale(chart) {
  const zoom = chart.kind === 'activations' ? 1 + (charts.zoom - 1) * 0.4 : charts.zoom;
  return Math.min(4, (window.devicePixelRatio || 1) * zoom);
}

export function drawChart(side, chart) {
  const s = charts.sides[side];
  const trainer = s.trainer;
  const canvas = $(canvasId(chart, side));
  if (!trainer || !canvas || typeof trainer.drawChart !== 'function') return;
  const dpr = Math.min(4, window.devicePixelRatio || 1);
  const w = Math.round(canvas.clientWidth * dpr);
  const h = Math.round(canvas.clientHeight * dpr);
  if (w < 40 || h < 30) return;
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  try {
    const json = trainer.drawChart(chart.kind, canvas, chartScale(chart), chart.kind === 'activations' ? charts.stage : undefined);
    try { s.layouts[chart.key] = JSON.parse(json); } catch { s.layouts[chart.key] = null; }
    s.historyFresh = false;
    canvas.closest('.plot-box')?.classList.add('has-chart');
    canvas.dataset.drawn = String((Number(canvas.dataset.drawn) || 0) + 1);
  } catch (e) {
    // Busy: a chunk holds the trainer (WebGPU read-back); the next cycle draws it.
    if (/busy/.test(errorText(e))) return;
    if (!charts.failed) console.warn(`drawing the ${chart.kind} chart failed:`, errorText(e));
    charts.failed = true;
  }
}

/** Draws every chart of every active side now (after a run, on resize, on a stage switch). */
export function drawAll() {
  const t0 = performance.now();
  for (const side of activeSides()) for (const chart of CHARTS) drawChart(side, chart);
  charts.queue = [];
  const ms = performance.now() - t0;
  if (ms > 0) charts.drawMs = ms;
}

/** Queues a complete redraw, one chart per task, so the page stays responsive. */
export function drawAllSoon() {
  const pending = [];
  for (const side of activeSides()) for (const chart of CHARTS) pending.push([side, chart]);
  charts.queue = [];
  const token = {};
  charts.drawToken = token;
  const next = () => {
    if (charts.drawToken !== token || !pending.length) return;
    const [side, chart] = pending.shift();
    drawChart(side, chart);
    setTimeout(next, 0);
  };
  setTimeout(next, 0);
}

/** Starts a new drawing cycle at the next `tick`. */
export function invalidate() { charts.cycleStart = -Infinity; }

/** Forgets the queue (a new run). */
export function resetSchedule() {
  charts.queue = [];
  charts.cycleStart = -Infinity;
  charts.failed = false;
  charts.drawToken = null;
}

/**
 * During training: draws at most one chart per call. `force` starts a new cycle at once;
 * `slow` (slow motion: time is plentiful) starts one whenever the step changed.
 */
export function tick({ force = false, slow = false } = {}) {
  const sides = activeSides();
  if (!sides.length) return false;
  const now = performance.now();
  if (!charts.queue.length) {
    const step = charts.currentStep();
    const interval = Math.max(CHART_MIN_INTERVAL_MS, 6 * charts.drawMs);
    const due = force || (slow ? step !== charts.cycleStep : now - charts.cycleStart >= interval);
    if (!due) return false;
    charts.queue = [];
    for (const chart of CHARTS) for (const side of sides) charts.queue.push([side, chart]);
    charts.cycleStart = now;
    charts.cycleStep = step;
    charts.cycleMs = 0;
  }
  const [side, chart] = charts.queue.shift();
  drawChart(side, chart);
  charts.cycleMs += performance.now() - now;
  if (!charts.queue.length) charts.drawMs = charts.cycleMs; // a whole cycle (both sides): ≤ 1/6 of the time
  return true;
}

/** Whether `tick` has something to draw right now (in slow motion). */
export function hasPending() {
  return charts.queue.length > 0 || (activeSides().length > 0 && charts.currentStep() !== charts.cycleStep);
}

/** Shows the HTML placeholders again (no trainer to draw with). */
export function clearCanvases() {
  for (const side of SIDES) {
    for (const chart of CHARTS) {
      const canvas = $(canvasId(chart, side));
      if (!canvas) continue;
      canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height);
      canvas.closest('.plot-box')?.classList.remove('has-chart');
    }
  }
}

export function setZoom(zoom) {
  if (zoom === charts.zoom) return;
  charts.zoom = zoom;
}

// ------------------------------------------------------------------------------ history
/** Calls `fn(trainer)`, retrying for a while if the trainer is busy with a chunk. */
export async function withTrainer(side, fn, timeoutMs = 10_000) {
  const t0 = performance.now();
  for (;;) {
    const trainer = charts.sides[side]?.trainer;
    if (!trainer) throw new Error('nothing recorded yet: train first');
    try {
      return fn(trainer);
    } catch (e) {
      if (!/busy/.test(errorText(e)) || performance.now() - t0 > timeoutMs) throw e;
    }
    await new Promise((r) => setTimeout(r, 40));
  }
}

/** The side's history (parsed historyJson), re-read after every redraw; stale if busy. */
function historyOf(side) {
  const s = charts.sides[side];
  if (!s.trainer) return null;
  if (!s.historyFresh || !s.history) {
    try {
      s.history = JSON.parse(s.trainer.historyJson());
      s.historyFresh = true;
    } catch { /* busy with a chunk: the last copy will do */ }
  }
  return s.history;
}

// ------------------------------------------------------------------------------ hover read-outs
const fmt = (v, digits = 4) => {
  if (v == null || Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(digits);
};
const pctText = (v, digits = 1) => (v == null || !Number.isFinite(v) ? 'NaN' : `${(100 * v).toFixed(digits)}%`);
const stepText = (s) => new Intl.NumberFormat('en-US').format(s);

/** The record of `list` (sorted by .step) nearest to `step`. */
function nearest(list, step) {
  if (!list?.length) return null;
  let lo = 0, hi = list.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].step < step) lo = mid + 1; else hi = mid;
  }
  if (lo > 0 && Math.abs(list[lo - 1].step - step) <= Math.abs(list[lo].step - step)) lo -= 1;
  return list[lo];
}

function layerName(i, count) { return i + 1 === count ? 'output' : `layer ${i + 1}`; }

function smoothing(count) { return Math.min(0.98, Math.max(0, 1 - 12 / Math.max(1, count))); }

/** The same EMA as the Rust chart (stats::ema), at index `upto`. */
function emaAt(values, upto, s) {
  let avg = 0, weight = 0, out = NaN;
  for (let i = 0; i <= upto; i++) {
    const v = values[i];
    if (v == null || !Number.isFinite(v)) { out = NaN; continue; }
    avg = avg * s + (1 - s) * v;
    weight = weight * s + (1 - s);
    out = avg / weight;
  }
  return out;
}

/** stats::histogram_mass_in_range for one bin [lo, hi) of `bins` over [min, max]. */
function binMass(q, min, max, bins, j) {
  if (!q || q.length < 2 || !(max > min)) return 0;
  const per = 1 / (q.length - 1);
  const width = (max - min) / bins;
  const binOf = (x) => Math.min(bins - 1, Math.max(0, Math.floor((x - min) / width)));
  const left = min + j * width;
  const right = j + 1 === bins ? max : left + width;
  let m = 0;
  for (let i = 0; i + 1 < q.length; i++) {
    let a = q[i], b = q[i + 1];
    if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    if (a > b) [a, b] = [b, a];
    if (b - a <= 0) { if (binOf(a) === j) m += per; continue; }
    m += per * Math.max(0, Math.min(b, right) - Math.max(a, left)) / (b - a);
    if (j === 0 && a < min) m += per * (Math.min(b, min) - a) / (b - a);
    if (j === bins - 1 && b > max) m += per * (b - Math.max(a, max)) / (b - a);
  }
  return m;
}

/** Fraction of values ≤ v, from the 101 quantiles. */
function cdf(q, v) {
  if (!q?.length) return NaN;
  const n = q.length - 1;
  if (v < q[0]) return 0;
  if (v >= q[n]) return 1;
  let i = 0;
  while (i < n && q[i + 1] <= v) i++;
  const span = q[i + 1] - q[i];
  return (i + (span > 0 ? (v - q[i]) / span : 0)) / n;
}

/**
 * What the tooltip says for a point (data coordinates x, y) of a panel: {title, rows, step}
 * with rows [{label, value, color?, strong?}], or null when there is nothing recorded there.
 */
export function readout(panel, x, y, history, stage = 'post') {
  if (!history) return null;
  const id = panel.id;
  const acts = history.acts ?? [];
  const epochAt = (step) => (history.stepsPerEpoch ? Math.min(Math.ceil(step / history.stepsPerEpoch), 1e9) : null);
  const stepTitle = (step) => {
    const e = epochAt(step);
    return `Step ${stepText(step)}${e ? ` · epoch ${e}` : ''}`;
  };
  if (id === 'loss' || id === 'accuracy') {
    const steps = history.steps ?? [];
    const rec = nearest(steps, x);
    const epoch = nearest(history.epochs ?? [], x);
    if (!rec && !epoch) return null;
    const rows = [];
    if (rec) {
      const idx = steps.indexOf(rec);
      const metric = id === 'loss' ? 'loss' : 'accuracy';
      const values = steps.map((s) => s[metric]);
      const smooth = emaAt(values, idx, smoothing(steps.length));
      const show = id === 'loss' ? fmt : pctText;
      rows.push({ label: 'train (smoothed)', value: show(smooth), color: TRAIN_COLOR, strong: true });
      rows.push({ label: 'this batch', value: show(rec[metric]), color: '#9ca3af' });
    }
    // The test value of the nearest epoch end, when the pointer is near it.
    const near = epoch && (!rec || Math.abs(epoch.step - x) <= Math.max(2, 0.02 * (panel.xMax - panel.xMin)));
    if (near) {
      const v = id === 'loss' ? epoch.testLoss : epoch.testAccuracy;
      rows.push({ label: `test, after epoch ${epoch.epoch}`, value: id === 'loss' ? fmt(v) : pctText(v), color: TEST_COLOR, strong: true });
    }
    return { title: stepTitle(rec && !near ? rec.step : (near ? epoch.step : rec.step)), rows, step: near ? epoch.step : rec.step };
  }
  const probes = (history.probes ?? []).filter((p) => p.layers?.length);
  if (!probes.length) return null;
  const hist = /^hist-(\d+)$/.exec(id);
  const bands = /^bands-(\d+)$/.exec(id);
  const stageKey = stage === 'pre' ? 'preQuantiles' : 'postQuantiles';
  const stageText = stage === 'pre' ? 'before the activation' : 'after the activation';
  if (hist) {
    const i = Number(hist[1]) - 1;
    const latest = probes[probes.length - 1];
    const q = latest.layers[i]?.[stageKey];
    if (!q) return null;
    const bins = 40;
    const j = Math.min(bins - 1, Math.max(0, Math.floor(((x - panel.xMin) / (panel.xMax - panel.xMin)) * bins)));
    const width = (panel.xMax - panel.xMin) / bins;
    const lo = panel.xMin + j * width;
    const share = binMass(q, panel.xMin, panel.xMax, bins, j);
    return {
      title: `${layerName(i, latest.layers.length)} · ${acts[i] ?? ''} · ${stageText}`,
      rows: [
        { label: `values in [${fmt(lo, 3)}, ${fmt(lo + width, 3)})`, value: pctText(share), color: LAYER_COLORS[i % 3], strong: true },
        { label: `values ≤ ${fmt(x, 3)}`, value: pctText(cdf(q, x)) },
        { label: 'median', value: fmt(q[50]) },
        { label: 'at step', value: stepText(latest.step) },
      ],
      step: latest.step,
    };
  }
  const probe = nearest(probes, x);
  const n = probe.layers.length;
  if (bands) {
    const i = Number(bands[1]) - 1;
    const q = probe.layers[i]?.[stageKey];
    if (!q) return null;
    return {
      title: `${stepTitle(probe.step)} · ${layerName(i, n)} · ${acts[i] ?? ''}`,
      rows: [
        { label: '95th percentile', value: fmt(q[95]) },
        { label: '75th percentile', value: fmt(q[75]) },
        { label: 'median', value: fmt(q[50]), color: LAYER_COLORS[i % 3], strong: true },
        { label: '25th percentile', value: fmt(q[25]) },
        { label: '5th percentile', value: fmt(q[5]) },
        { label: '', value: stageText, note: true },
      ],
      step: probe.step,
    };
  }
  if (id === 'grad') {
    // The layer whose line is nearest the pointer (log axis) is shown in bold.
    let best = -1, bestDist = Infinity;
    probe.layers.forEach((l, i) => {
      if (l.gradNorm > 0 && y > 0) {
        const d = Math.abs(Math.log(l.gradNorm) - Math.log(y));
        if (d < bestDist) { bestDist = d; best = i; }
      }
    });
    return {
      title: `${stepTitle(probe.step)} · weight-gradient norm ‖∂loss/∂W‖`,
      rows: probe.layers.map((l, i) => ({
        label: `${layerName(i, n)} · ${acts[i] ?? ''}`, value: fmt(l.gradNorm), color: LAYER_COLORS[i % 3], strong: i === best,
      })),
      step: probe.step,
    };
  }
  if (id === 'ratio') {
    const first = probe.layers[0]?.gradNorm, last = probe.layers[n - 1]?.gradNorm;
    const ratio = first != null && last > 0 ? first / last : NaN;
    return {
      title: `${stepTitle(probe.step)} · ${layerName(0, n)} ÷ ${layerName(n - 1, n)}`,
      rows: [
        { label: 'gradient ratio', value: Number.isFinite(ratio) ? (ratio < 1 && ratio > 0 ? `${fmt(ratio)} (1/${(1 / ratio).toFixed(0)})` : fmt(ratio)) : 'none (last is 0)', strong: true },
        { label: `${layerName(0, n)} norm`, value: fmt(first), color: LAYER_COLORS[0] },
        { label: `${layerName(n - 1, n)} norm`, value: fmt(last), color: LAYER_COLORS[(n - 1) % 3] },
      ],
      step: probe.step,
    };
  }
  if (id === 'dead' || id === 'saturated') {
    const key = id === 'dead' ? 'deadFraction' : 'saturatedFraction';
    const rows = probe.layers.map((l, i) => ({
      label: `${layerName(i, n)} · ${acts[i] ?? ''}`, value: pctText(l[key]), color: LAYER_COLORS[i % 3],
    }));
    if (id === 'dead') rows.push({ label: 'images with all outputs 0', value: pctText(probe.deadOutputRows), color: TRAIN_COLOR, strong: probe.deadOutputRows >= 0.5 });
    return { title: `${stepTitle(probe.step)} · ${id === 'dead' ? 'dead units (output 0 for every probe image)' : 'saturated units'}`, rows, step: probe.step };
  }
  return null;
}

/** Pixel → data for a panel (see plots::PanelLayout::data_at). */
export function dataAt(panel, px, py) {
  const { left: l, right: r, top: t, bottom: b } = panel;
  if (px < l || px > r || py < t || py > b || r <= l || b <= t) return null;
  const x = panel.xMin + ((px - l) / (r - l)) * (panel.xMax - panel.xMin);
  const f = (b - py) / (b - t);
  const y = panel.yLog
    ? Math.exp(Math.log(panel.yMin) + f * (Math.log(panel.yMax) - Math.log(panel.yMin)))
    : panel.yMin + f * (panel.yMax - panel.yMin);
  return { x, y };
}

/** Backend pixel x of data x in a panel. */
function pixelOfX(panel, x) {
  return panel.left + ((x - panel.xMin) / (panel.xMax - panel.xMin)) * (panel.right - panel.left);
}

function tipElement() {
  let tip = $('chart-tip');
  if (!tip) {
    tip = document.createElement('div');
    tip.id = 'chart-tip';
    tip.className = 'chart-tip';
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
    document.body.append(tip);
  }
  return tip;
}

function hideTip(box) {
  tipElement().hidden = true;
  const cursor = box?.querySelector('.chart-cursor');
  if (cursor) cursor.hidden = true;
}

function renderTip(tip, side, info) {
  tip.textContent = '';
  const head = document.createElement('div');
  head.className = 'tip-title';
  if (charts.compare) {
    const tag = document.createElement('span');
    tag.className = `ab-tag ab-${side}`;
    tag.textContent = side.toUpperCase();
    head.append(tag, ' ');
  }
  head.append(info.title);
  tip.append(head);
  const table = document.createElement('div');
  table.className = 'tip-rows';
  for (const row of info.rows) {
    const label = document.createElement('span');
    label.className = 'tip-label';
    if (row.note) label.classList.add('tip-note');
    if (row.color) {
      const sw = document.createElement('i');
      sw.className = 'tip-swatch';
      sw.style.background = row.color;
      label.append(sw);
    }
    label.append(row.label);
    const value = document.createElement('span');
    value.className = 'tip-value';
    if (row.strong) value.classList.add('strong');
    if (row.note) { value.classList.add('tip-note'); }
    value.textContent = row.value;
    table.append(label, value);
  }
  tip.append(table);
}

function onPointer(event, side, chart) {
  const canvas = event.currentTarget;
  const box = canvas.closest('.plot-box');
  const layout = charts.sides[side]?.layouts[chart.key];
  if (!layout || layout.empty || !layout.panels?.length || !canvas.clientWidth) return hideTip(box);
  const rect = canvas.getBoundingClientRect();
  const cssX = event.clientX - rect.left - canvas.clientLeft;
  const cssY = event.clientY - rect.top - canvas.clientTop;
  const ratio = canvas.width / canvas.clientWidth;
  const px = cssX * ratio, py = cssY * (canvas.height / canvas.clientHeight);
  const panel = layout.panels.find((p) => dataAt(p, px, py));
  if (!panel) return hideTip(box);
  const { x, y } = dataAt(panel, px, py);
  const info = readout(panel, x, y, historyOf(side), charts.stage);
  if (!info) return hideTip(box);
  const tip = tipElement();
  renderTip(tip, side, info);
  tip.hidden = false;
  tip.dataset.panel = panel.id;
  // Beside the pointer, flipped near the window's right or bottom edge.
  const pad = 16;
  const w = tip.offsetWidth, h = tip.offsetHeight;
  let left = event.clientX + pad, top = event.clientY + pad;
  if (left + w > window.innerWidth - 8) left = event.clientX - pad - w;
  if (top + h > window.innerHeight - 8) top = event.clientY - pad - h;
  tip.style.left = `${Math.max(4, left)}px`;
  tip.style.top = `${Math.max(4, top)}px`;
  // A vertical cursor at the recorded step the values come from (step axes only).
  let cursor = box.querySelector('.chart-cursor');
  if (!cursor) {
    cursor = document.createElement('div');
    cursor.className = 'chart-cursor';
    box.append(cursor);
  }
  const snapX = panel.xLabel === 'step' && info.step != null ? pixelOfX(panel, info.step) : px;
  const k = canvas.clientWidth / canvas.width;
  cursor.style.left = `${canvas.offsetLeft + canvas.clientLeft + snapX * k}px`;
  cursor.style.top = `${canvas.offsetTop + canvas.clientTop + panel.top * k}px`;
  cursor.style.height = `${(panel.bottom - panel.top) * k}px`;
  cursor.hidden = false;
}

/** Wires hover read-outs to every chart canvas. */
export function attachHover() {
  for (const side of SIDES) {
    for (const chart of CHARTS) {
      const canvas = $(canvasId(chart, side));
      if (!canvas) continue;
      canvas.addEventListener('pointermove', (e) => onPointer(e, side, chart));
      canvas.addEventListener('pointerdown', (e) => onPointer(e, side, chart));
      canvas.addEventListener('pointerleave', () => hideTip(canvas.closest('.plot-box')));
    }
  }
  window.addEventListener('scroll', () => { tipElement().hidden = true; }, { passive: true });
}

// ------------------------------------------------------------------------------ export
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** A file-name-safe version of a label. */
const safe = (s) => String(s).replace(/[^a-z0-9._-]+/gi, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'run';

export function fileName(side, what, ext) {
  const { label, step } = charts.describe(side);
  const tag = charts.compare ? `${side.toUpperCase()}_` : '';
  return `activation-playground_${tag}${safe(label)}_step-${step}_${what}.${ext}`;
}

/** Saves one chart's canvas as a PNG. */
export function savePng(side, chart) {
  const canvas = $(canvasId(chart, side));
  if (!canvas || !canvas.closest('.plot-box')?.classList.contains('has-chart')) {
    throw new Error('this chart has nothing drawn yet: train first');
  }
  const what = chart.kind === 'activations' ? `activations-${charts.stage}` : chart.name;
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) return reject(new Error('the browser could not encode the chart as PNG'));
      download(blob, fileName(side, what, 'png'));
      resolve();
    }, 'image/png');
  });
}

/** Downloads the recorded statistics of a side as CSV (long format) or JSON. */
export async function saveHistory(side, format) {
  const text = await withTrainer(side, (t) => (format === 'csv' ? t.historyCsv() : t.historyJson()));
  const type = format === 'csv' ? 'text/csv' : 'application/json';
  download(new Blob([text], { type }), fileName(side, 'statistics', format));
}
