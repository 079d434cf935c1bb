// A training run, as the page sees it: the engine worker trains (engine/worker.js) and this
// file only asks it for the next chunk, shows what comes back, and handles play / pause /
// step / stop / reset and slow motion. With an A/B comparison B is advanced in lockstep with A.
// Nothing here computes: every chunk, chart and statistic is the worker's.

import { app, $, fmtInt, pct, errorText } from './state.js';
import * as charts from './charts.js';
import { EngineCrashed, EngineTimeout } from './engine/client.js';
import { setState, showError, clearError } from './status.js';
import { validateForm, updatePresetSelection } from './settings.js';
import { syncUrl } from './links.js';
import { resetRunDisplay, showProgress, showProgressB, renderEpochRows, drawSparkline } from './progress.js';

// Time limits for a chunk. The first WebGPU step compiles shaders (seconds on a software
// adapter); a chunk beyond these limits is treated as hung: the engine is stopped and restarted.
const TIMEOUT = { runCpu: 60_000, runGpu: 180_000 };
const CPU_BUDGET_MS = 30; // per chunk: how often the page hears from the worker
const GPU_MAX_STEPS = 8;  // per chunk; adapted between 1 and this from the measured chunk time
const GPU_TARGET_MS = 150;

let emptyChartsPending = false;

/**
 * Before any run (and after a reset): the charts' empty states, drawn by the worker from fresh
 * CPU trainers of the current settings (cheap: nothing is trained).
 */
export async function drawEmptyCharts() {
  if (emptyChartsPending) return;
  const form = validateForm();
  if (!app.engine || app.engine.dead || !app.dataset || !form) { charts.clearCanvases(); return; }
  emptyChartsPending = true;
  try {
    await app.engine.call('create', { side: 'a', json: JSON.stringify({ ...form.config, backend: 'cpu' }) });
    await app.engine.call('create', { side: 'b', json: form.b ? JSON.stringify({ ...form.b.config, backend: 'cpu' }) : null });
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

/** Epoch rows and a fresh chart cycle (at an epoch's end, after a single step, at the end). */
async function refreshHistory() {
  try {
    app.epochs = await app.engine.call('epochs', { side: 'a' });
    renderEpochRows(app.epochs);
  } catch (e) {
    console.warn('reading the epochs failed:', errorText(e));
  }
  charts.tick({ force: true });
}

/**
 * Starts a run of the form's settings and, with an A/B comparison on, B's beside it.
 * `paused`: start paused; `steps`: then train that many single batches (→ before any run).
 */
export async function startRun({ paused = false, steps = 0 } = {}) {
  clearError();
  $('share-status').textContent = '';
  if (app.engineDown || !app.engine) return;
  const form = validateForm();
  if (!form) {
    updatePresetSelection();
    $('status-text').textContent = 'Fix the highlighted settings first.';
    return;
  }
  const { config, json } = form;
  if (config.backend === 'gpu') {
    setState('loading', 'Starting WebGPU…');
    await app.gpu.ready;
    if (app.gpu.status !== 'ready') {
      // The notice is already up; switch to the CPU and go on.
      $('backend-cpu').checked = true;
      return startRun({ paused, steps });
    }
  }
  let created;
  try {
    created = await app.engine.call('create', { side: 'a', json });
    await app.engine.call('create', { side: 'b', json: form.b ? form.b.json : null });
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
    config,
    // The B side: trained in lockstep with A (same step), on the same data order and seed.
    b: form.b ? { config: form.b.config, progress: null, done: false, outcome: null } : null,
    done: false,       // A has finished or diverged
    outcome: null,     // A's final state
    backend: config.backend,
    backendName: created.backendName,
    paused,
    stepRequests: steps, // single batches asked for while paused (→)
    stopRequested: false,
    wake: null,          // resolves the pause
    onEnd: null,         // called once the run has ended (reset)
    speedSamples: [],
    pace: null,
    startedAt: performance.now(),
    activeMs: 0,   // time waiting for chunks
    pausedMs: 0,
    chunks: 0,
    maxChunkMs: 0,
    endedAt: null,
  };
  app.run = run;
  $('backend-name').textContent = run.backendName;
  syncUrl();
  charts.drawAll(); // the empty states of the new run
  setState(paused ? 'paused' : 'running', paused ? pausedText() : runningText(run, true));
  try {
    await trainLoop(run);
  } catch (e) {
    finishRun(run, 'error', e);
  }
}

function runningText(run, starting = false) {
  const where = run.backend === 'gpu'
    ? (starting ? 'Training on WebGPU. The first step compiles the GPU shaders and can take a few seconds…' : 'Training on WebGPU…')
    : 'Training on the CPU…';
  const ab = run.b ? ' A and B side by side, batch by batch.' : '';
  const slow = app.speed > 0 ? ` Slow motion: at most ${app.speed} step${app.speed === 1 ? '' : 's'} per second.` : '';
  return `${where}${ab}${slow}`;
}

function pausedText() {
  return `Paused at step ${fmtInt.format(app.progress?.step ?? 0)}. Resume, stop, or train one batch at a time (→).`;
}

/** The step of the side that sets the pace: A, or B once A has ended. */
function leadStep(run) {
  return run.done && run.b ? run.b.progress?.step ?? 0 : app.progress?.step ?? 0;
}

function resetPace(run) {
  if (run) run.pace = { t0: performance.now(), step0: leadStep(run) };
}

/** Steps allowed now under the speed cap (slow motion). */
function paceAllowance(run) {
  if (!run.pace) resetPace(run);
  const due = Math.floor(((performance.now() - run.pace.t0) * app.speed) / 1000) + 1;
  return due - (leadStep(run) - run.pace.step0);
}

/** Waits for the next step's turn; the spare time draws the charts of the latest step. */
async function waitForPace(run) {
  if (charts.hasPending()) {
    charts.tick({ slow: true });
    await new Promise((resolve) => setTimeout(resolve, 16));
    return;
  }
  const next = run.pace.t0 + ((leadStep(run) - run.pace.step0) * 1000) / app.speed;
  await new Promise((resolve) => setTimeout(resolve, Math.max(4, Math.min(100, next - performance.now()))));
}

/** One chunk: A, then B up to A's step (or on its own once A has ended). */
async function advance(run, want, budget, gpu) {
  const timeout = gpu ? TIMEOUT.runGpu : TIMEOUT.runCpu;
  const aWasDone = run.done;
  if (!run.done) {
    const p = await app.engine.call('run', { side: 'a', steps: want, budget }, { timeout });
    showProgress(p, run);
    if (p.state === 'finished' || p.state === 'diverged') {
      run.done = true;
      run.outcome = p.state;
      resetPace(run);
    }
  }
  const b = run.b;
  if (b && !b.done) {
    const n = aWasDone ? want : (app.progress?.step ?? 0) - (b.progress?.step ?? 0);
    if (n > 0) {
      const pb = await app.engine.call('run', { side: 'b', steps: n, budget: aWasDone ? budget : Math.max(budget, 60_000) }, { timeout });
      b.progress = pb;
      showProgressB(pb);
      if (pb.state === 'finished' || pb.state === 'diverged') {
        b.done = true;
        b.outcome = pb.state;
      }
    }
  }
}

async function trainLoop(run) {
  const gpu = run.backend === 'gpu';
  // CPU: the worker stops a chunk once the time budget is spent (after a whole step).
  // GPU: steps are queued and only the read-back waits, so the step count alone sets the chunk.
  let steps = gpu ? 1 : 10_000;
  const budget = gpu ? 60_000 : CPU_BUDGET_MS;
  let firstChunk = true;
  for (;;) {
    if (run.stopRequested) return finishRun(run, 'stopped');
    if (run.paused && run.stepRequests <= 0) {
      setState('paused', pausedText());
      const pausedAt = performance.now();
      await new Promise((resolve) => { run.wake = resolve; });
      run.wake = null;
      run.pausedMs += performance.now() - pausedAt;
      run.speedSamples = [];
      resetPace(run);
      if (run.stopRequested) return finishRun(run, 'stopped');
      if (!run.paused) setState('running', runningText(run));
      continue;
    }
    // Paused with a step asked for: exactly one batch (per side), then paused again.
    const single = run.paused;
    let want = single ? 1 : steps;
    if (single) run.stepRequests -= 1;
    else if (app.speed > 0) {
      const allowed = paceAllowance(run);
      if (allowed <= 0) {
        await waitForPace(run);
        continue;
      }
      want = Math.min(want, allowed);
    }
    const epochBefore = app.progress?.epoch ?? 0;
    const t0 = performance.now();
    await advance(run, want, single ? Math.max(budget, 60_000) : budget, gpu);
    const elapsed = performance.now() - t0;
    run.activeMs += elapsed;
    run.chunks += 1;
    run.maxChunkMs = Math.max(run.maxChunkMs, elapsed);
    if (firstChunk) {
      firstChunk = false;
      if (app.state === 'running') setState('running', runningText(run));
    }
    const ended = run.done && (!run.b || run.b.done);
    if (single) {
      // Time is plentiful while paused: every chart shows this very step.
      await refreshHistory();
      charts.drawAll();
      if (!ended) setState('paused', pausedText());
    } else if (ended || (app.progress?.epoch ?? 0) !== epochBefore) {
      await refreshHistory();
    } else {
      charts.tick({ slow: app.speed > 0 && app.speed <= 10 });
    }
    if (ended) return finishRun(run, run.b ? 'compared' : run.outcome);
    if (gpu && !single) {
      // Aim for ~150 ms per chunk: more steps per loss read-back on a fast GPU.
      if (elapsed < GPU_TARGET_MS / 2) steps = Math.min(GPU_MAX_STEPS, steps * 2);
      else if (elapsed > GPU_TARGET_MS * 2) steps = Math.max(1, Math.floor(steps / 2));
    }
  }
}

/** The sentence at the end of an A/B run. */
function compareSummary(run, seconds) {
  const a = app.progress, b = app.progressB;
  const say = (name, p, outcome) => (outcome === 'diverged'
    ? `${name} diverged at step ${fmtInt.format(p?.step ?? 0)} (its loss became NaN or ∞)`
    : `${name} ${pct(p?.testAcc)}`);
  if (run.outcome === 'finished' && run.b.outcome === 'finished') {
    const diff = 100 * ((b?.testAcc ?? 0) - (a?.testAcc ?? 0));
    const verdict = Math.abs(diff) < 0.5 ? 'about the same'
      : `${diff > 0 ? 'B' : 'A'} is ${Math.abs(diff).toFixed(1)} points better`;
    return `Finished ${a?.epochs ?? ''} epoch${a?.epochs === 1 ? '' : 's'} in ${seconds} s. Test accuracy: A ${pct(a?.testAcc)} · B ${pct(b?.testAcc)} — ${verdict}.`;
  }
  return `Done in ${seconds} s. ${say('A', a, run.outcome)}; ${say('B', b, run.b.outcome)}.`;
}

function finishRun(run, outcome, error) {
  if (app.run !== run) return;
  const p = app.progress;
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
    if (error instanceof EngineTimeout) {
      app.engine?.kill(`a training chunk did not finish within ${Math.round((run.backend === 'gpu' ? TIMEOUT.runGpu : TIMEOUT.runCpu) / 1000)} s`);
      return;
    }
    setState('error', 'Training stopped by an error.', 'bad');
    showError(`Training failed: ${errorText(error)}`);
    charts.drawAll();
    run.onEnd?.();
    return;
  }
  if (outcome === 'compared') {
    const bothDiverged = run.outcome === 'diverged' && run.b.outcome === 'diverged';
    const anyBad = run.outcome === 'diverged' || run.b.outcome === 'diverged';
    setState(bothDiverged ? 'diverged' : 'finished', compareSummary(run, seconds), anyBad ? 'bad' : undefined);
    drawSparkline();
  } else if (outcome === 'finished') {
    const acc = p?.testAcc;
    const verdict = acc == null ? '' : acc < 0.2
      ? ' That is close to guessing (10%): this combination does not learn.'
      : acc < 0.8 ? ' Well below what this network can do (≈97%): something is holding it back.' : '';
    setState('finished', `Finished ${p?.epochs ?? ''} epoch${p?.epochs === 1 ? '' : 's'} in ${seconds} s. Test accuracy ${pct(acc)}.${verdict}`,
      acc != null && acc >= 0.8 ? 'good' : acc != null && acc < 0.2 ? 'bad' : undefined);
  } else if (outcome === 'diverged') {
    // The wasm side explains what happened; fall back to our own words.
    const text = p?.message
      || `Training diverged at step ${fmtInt.format(p?.step ?? 0)}: the loss is no longer a finite number. Try a smaller learning rate.`;
    setState('diverged', text, 'bad');
    drawSparkline();
  } else if (outcome === 'stopped') {
    setState('stopped', `Stopped at step ${fmtInt.format(p?.step ?? 0)} of ${fmtInt.format(p?.totalSteps ?? 0)}.`);
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
  $('resume').disabled = false;
}

export function resumeRun() {
  const run = app.run;
  if (!run) return;
  run.paused = false;
  run.stepRequests = 0;
  if (run.wake) run.wake();
  else setState('running', runningText(run));
}

export function stopRun() {
  const run = app.run;
  if (!run) return;
  run.stopRequested = true;
  $('stop').disabled = true;
  $('pause').disabled = true;
  if (run.wake) run.wake();
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
  if (!run) { startRun({ paused: true, steps: 1 }); return; }
  if (!run.paused) { pauseRun(); return; }
  run.stepRequests = Math.min(run.stepRequests + 1, 20);
  if (run.wake) run.wake();
}

/** R / the reset button: the run is dropped and everything goes back to step 0. */
export function resetRun() {
  if (!canTrain()) return;
  const clear = () => {
    resetRunDisplay();
    setState('idle', 'Back at step 0. Press Play (space) to train, or → for one batch at a time.');
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
  resetPace(app.run);
  if (app.run && !app.run.paused) setState('running', runningText(app.run));
}

export function changeSpeed(faster) {
  const i = Math.max(0, SPEEDS.indexOf(app.speed));
  setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, i + (faster ? -1 : 1)))]);
}

/** The run ends at once because the engine is gone (its banner offers the restart). */
export function abandonRun() {
  const run = app.run;
  if (!run) return;
  run.stopRequested = true;
  app.lastRun = run;
  app.run = null;
  run.wake?.();
}
