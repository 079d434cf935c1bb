// The four charts "inside the network", for A and (when comparing) B. The engine worker draws
// them (plotters, in wasm) onto OffscreenCanvases this page handed over, and answers hover
// questions from the same data and layout it drew with; this file builds the figures, decides
// when to draw, shows the read-outs and saves files.
//
// * During training the worker's loop decides when to redraw (engine/cadence.js) from the View
//   this file gives it (canvas sizes, scale, stage), and reports each chart it drew.
// * Backing stores are CSS size × devicePixelRatio, and the scale passed on also carries the
//   text zoom of lecture mode (`setZoom`).

import { app, $, errorText } from './state.js';

/** @typedef {import('./engine/protocol.js').Readout} Readout */

export const CHARTS = [
  { kind: 'training', key: 'loss', name: 'loss-accuracy', title: 'Loss and accuracy' },
  { kind: 'activations', key: 'activations', name: 'activations', title: 'Activations per layer' },
  { kind: 'gradients', key: 'gradients', name: 'gradients', title: 'Gradients per layer' },
  { kind: 'health', key: 'health', name: 'health', title: 'Network health: dead and saturated units' },
];
export const SIDES = ['a', 'b'];

/** The canvas of `chart` for side `a` (the main run) or `b` (the comparison). */
const canvasId = (/** @type {{key: string}} */ chart, side = 'a') => `chart-${chart.key}${side === 'b' ? '-b' : ''}`;

const newSide = () => ({ ready: false, /** @type {Record<string, any>} */ layouts: {} });

export const charts = {
  sides: { a: newSide(), b: newSide() },
  stage: 'post',
  compare: false,
  /** false: draw nothing (the bench's baseline) */
  live: true,
  zoom: 1,
  /** the last whole redraw's drawing time in the worker (ms) */
  drawMs: 0,
  /** @type {Record<string, number>} the last drawing time of each chart (ms, in the worker) */
  lastMs: {},
  failed: false,
  token: 0,
};

// ------------------------------------------------------------------------------ the figures
/** Builds the eight figures (four charts × A, B) from the page's template. */
export function buildFigures() {
  const grid = $('plot-grid');
  const template = $('plot-template');
  for (const chart of CHARTS) {
    for (const side of SIDES) {
      const figure = template.content.firstElementChild.cloneNode(true);
      figure.classList.add(`plot-${side}`);
      figure.dataset.chart = chart.key;
      figure.dataset.side = side;
      figure.hidden = side === 'b';
      const canvas = figure.querySelector('canvas');
      canvas.id = canvasId(chart, side);
      canvas.setAttribute('aria-label', `${chart.title} (${side.toUpperCase()})`);
      const tag = figure.querySelector('.ab-tag');
      tag.classList.add(`ab-${side}`);
      tag.textContent = side.toUpperCase();
      figure.querySelector('.plot-name').textContent = chart.title;
      const save = figure.querySelector('.save-png');
      save.dataset.chart = chart.key;
      save.dataset.side = side;
      if (chart.kind === 'activations' && side === 'a') {
        save.before($('act-stage-template').content.firstElementChild.cloneNode(true));
      }
      grid.append(figure);
      attachHover(canvas, side, chart);
    }
  }
}

/**
 * Hands every chart canvas to the engine as an OffscreenCanvas. A canvas can be handed over
 * once only: after a restart each is replaced by a fresh copy first.
 */
export function transferCanvases() {
  /** @type {Record<string, OffscreenCanvas>} */
  const canvases = {};
  for (const chart of CHARTS) {
    for (const side of SIDES) {
      let canvas = $(canvasId(chart, side));
      if (canvas.dataset.transferred) {
        const fresh = canvas.cloneNode(false);
        delete fresh.dataset.transferred;
        delete fresh.dataset.drawn;
        canvas.replaceWith(fresh);
        attachHover(fresh, side, chart);
        canvas = fresh;
      }
      canvas.dataset.transferred = '1';
      canvases[canvas.id] = canvas.transferControlToOffscreen();
    }
  }
  charts.sides = { a: newSide(), b: newSide() };
  for (const box of document.querySelectorAll('.plot-box')) box.classList.remove('has-chart');
  return canvases;
}

// ------------------------------------------------------------------------------ trainers
/** Whether a side has a trainer in the engine to draw from (the page creates them). */
export function setReady(/** @type {string} */ side, /** @type {boolean} */ ready) {
  charts.sides[side] = { ...newSide(), ready };
}

export function hasTrainer(/** @type {string} */ side) {
  return charts.sides[side]?.ready ?? false;
}

function activeSides() {
  return SIDES.filter((side) => charts.sides[side].ready && (side === 'a' || charts.compare));
}

// ------------------------------------------------------------------------------ drawing
/**
 * The scale passed to wasm: device pixels per CSS pixel, times the text zoom. The activation
 * chart stacks three rows of panels with fixed tick counts: it gets less zoom so its ticks fit.
 */
function chartScale(
  /** @type {{kind: string}} */ chart,
  /** @type {{clientWidth: number, clientHeight: number}} */ canvas,
) {
  let zoom = chart.kind === 'activations' ? 1 + (charts.zoom - 1) * 0.4 : charts.zoom;
  // Larger type only where the chart has the room for it (a 2×2 grid on a 720p projector has
  // not): type grows with the box, up to the zoom (a 560×280 box takes 1, 840×420 takes 1.5;
  // the activations stack three rows of panels and need more height).
  const [w, h] = chart.kind === 'activations' ? [640, 340] : [560, 280];
  const room = Math.min(canvas.clientWidth / w, canvas.clientHeight / h);
  zoom = Math.max(1, Math.min(zoom, room));
  return Math.min(4, (window.devicePixelRatio || 1) * zoom);
}

/** Where and how big `chart` of `side` is drawn (backing store), or null if not visible. */
function target(/** @type {string} */ side, /** @type {any} */ chart) {
  const canvas = $(canvasId(chart, side));
  if (!canvas) return null;
  const dpr = Math.min(4, window.devicePixelRatio || 1);
  const width = Math.round(canvas.clientWidth * dpr);
  const height = Math.round(canvas.clientHeight * dpr);
  if (width < 40 || height < 30) return null;
  return { side, chart: chart.kind, canvas: canvas.id, width, height, scale: chartScale(chart, canvas) };
}

/** What the worker's loop redraws during training (engine/cadence.js), in cycle order. */
export function view() {
  const targets = [];
  for (const chart of CHARTS) {
    for (const side of activeSides()) {
      const t = target(side, chart);
      if (t) targets.push(t);
    }
  }
  return { live: charts.live, stage: charts.stage, targets };
}

/** A chart was drawn (by a request or by the loop): keep its layout for hover, show it. */
export function noteDrawn(/** @type {any} */ t, /** @type {any} */ layout, /** @type {number} */ ms) {
  const chart = CHARTS.find((c) => c.kind === t.chart);
  const s = charts.sides[t.side];
  if (!chart || !s?.ready) return;
  s.layouts[chart.key] = layout;
  charts.lastMs[chart.kind] = ms;
  const current = $(canvasId(chart, t.side));
  current.closest('.plot-box')?.classList.add('has-chart');
  current.dataset.drawn = String((Number(current.dataset.drawn) || 0) + 1);
}

/** Draws one chart in the engine; resolves once it is on screen (or could not be drawn). */
export async function drawChart(/** @type {string} */ side, /** @type {any} */ chart) {
  const s = charts.sides[side];
  const t = target(side, chart);
  if (!charts.live || !s.ready || !t || !app.engine || app.engine.dead) return 0;
  try {
    const { layout, ms } = await app.engine.call('draw', { ...t, stage: charts.stage });
    if (charts.sides[side] !== s) return 0; // a new trainer meanwhile
    noteDrawn(t, layout, ms);
    return ms;
  } catch (e) {
    if (app.engine?.dead) return;
    if (!charts.failed) console.warn(`drawing the ${chart.kind} chart failed:`, errorText(e));
    charts.failed = true;
    return 0;
  }
}

/** Draws every chart of every active side (after a run, on resize, on a stage switch). */
export async function drawAll() {
  const token = ++charts.token;
  let total = 0;
  for (const side of activeSides()) {
    for (const chart of CHARTS) {
      if (token !== charts.token) return;
      total += await drawChart(side, chart);
    }
  }
  if (total > 0) charts.drawMs = total;
}

/** The charts' size, zoom, stage or sides changed: a running loop starts a new cycle with them. */
export function invalidate() {
  if (app.run && app.engine && !app.engine.dead) app.engine.call('view', { view: view() }).catch(() => {});
}

/** A new run: forgets the drawing failures of the last. */
export function resetSchedule() {
  charts.failed = false;
  charts.token++;
}

/** Shows the HTML placeholders again (nothing to draw with). */
export function clearCanvases() {
  charts.token++;
  for (const side of SIDES) {
    for (const chart of CHARTS) {
      const canvas = $(canvasId(chart, side));
      if (app.engine && !app.engine.dead) app.engine.call('clear', { canvas: canvas.id }).catch(() => {});
      canvas.closest('.plot-box')?.classList.remove('has-chart');
    }
  }
}

/** The engine stopped (true) or runs again: the figures say so instead of showing stale pixels. */
export function showStopped(/** @type {boolean} */ stopped) {
  for (const box of document.querySelectorAll('.plot-box')) {
    box.classList.remove('has-chart');
    const placeholder = box.querySelector('.plot-empty');
    if (placeholder) placeholder.textContent = stopped ? 'The training engine stopped' : 'No data yet';
  }
}

export function setZoom(/** @type {number} */ zoom) {
  charts.zoom = zoom;
}

// ------------------------------------------------------------------------------ hover read-outs
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

function hideTip(/** @type {Element | null} */ box) {
  tipElement().hidden = true;
  const cursor = /** @type {HTMLElement | null} */ (box?.querySelector('.chart-cursor'));
  if (cursor) cursor.hidden = true;
}

function renderTip(/** @type {HTMLElement} */ tip, /** @type {string} */ side, /** @type {Readout} */ info) {
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
    if (row.note) value.classList.add('tip-note');
    value.textContent = row.value;
    table.append(label, value);
  }
  tip.append(table);
}

/** One hover question in flight at a time; the latest pointer position waits behind it. */
const hover = { busy: false, /** @type {any} */ next: null };

async function onPointer(/** @type {PointerEvent} */ event, /** @type {string} */ side, /** @type {any} */ chart) {
  const canvas = /** @type {HTMLCanvasElement} */ (event.currentTarget);
  hover.next = { canvas, side, chart, clientX: event.clientX, clientY: event.clientY };
  if (hover.busy) return;
  hover.busy = true;
  try {
    while (hover.next) {
      const p = hover.next;
      hover.next = null;
      await answer(p);
    }
  } finally {
    hover.busy = false;
  }
}

async function answer(/** @type {any} */ { canvas, side, chart, clientX, clientY }) {
  const box = canvas.closest('.plot-box');
  const layout = charts.sides[side]?.layouts[chart.key];
  if (!layout || layout.empty || !layout.panels?.length || !canvas.clientWidth || !app.engine || app.engine.dead)
    return hideTip(box);
  const rect = canvas.getBoundingClientRect();
  const k = canvas.clientWidth / layout.width; // CSS pixels per backing-store pixel
  const px = (clientX - rect.left - canvas.clientLeft) / k;
  const py = (clientY - rect.top - canvas.clientTop) / k;
  /** @type {Readout | null} */
  let info = null;
  try {
    info = await app.engine.call('hover', { side, chart: chart.kind, px, py }, { timeout: 10_000 });
  } catch {
    info = null;
  }
  if (hover.next && hover.next.canvas !== canvas) return; // the pointer moved on to another chart
  if (!info || !canvas.isConnected) return hideTip(box);
  const tip = tipElement();
  renderTip(tip, side, info);
  tip.hidden = false;
  tip.dataset.panel = info.panel;
  // Beside the pointer, flipped near the window's right or bottom edge.
  const pad = 16;
  const w = tip.offsetWidth,
    h = tip.offsetHeight;
  let left = clientX + pad,
    top = clientY + pad;
  if (left + w > window.innerWidth - 8) left = clientX - pad - w;
  if (top + h > window.innerHeight - 8) top = clientY - pad - h;
  tip.style.left = `${Math.max(4, left)}px`;
  tip.style.top = `${Math.max(4, top)}px`;
  // A vertical cursor where the values come from (Rust snaps it to the recorded step).
  let cursor = box.querySelector('.chart-cursor');
  if (!cursor) {
    cursor = document.createElement('div');
    cursor.className = 'chart-cursor';
    box.append(cursor);
  }
  cursor.style.left = `${canvas.offsetLeft + canvas.clientLeft + info.cursorX * k}px`;
  cursor.style.top = `${canvas.offsetTop + canvas.clientTop + info.top * k}px`;
  cursor.style.height = `${(info.bottom - info.top) * k}px`;
  cursor.hidden = false;
}

function attachHover(/** @type {HTMLCanvasElement} */ canvas, /** @type {string} */ side, /** @type {any} */ chart) {
  canvas.addEventListener('pointermove', (e) => onPointer(e, side, chart));
  canvas.addEventListener('pointerdown', (e) => onPointer(e, side, chart));
  canvas.addEventListener('pointerleave', () => {
    hover.next = null;
    hideTip(canvas.closest('.plot-box'));
  });
}

window.addEventListener(
  'scroll',
  () => {
    tipElement().hidden = true;
  },
  { passive: true },
);

// ------------------------------------------------------------------------------ export
function download(/** @type {Blob} */ blob, /** @type {string} */ name) {
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

/** Where an export comes from: the page's address (for the link) and the A/B tag of the side. */
function origin(/** @type {string} */ side) {
  return { base: location.href.replace(/[?#].*$/, ''), tag: charts.compare ? side.toUpperCase() : '' };
}

/** Saves one chart as a PNG, with the run's caption below it (both drawn by the worker). */
export async function savePng(/** @type {string} */ side, /** @type {any} */ chart) {
  if (!app.engine || app.engine.dead || !charts.sides[side]?.ready)
    throw new Error('nothing to export yet: train first');
  const what = chart.kind === 'activations' ? `activations-${charts.stage}` : chart.name;
  const request = { side, chart: chart.kind, canvas: canvasId(chart, side), what, ...origin(side) };
  const { name, blob } = await app.engine.call('png', request, { timeout: 30_000 });
  download(blob, name);
}

/** Downloads the recorded statistics of a side as CSV (long format) or JSON, with the run's settings and link. */
export async function saveHistory(/** @type {string} */ side, /** @type {string} */ format) {
  if (!app.engine || app.engine.dead || !charts.sides[side]?.ready)
    throw new Error('nothing to export yet: train first');
  const { name, text } = await app.engine.call('history', { side, format, ...origin(side) }, { timeout: 30_000 });
  download(new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' }), name);
}
