// A training run, as the page sees it: the engine worker runs the training loop itself
// (engine/loop.js: chunk after chunk, B in lockstep with A, slow motion), and this file only
// sends it commands (start, pause, resume, step, stop, speed) and renders the events it posts:
// progress, the epoch table, the state line, and when to redraw the charts.
// Nothing here computes or schedules training.

import { app, $, fmtInt, errorText } from './state.js';
import * as charts from './charts.js';
import { EngineCrashed } from './engine/client.js';
import { setState, showError, clearError, showRunBanner } from './status.js';
import { READY, showDiverged, runningText, pausedText, compareSummary } from './run-status.js';

export { READY };
import { validateForm, updatePresetSelection, describe } from './settings.js';
import { syncUrl } from './links.js';
import { resetRunDisplay, showProgress, showProgressB, renderEpochRows, drawSparkline } from './progress.js';

/** @typedef {import('./engine/protocol.js').LoopEvent} LoopEvent */

// A running engine that posts nothing for this long is treated as hung: it is stopped and the
// page offers a restart. The first WebGPU step compiles shaders (seconds on a software adapter).
const HANG_MS = { cpu: 60_000, gpu: 180_000 };

let nextRunId = 1;
/** Tests: a shorter hang limit (ms; 0: the defaults). */
let hangLimit = 0;
export function setHangLimit(/** @type {number} */ ms) {
  hangLimit = ms;
  if (app.run && !app.run.paused) watch(app.run, true);
}

let emptyChartsPending = false;

/**
 * Before any run (and after a reset): the charts' empty states, drawn by the worker from fresh
 * CPU trainers of the current settings (cheap: nothing is trained).
 */
export async function drawEmptyCharts() {
  if (emptyChartsPending) return;
  const form = validateForm();
  if (!app.engine || app.engine.dead || !app.dataset || !form) {
    charts.clearCanvases();
    return;
  }
  emptyChartsPending = true;
  try {
    await app.engine.call('create', { side: 'a', json: JSON.stringify({ ...form.config, backend: 'cpu' }) });
    await app.engine.call('create', {
      side: 'b',
      json: form.b ? JSON.stringify({ ...form.b.config, backend: 'cpu' }) : null,
    });
    if (app.run) return;
    charts.setReady('a', true);
    charts.setReady('b', !!form.b);
    charts.charts.compare = !!form.b;
    charts.resetSchedule();
    await charts.drawAll();
  } catch {
    charts.setReady('a', false);
    charts.setReady('b', false);
    charts.clearCanvases();
  } finally {
    emptyChartsPending = false;
  }
}

/**
 * Starts a run of the form's settings and, with an A/B comparison on, B's beside it.
 * `paused`: start paused; `steps`: then train that many single batches (→ before any run).
 */
export async function startRun({ paused = false, steps = 0 } = {}) {
  clearError();
  showRunBanner(null);
  $('share-status').textContent = '';
  if (app.engineDown || !app.engine) return;
  const form = validateForm();
  if (!form) {
    updatePresetSelection();
    $('status-text').textContent = 'Fix the highlighted settings first.';
    return;
  }
  const { config, json } = form;
  // A run goes before what is left of the background warm-up (app.js, warmUpGpu).
  app.engine.call('warmSkip').catch(() => {});
  if (config.backend === 'gpu') {
    setState('loading', 'Starting WebGPU…');
    await app.gpu.ready;
    if (app.gpu.warm.state === 'running') {
      setState('loading', 'Warming up WebGPU: compiling its kernels (once per page load)…');
      await app.gpu.warmed;
    }
    if (app.gpu.status !== 'ready') {
      // The notice is already up; switch to the CPU and go on.
      $('backend-cpu').checked = true;
      return startRun({ paused, steps });
    }
  }
  const engine = app.engine;
  let created;
  try {
    created = await engine.call('create', { side: 'a', json });
    await engine.call('create', { side: 'b', json: form.b ? form.b.json : null });
  } catch (e) {
    if (e instanceof EngineCrashed) return;
    setState('idle', 'Training could not start.', 'bad');
    showError(`Could not start training: ${errorText(e)}`);
    return;
  }
  // The charts draw from the new trainers from now on.
  charts.setReady('a', true);
  charts.setReady('b', !!form.b);
  charts.charts.compare = !!form.b;
  charts.resetSchedule();
  resetRunDisplay();
  const run = {
    id: nextRunId++,
    engine,
    config,
    b: form.b ? { config: form.b.config } : null,
    outcome: null, // A's final state
    backend: config.backend,
    backendName: created.backendName,
    paused,
    firstChunk: true,
    onEnd: null, // called once the run has ended (reset)
    speedSamples: [],
    startedAt: performance.now(),
    pausedAt: paused ? performance.now() : null,
    activeMs: 0, // the worker's time in chunks
    pausedMs: 0,
    chunks: 0,
    maxChunkMs: 0,
    /** @type {{at: number, step: number}[]} the latest chunks: when the worker ended each (wall clock), A's step */
    recentChunks: [],
    endedAt: null,
  };
  app.run = run;
  app.chanceLoss = describe(config).chanceLoss ?? null;
  engine.onEvent = (event) => onLoopEvent(run, event);
  $('backend-name').textContent = run.backendName;
  syncUrl();
  charts.drawAll(); // the empty states of the new run
  setState(paused ? 'paused' : 'running', paused ? pausedText() : runningText(run, true));
  try {
    if (!paused) watch(run, true);
    await engine.call('start', {
      runId: run.id,
      gpu: config.backend === 'gpu',
      paused,
      steps,
      speed: app.speed,
      view: charts.view(),
    });
  } catch (e) {
    finishRun(run, 'error', e);
  }
}

/** Hang detection: only while the worker is expected to train (not while paused). */
function watch(run, on) {
  if (app.run === run) run.engine.watch(on ? hangLimit || HANG_MS[run.backend === 'gpu' ? 'gpu' : 'cpu'] : 0);
}

/** Renders what the worker's loop reports. @param {any} run @param {LoopEvent} event */
function onLoopEvent(run, event) {
  if (app.run !== run || event.runId !== run.id) return;
  if (event.kind === 'chunk') {
    run.activeMs += event.ms;
    run.chunks += 1;
    run.maxChunkMs = Math.max(run.maxChunkMs, event.ms);
    run.recentChunks.push({ at: event.at, step: event.a?.step ?? app.progress?.step ?? 0 });
    if (run.recentChunks.length > 500) run.recentChunks.shift();
    if (event.a) showProgress(event.a, run);
    if (event.b) showProgressB(event.b);
    if (run.firstChunk) {
      run.firstChunk = false;
      if (app.state === 'running') setState('running', runningText(run));
    }
    if (event.epochs) {
      app.epochs = event.epochs;
      renderEpochRows(app.epochs);
    }
    // Time is plentiful while paused: every chart shows this step (the loop redraws otherwise).
    if (event.single) charts.drawAll();
  } else if (event.kind === 'drawn') {
    charts.noteDrawn(event.target, event.layout, event.ms);
  } else if (event.kind === 'paused') {
    if (!run.paused) return; // resumed meanwhile: the worker has the resume by now
    watch(run, false);
    if (run.pausedAt == null) run.pausedAt = performance.now();
    run.paused = true;
    setState('paused', pausedText());
    // The loop draws one chart at a time: at the pause every chart (both sides) shows this step.
    charts.drawAll();
  } else if (event.kind === 'ended') {
    run.outcome = event.a;
    if (run.b) run.b.outcome = event.b;
    if (event.outcome === 'error') finishRun(run, 'error', new Error(event.error ?? 'unknown error'));
    else finishRun(run, event.outcome);
  }
}

/** Sends a command to the running loop (the engine banner covers a crash meanwhile). */
function command(run, type, payload = {}) {
  run.engine.call(type, payload).catch((e) => {
    if (!(e instanceof EngineCrashed)) finishRun(run, 'error', e);
  });
}

function finishRun(run, outcome, error) {
  if (app.run !== run) return;
  const p = app.progress;
  watch(run, false);
  if (run.pausedAt != null) run.pausedMs += performance.now() - run.pausedAt;
  const seconds = ((performance.now() - run.startedAt - run.pausedMs) / 1000).toFixed(1);
  run.endedAt = performance.now();
  app.lastRun = run;
  app.run = null;
  if (outcome === 'error') {
    if (error instanceof EngineCrashed) {
      // The engine banner says what happened and offers the restart (app.js).
      run.onEnd?.();
      return;
    }
    setState('error', 'Training stopped by an error. ▶ Play starts a new run.', 'bad');
    showError(`Training failed: ${errorText(error)}`);
    showRunBanner({
      title: 'Training stopped by an error.',
      text: errorText(error),
      action: '▶ Play',
      onAction: () => playPause(),
    });
    charts.drawAll();
    run.onEnd?.();
    return;
  }
  if (outcome === 'compared') {
    const bothDiverged = run.outcome === 'diverged' && run.b.outcome === 'diverged';
    const anyBad = run.outcome === 'diverged' || run.b.outcome === 'diverged';
    setState(bothDiverged ? 'diverged' : 'finished', compareSummary(run, seconds), anyBad ? 'bad' : undefined);
    if (anyBad) showDiverged(compareSummary(run, seconds), run.outcome === 'diverged' ? 'lr' : 'b-lr');
    drawSparkline();
  } else if (outcome === 'finished') {
    // The headline (test accuracy, or the Q&A's mean absolute error beside its loss) and what it
    // says (close to guessing, …) are Rust's.
    const h = p?.headline;
    const beside = h?.beside ? ` (${h.beside})` : '';
    setState(
      'finished',
      `Finished ${p?.epochs ?? ''} epoch${p?.epochs === 1 ? '' : 's'} in ${seconds} s. ${h?.label ?? 'Test accuracy'} ${h?.value ?? '–'}${beside}.${h?.verdict.text ? ` ${h.verdict.text}` : ''}`,
      h?.verdict.tone || undefined,
    );
  } else if (outcome === 'diverged') {
    // The wasm side explains what happened; fall back to our own words.
    const text =
      p?.message ||
      `Training diverged at step ${fmtInt.format(p?.step ?? 0)}: the loss is no longer a finite number. Try a smaller learning rate.`;
    setState('diverged', text, 'bad');
    showDiverged(text, 'lr');
    drawSparkline();
  } else if (outcome === 'stopped') {
    setState(
      'stopped',
      `Stopped at step ${fmtInt.format(p?.step ?? 0)} of ${fmtInt.format(p?.totalSteps ?? 0)}. ▶ Play starts a new run from step 0.`,
    );
  }
  // The trainers stay in the engine for the charts (redraws, hover, export) until the next run.
  charts.drawAll();
  run.onEnd?.();
}

export function pauseRun() {
  const run = app.run;
  if (!run || run.paused) return;
  run.paused = true;
  setState('paused', 'Pausing after the current step…');
  command(run, 'pause');
}

export function resumeRun() {
  const run = app.run;
  if (!run?.paused) return;
  run.paused = false;
  if (run.pausedAt != null) run.pausedMs += performance.now() - run.pausedAt;
  run.pausedAt = null;
  run.speedSamples = [];
  setState('running', runningText(run));
  watch(run, true);
  command(run, 'resume');
}

export function stopRun() {
  const run = app.run;
  if (!run) return;
  // Stop is disabled, then goes with the run: its focus goes to ▶ Play (a disabled button drops it).
  if (document.activeElement === $('t-stop')) $('t-play').focus();
  $('t-stop').disabled = true;
  watch(run, true); // the worker answers with the run's end
  command(run, 'stop');
}

const canTrain = () => app.state !== 'loading' && !!app.dataset && !app.engineDown;

/** Space / the play button: start, pause or resume. */
export function playPause() {
  if (!canTrain()) return;
  const run = app.run;
  if (!run) startRun();
  else if (run.paused) resumeRun();
  else pauseRun();
}

/** → / the step button: exactly one batch, then paused (a running run just pauses). */
export function stepOnce() {
  if (!canTrain()) return;
  const run = app.run;
  if (!run) {
    startRun({ paused: true, steps: 1 });
    return;
  }
  if (!run.paused) {
    pauseRun();
    return;
  }
  watch(run, true);
  command(run, 'step');
}

/** R / the reset button: the run is dropped and everything goes back to step 0. */
export function resetRun() {
  resetThen(null);
}

/** Drops the run (if any) and goes back to step 0; then `after` (instead of the "Back at step 0" line). */
export function resetThen(/** @type {(() => void) | null} */ after) {
  if (!canTrain()) {
    after?.();
    return;
  }
  showRunBanner(null);
  const clear = () => {
    resetRunDisplay();
    if (after) return after();
    setState('idle', `Back at step 0. ${READY}`);
    drawEmptyCharts();
  };
  const run = app.run;
  if (run) {
    run.onEnd = clear;
    stopRun();
  } else {
    clear();
  }
}

/** The speed cap (steps per second, 0 = full speed). */
const SPEEDS = [0, 30, 10, 3, 1];
export function setSpeed(value) {
  app.speed = Number(value) || 0;
  $('speed').value = String(app.speed);
  const run = app.run;
  if (!run) return;
  command(run, 'speed', { speed: app.speed });
  if (!run.paused) setState('running', runningText(run));
}

export function changeSpeed(faster) {
  const i = Math.max(0, SPEEDS.indexOf(app.speed));
  setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, i + (faster ? -1 : 1)))]);
}

/** The run ends at once because the engine is gone (its banner offers the restart). */
export function abandonRun() {
  const run = app.run;
  if (!run) return;
  app.lastRun = run;
  app.run = null;
}
