// Which charts fill the chart area: all four, one large, or the loss and one more side by side.
// Lecture mode offers every choice; a phone shows one chart at a time (its tabs are the single
// views). The choice is the body's data-view attribute; the CSS lays the grid out from it.

const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/** [value, label, kind]: kind 'all', 'one' (a single chart) or 'two' (the loss and one more). */
export const VIEWS = [
  ['all', 'All four', 'all'],
  ['loss', 'Loss', 'one'],
  ['activations', 'Activations', 'one'],
  ['gradients', 'Gradients', 'one'],
  ['health', 'Health', 'one'],
  ['loss+activations', 'Loss + activations', 'two'],
  ['loss+gradients', 'Loss + gradients', 'two'],
  ['loss+health', 'Loss + health', 'two'],
];

/** The view shown now. */
export function currentView() { return document.body.dataset.view || 'all'; }

/** Shows `view` (one of VIEWS); `onChange` redraws the charts at their new sizes. */
export function setView(/** @type {string} */ view, /** @type {(() => void) | undefined} */ onChange = undefined) {
  if (!VIEWS.some(([value]) => value === view)) view = 'all';
  document.body.dataset.view = view;
  for (const button of document.querySelectorAll('.view-tabs button')) {
    button.setAttribute('aria-selected', String(/** @type {HTMLElement} */ (button).dataset.view === view));
  }
  onChange?.();
}

/** Builds the view tabs above the charts. */
export function initViews(/** @type {() => void} */ onChange) {
  const bar = document.createElement('div');
  bar.className = 'view-tabs';
  bar.setAttribute('role', 'tablist');
  bar.setAttribute('aria-label', 'Which charts to show');
  for (const [value, label, kind] of VIEWS) {
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
  const i = VIEWS.findIndex(([value]) => value === currentView());
  setView(VIEWS[(i + 1) % VIEWS.length][0], onChange);
}
