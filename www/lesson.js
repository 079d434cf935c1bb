// Lessons in lecture mode: a presenter's clicker (PageDown / PageUp) walks through a lesson's
// steps; each step loads its settings, view and talking point and starts training. The lesson,
// its steps and its captions are Rust's (share::lessons, parsed from the link like every other
// setting); this file only renders the caption bar and moves between steps. A step about the
// whole table (Rust's `sweep`: a sweep link's query) hands that query to the sweep section
// (www/sweep/sweep.js, through a 'lesson-sweep' event), which trains it live in place of the
// charts; leaving the step cancels it. B or . blanks the screen, as in slide software.

import { app, $ } from './state.js';
import { ensureElement } from './dom.js';
import * as datasets from './datasets.js';
import * as run from './run.js';
import { applyView, syncUrl } from './links.js';
import { readForm } from './settings.js';

/** Shows (or hides) the caption bar "3 / 6 · talking point" for the lesson step open now. */
export function showCaption() {
  const bar = ensureElement(
    'lesson-caption',
    'p',
    'lesson-caption',
    (el) => el.setAttribute('aria-live', 'polite'),
    $('plots'),
  );
  bar.hidden = !app.lesson;
  bar.textContent = app.lesson?.caption ?? '';
  document.body.classList.toggle('has-lesson', !!app.lesson);
}

/** The backend the page runs on: a lecture room's machine, whatever a step says. */
const backend = () => readForm().config?.backend ?? 'gpu';

/**
 * Shows the open step's live table (and stops the trainer, whose worker and cores the sweep
 * needs), or hides it when the step has none. Returns whether the step is a table.
 */
export function showTable() {
  const sweep = app.lesson?.sweep ?? null;
  const was = document.body.classList.contains('lesson-table');
  document.body.classList.toggle('lesson-table', !!sweep);
  if (sweep) {
    if (app.run) run.stopRun();
    document.dispatchEvent(new CustomEvent('lesson-sweep', { detail: { query: `${sweep}&backend=${backend()}` } }));
  } else if (was) {
    document.dispatchEvent(new CustomEvent('lesson-sweep', { detail: { query: null } }));
  }
  return !!sweep;
}

/**
 * `action`, except while a table step covers the charts in lecture mode: the trainer's keys
 * (Space, →, R) must not start a hidden run beside the sweep.
 */
export const unlessTable = (/** @type {() => void} */ action) => () => {
  const body = document.body.classList;
  if (!(body.contains('lecture') && body.contains('lesson-table'))) action();
};

/** Trains the form's settings from step 0 (after the current run, if any, has stopped). */
function startFresh() {
  const go = () =>
    datasets.ensure(datasets.currentKind()).then(() => {
      if (!app.run) run.startRun();
    });
  if (app.run) {
    app.run.onEnd = go;
    run.stopRun();
  } else {
    go();
  }
}

/**
 * Moves `by` steps through the open lesson (PageDown: +1, PageUp: −1). Returns false when no
 * lesson is open (the key keeps its usual meaning then).
 */
export function move(/** @type {number} */ by) {
  const place = app.lesson;
  if (!place) return false;
  const step = place.step + by;
  if (step < 1 || step > place.steps || app.state === 'loading') return true;
  const query = `lesson=${encodeURIComponent(place.name)}&step=${step}&backend=${backend()}`;
  const view = JSON.parse(app.wasm.parseShareQuery(query));
  applyView(view);
  showCaption();
  syncUrl();
  if (!showTable()) startFresh();
  return true;
}

/** B or .: the screen goes black (and back), as in slide software. */
export function toggleBlank() {
  const cover = ensureElement('blank-screen', 'div', 'blank-screen', (el) => {
    el.hidden = true;
    el.addEventListener('click', () => (el.hidden = true));
  });
  cover.hidden = !cover.hidden;
}
