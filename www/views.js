// Which charts fill the chart area: all four, one large, or the loss and one more side by side.
// Lecture mode offers every choice; a phone shows one chart at a time (its tabs are the single
// views). The choice is the body's data-view attribute; the CSS lays the grid out from it.

import { app } from './state.js';
import { $ } from './dom.js';

/** @typedef {{ name: string, label: string, kind: string }} ChartView */
/** The views, from Rust's table (share::VIEWS) once the wasm module is loaded. @type {ChartView[]} */
let views = [];

/** The view shown now. */
export function currentView() {
  return document.body.dataset.view || 'all';
}

/** Shows `view` (one of VIEWS); `onChange` redraws the charts at their new sizes. */
export function setView(/** @type {string} */ view, /** @type {(() => void) | undefined} */ onChange = undefined) {
  if (!views.some((v) => v.name === view)) view = 'all';
  document.body.dataset.view = view;
  for (const button of document.querySelectorAll('.view-tabs button')) {
    button.setAttribute('aria-selected', String(/** @type {HTMLElement} */ (button).dataset.view === view));
  }
  onChange?.();
}

/** Builds the view tabs above the charts from Rust's table (needs app.wasm). */
export function initViews(/** @type {() => void} */ onChange) {
  views = JSON.parse(app.wasm.chartViews());
  const bar = document.createElement('div');
  bar.className = 'view-tabs';
  bar.setAttribute('role', 'tablist');
  bar.setAttribute('aria-label', 'Which charts to show');
  for (const { name: value, label, kind } of views) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `view-tab view-${kind}`;
    button.dataset.view = value;
    button.setAttribute('role', 'tab');
    button.textContent = label;
    button.addEventListener('click', () => setView(value, onChange));
    bar.append(button);
  }
  $('plot-grid').before(bar);
  setView(currentView());
}

/** The next view in the tabs' order (the V key). */
export function nextView(/** @type {() => void} */ onChange) {
  const i = views.findIndex((v) => v.name === currentView());
  setView(views[(i + 1) % views.length].name, onChange);
}
