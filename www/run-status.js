// What the page says about a run, in the run controls' own words (▶ Play, ❚❚ Pause, Step ›,
// ↺ Reset, ■ Stop: the same in the status, the help and lecture mode), and the banner over the
// charts for a run that stopped by itself.

import { app, $, fmtInt, pct } from './state.js';
import { showRunBanner } from './status.js';

/** What to press before a run: the run controls' own names, as in the help and lecture mode. */
export const READY = 'Press ▶ Play (space) to train, or Step › (→) for one batch at a time.';

/**
 * A run that diverged: the banner over the charts says so, with the next action (the learning
 * rate field named by `field`, A's or B's, focused once the run has ended).
 */
export function showDiverged(/** @type {string} */ text, /** @type {string} */ field) {
  showRunBanner({
    title: 'The run diverged.',
    text,
    action: 'Lower the learning rate',
    onAction: () => {
      // The field is in the settings, which lecture mode hides: leave it first.
      if (document.body.classList.contains('lecture')) $('lecture-toggle').click();
      requestAnimationFrame(() => {
        const input = $(field);
        input.scrollIntoView({ block: 'center' });
        input.focus();
        input.select();
      });
    },
  });
}

export function runningText(run, starting = false) {
  const where =
    run.backend === 'gpu'
      ? starting
        ? 'Training on WebGPU. The first step compiles the GPU shaders and can take a few seconds…'
        : 'Training on WebGPU…'
      : 'Training on the CPU…';
  const ab = run.b ? ' A and B side by side, batch by batch.' : '';
  const slow = app.speed > 0 ? ` Slow motion: at most ${app.speed} step${app.speed === 1 ? '' : 's'} per second.` : '';
  return `${where}${ab}${slow}`;
}

export function pausedText() {
  return `Paused at step ${fmtInt.format(app.progress?.step ?? 0)}. ▶ Play (space) goes on, Step › (→) trains one batch, ↺ Reset (R) goes back to step 0.`;
}

/** The sentence at the end of an A/B run. */
export function compareSummary(run, seconds) {
  const a = app.progress,
    b = app.progressB;
  const say = (name, p, outcome) =>
    outcome === 'diverged'
      ? `${name} diverged at step ${fmtInt.format(p?.step ?? 0)} (its loss became NaN or ∞)`
      : `${name} ${pct(p?.testAcc)}`;
  if (run.outcome === 'finished' && run.b.outcome === 'finished') {
    const verdict = app.wasm.abVerdict(a?.testAcc ?? 0, b?.testAcc ?? 0);
    return `Finished ${a?.epochs ?? ''} epoch${a?.epochs === 1 ? '' : 's'} in ${seconds} s. Test accuracy: A ${pct(a?.testAcc)} · B ${pct(b?.testAcc)} — ${verdict}.`;
  }
  return `Done in ${seconds} s. ${say('A', a, run.outcome)}; ${say('B', b, run.b.outcome)}.`;
}
