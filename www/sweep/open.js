// The sweep and the trainer: the seeds a cell can open, opening one in the trainer above (its
// link in the address bar, no reload; the page applies it and says what it opened), and a sweep
// link's landing at the sweep.
import { root, ui, $, call } from './state.js';

/** A sweep's settings in a link's hash: `#sweep?combos=…`. */
export const HASH = '#sweep?';

/** The seeds of a combination's finished runs, in the sweep's order. @param {string[]} acts */
export function cellSeeds(acts) {
  return ui.spec.runs
    .filter(([key, c]) => c.acts.join(',') === acts.join(',') && ui.records.has(key))
    .map(([, c]) => c.seed);
}

/** Opens one run of a cell in the trainer: its link in the address bar, the page applies it. */
export async function openCell(/** @type {string[]} */ acts, /** @type {number} */ seed) {
  const run = ui.spec.runs.find(([, c]) => c.acts.join(',') === acts.join(',') && c.seed === seed);
  if (!run) return;
  const link = await call('sweepLink', { config: JSON.stringify(run[1]) });
  // The page's own link loads the combination into the single-run view; the hash keeps the sweep.
  history.pushState(null, '', `${location.pathname}?${link}${HASH}${ui.spec.query}`);
  document.dispatchEvent(new CustomEvent('open-link', { detail: { from: 'the sweep' } }));
}

/**
 * Scrolls the sweep into view and gives it the focus (a sweep link's landing). The trainer above
 * settles after the sweep (data, charts): the sweep stays in view while the page above grows,
 * until the reader scrolls or types.
 */
export function showSection() {
  const go = () => root.scrollIntoView({ block: 'start' });
  $('start').focus({ preventScroll: true });
  go();
  const grow = new ResizeObserver(go);
  grow.observe(document.body);
  const stop = () => {
    grow.disconnect();
    for (const type of ['wheel', 'keydown', 'touchstart', 'pointerdown']) removeEventListener(type, stop, true);
  };
  for (const type of ['wheel', 'keydown', 'touchstart', 'pointerdown']) addEventListener(type, stop, true);
  setTimeout(stop, 10_000);
}
