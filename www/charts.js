// The four charts "inside the network", for A and (when comparing) B. The engine worker draws
// them (plotters, in wasm) onto OffscreenCanvases this page handed over, and answers hover
// questions from the same data and layout it drew with; this file builds the figures, decides
// when to draw and saves files; charts/hover.js shows the read-outs.
//
// * During training the worker's loop decides when to redraw (engine/cadence.js) from the View
//   this file gives it (canvas sizes, scale, stage), and reports each chart it drew.
// * Backing stores are CSS size × devicePixelRatio, and the scale passed on also carries the
//   text zoom of lecture mode (`setZoom`).

import { app, $, errorText } from './state.js';
import { attachHover } from './charts/hover.js';

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
      for (const button of figure.querySelectorAll('.save-png, .save-svg')) {
        Object.assign(/** @type {HTMLElement} */ (button).dataset, { chart: chart.key, side });
      }
      const save = figure.querySelector('.save-png');
      if (chart.kind === 'activations' && side === 'a') {
        save.before($('act-stage-template').content.firstElementChild.cloneNode(true));
      }
      grid.append(figure);
      attachHover(canvas, side, chart, charts);
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
        attachHover(fresh, side, chart, charts);
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
  const box = current.closest('.plot-box');
  box?.classList.add('has-chart');
  // A run that has ended will bring this chart nothing more: an empty chart says so.
  const ended = !app.run && ['finished', 'stopped', 'diverged', 'error'].includes(app.state);
  const noData = ended && !!layout?.empty;
  box?.classList.toggle('no-data', noData);
  const final = box?.querySelector('.plot-final');
  if (noData && final)
    final.textContent =
      app.lastRun?.config?.stats === 0
        ? 'No data: the statistics were off for this run.'
        : 'No data: this run ended before its first statistics probe.';
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
      canvas.closest('.plot-box')?.classList.remove('has-chart', 'no-data');
    }
  }
}

/**
 * The engine stopped (true) or runs again: the figures say so instead of showing stale pixels. A
 * dead engine cannot clear the canvases it drew on, so an opaque cover (`.plot-final`) hides them.
 */
export function showStopped(/** @type {boolean} */ stopped) {
  for (const box of document.querySelectorAll('.plot-box')) {
    box.classList.remove('has-chart');
    box.classList.toggle('no-data', stopped);
    const final = box.querySelector('.plot-final');
    if (final) final.textContent = stopped ? 'The training engine stopped' : '';
  }
}

export function setZoom(/** @type {number} */ zoom) {
  charts.zoom = zoom;
}

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

/**
 * Saves one chart as a PNG, with the run's caption below it, or (`format` 'svg') as an SVG drawing
 * of the chart, for slides and papers. The worker draws both.
 */
export async function saveChart(
  /** @type {string} */ side,
  /** @type {any} */ chart,
  /** @type {'png' | 'svg'} */ format,
) {
  if (!app.engine || app.engine.dead || !charts.sides[side]?.ready)
    throw new Error('nothing to export yet: train first');
  const what = chart.kind === 'activations' ? `activations-${charts.stage}` : chart.name;
  const request = { side, chart: chart.kind, canvas: canvasId(chart, side), what, ...origin(side) };
  const { name, blob, text } = await app.engine.call(format, request, { timeout: 30_000 });
  download(blob ?? new Blob([text], { type: 'image/svg+xml' }), name);
}

/** Downloads the recorded statistics of a side as CSV (long format) or JSON, with the run's settings and link. */
export async function saveHistory(/** @type {string} */ side, /** @type {string} */ format) {
  if (!app.engine || app.engine.dead || !charts.sides[side]?.ready)
    throw new Error('nothing to export yet: train first');
  const { name, text } = await app.engine.call('history', { side, format, ...origin(side) }, { timeout: 30_000 });
  download(new Blob([text], { type: format === 'csv' ? 'text/csv' : 'application/json' }), name);
}
