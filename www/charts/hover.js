// The charts' hover read-outs: a pointer over a chart asks the engine worker what is under it
// (Rust answers from the data and layout it drew with) and shows the answer in a tooltip, with a
// vertical cursor where the values come from. charts.js attaches it to every chart canvas.

import { app } from '../state.js';
import { ensureElement } from '../dom.js';

/** @typedef {import('../engine/protocol.js').Readout} Readout */
/** @typedef {{sides: Record<string, {layouts: Record<string, any>}>, compare: boolean}} Charts */

function tipElement() {
  return ensureElement('chart-tip', 'div', 'chart-tip', (tip) => {
    tip.setAttribute('role', 'tooltip');
    tip.hidden = true;
  });
}

function hideTip(/** @type {Element | null} */ box) {
  tipElement().hidden = true;
  const cursor = /** @type {HTMLElement | null} */ (box?.querySelector('.chart-cursor'));
  if (cursor) cursor.hidden = true;
}

function renderTip(
  /** @type {HTMLElement} */ tip,
  /** @type {string} */ side,
  /** @type {Readout} */ info,
  /** @type {boolean} */ compare,
) {
  tip.textContent = '';
  const head = document.createElement('div');
  head.className = 'tip-title';
  if (compare) {
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

async function onPointer(
  /** @type {PointerEvent} */ event,
  /** @type {string} */ side,
  /** @type {any} */ chart,
  /** @type {Charts} */ charts,
) {
  const canvas = /** @type {HTMLCanvasElement} */ (event.currentTarget);
  hover.next = { canvas, side, chart, charts, clientX: event.clientX, clientY: event.clientY };
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

async function answer(/** @type {any} */ { canvas, side, chart, charts, clientX, clientY }) {
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
  renderTip(tip, side, info, charts.compare);
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
  cursor.style.left = `${canvas.offsetLeft + canvas.clientLeft + info.cursor.x * k}px`;
  cursor.style.top = `${canvas.offsetTop + canvas.clientTop + info.cursor.top * k}px`;
  cursor.style.height = `${(info.cursor.bottom - info.cursor.top) * k}px`;
  cursor.hidden = false;
}

/** Read-outs for `chart` of `side` on `canvas`; `charts`: the state of charts.js (layouts drawn, A/B on). */
export function attachHover(
  /** @type {HTMLCanvasElement} */ canvas,
  /** @type {string} */ side,
  /** @type {any} */ chart,
  /** @type {Charts} */ charts,
) {
  canvas.addEventListener('pointermove', (e) => onPointer(e, side, chart, charts));
  canvas.addEventListener('pointerdown', (e) => onPointer(e, side, chart, charts));
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
