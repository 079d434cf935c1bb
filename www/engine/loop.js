// The training loop, inside the engine worker: chunk after chunk of A (and B in lockstep) until
// the run ends, paused, or stopped. The page only sends commands (start, pause, resume, step,
// stop, speed) and renders the events this loop posts (see protocol.js: LoopEvent).
//
// Each chunk is one job on the worker's request queue, and the next is queued only after a
// zero-delay timer: the worker's event loop runs in between, so the page's commands, chart
// draws and hover questions are handled between chunks, never half-way through one. A and B
// are advanced in the same job (B up to A's step), so they are at the same step whenever a
// command or a draw is handled.

/** @typedef {import('./protocol.js').Progress} Progress */
/** @typedef {import('./protocol.js').StartRequest} StartRequest */
/** @typedef {import('./protocol.js').LoopEvent} LoopEvent */
/** @typedef {import('./protocol.js').DrawTarget} DrawTarget */

import { createCadence } from './cadence.js';

const CPU_BUDGET_MS = 30; // per chunk: how often the page hears from the worker
// Epochs shorter than a chunk (the Q&A's: one full-batch step) end in every chunk: their table is
// re-read and their charts forced at most this often, not after every chunk.
const SHORT_EPOCHS_MS = 1000;
// Steps per chunk, adapted between 1 and this from the measured chunk time. On a fast GPU a chunk's
// fixed host cost (its read-back and progress message, ~1.5 ms of CPU here) is spread over up to
// 32 steps (docs/benchmarks.md, part 10); SwiftShader's ~80 ms steps stay at one a chunk.
const GPU_MAX_STEPS = 32;
const GPU_TARGET_MS = 150;
const MAX_STEP_REQUESTS = 20;

/** Wall-clock milliseconds, comparable with the page's `performance.timeOrigin + performance.now()`. */
const wallNow = () => performance.timeOrigin + performance.now();

/**
 * @param {{trainers: Record<string, any>}} engine
 * @param {(job: () => Promise<void> | void) => void} enqueue  runs `job` on the worker's request queue
 * @param {(event: LoopEvent) => void} post
 * @param {(target: DrawTarget, stage: 'pre' | 'post') => {layout: any, ms: number}} draw
 */
export function createLoop(engine, enqueue, post, draw) {
  /** @type {any} the run being trained, or null */
  let run = null;
  const charts = createCadence(draw, (target, layout, ms) => {
    if (run) post({ type: 'loop', runId: run.runId, kind: 'drawn', target, layout, ms });
  });
  /** Both sides' steps: a new one means new charts in slow motion. */
  const stepKey = () => `${run.a.step}/${run.b ? run.b.step : 0}`;

  const sideDone = (/** @type {any} */ s) => s.done;
  const leadStep = () => (run.a.done && run.b ? run.b.step : run.a.step);
  const resetPace = () => {
    if (run) run.pace = { t0: performance.now(), step0: leadStep() };
  };

  /** Steps allowed now under the speed cap (slow motion). */
  function paceAllowance() {
    if (!run.pace) resetPace();
    const due = Math.floor(((performance.now() - run.pace.t0) * run.speed) / 1000) + 1;
    return due - (leadStep() - run.pace.step0);
  }

  /** Queues the next chunk after the worker's event loop had its turn (0: at once). */
  function schedule(delay = 0) {
    if (!run || run.timer != null) return;
    const r = run;
    r.timer = setTimeout(() => {
      r.timer = null;
      enqueue(() => chunk(r));
    }, delay);
  }

  /**
   * `overlap`: more chunks follow at once, so this chunk's losses come back while the next one
   * trains (the charts are a chunk behind until `settle`); 0 steps only reads back what is on its way.
   * @param {string} side @param {number} steps @param {number} budget @param {boolean} overlap
   */
  async function train(side, steps, budget, overlap) {
    /** @type {Progress} */
    const p = JSON.parse(await engine.trainers[side].run(steps, budget, overlap));
    const s = run[side];
    s.step = p.step;
    if (p.state === 'finished' || p.state === 'diverged') {
      s.done = true;
      s.outcome = p.state;
    }
    return p;
  }

  /** After an overlapped chunk, reads back what it left on its way, so a pause or a stop shows every step. @param {any} r */
  async function settle(r) {
    if (!r.inFlight) return;
    r.inFlight = false;
    const t0 = performance.now();
    const a = r.a.done ? null : await train('a', 0, 0, false);
    const b = r.b && !r.b.done ? await train('b', 0, 0, false) : null;
    postChunk(r, a, b, performance.now() - t0, false, null);
  }

  /**
   * Reports a chunk's progress (A's, B's) to the page.
   * @param {any} r @param {Progress | null} a @param {Progress | null} b @param {number} ms
   * @param {boolean} single @param {any} epochs
   */
  function postChunk(r, a, b, ms, single, epochs) {
    post({ type: 'loop', runId: r.runId, kind: 'chunk', a, b, ms, at: wallNow(), single, epochs });
  }

  /** @param {any} outcome @param {string | null} [error] */
  function end(outcome, error = null) {
    const r = run;
    if (r.timer != null) clearTimeout(r.timer);
    run = null;
    post({ type: 'loop', runId: r.runId, kind: 'ended', outcome, error, a: r.a.outcome, b: r.b ? r.b.outcome : null });
  }

  /** One chunk: A, then B up to A's step (or on its own once A has ended). @param {any} r */
  async function chunk(r) {
    if (run !== r) return;
    if (r.stopRequested) {
      await settle(r);
      return end('stopped');
    }
    if (r.paused && r.stepRequests <= 0) {
      if (!r.pausedPosted) {
        r.pausedPosted = true;
        await settle(r);
        post({ type: 'loop', runId: r.runId, kind: 'paused', step: r.a.step });
      }
      return; // a command schedules the next chunk
    }
    const single = r.paused;
    let want = single ? 1 : r.steps;
    if (single) r.stepRequests -= 1;
    else if (r.speed > 0) {
      const allowed = paceAllowance();
      if (allowed <= 0) {
        if (r.speed <= 10 && charts.pending(stepKey())) {
          // The spare time draws the charts of the latest step.
          charts.tick(stepKey(), { slow: true });
          schedule(16);
          return;
        }
        const next = r.pace.t0 + ((leadStep() - r.pace.step0) * 1000) / r.speed;
        schedule(Math.max(4, Math.min(100, next - performance.now())));
        return;
      }
      want = Math.min(want, allowed);
    }
    const budget = single ? Math.max(r.budget, 60_000) : r.budget;
    // WebGPU at full speed (no single step or slow motion to show at once): this chunk's losses
    // come back while the next chunk trains, so the GPU has work queued while the host waits.
    const overlap = r.gpu && !single && !(r.speed > 0);
    const epochBefore = r.a.epoch;
    const t0 = performance.now();
    /** @type {Progress | null} */
    let a = null;
    /** @type {Progress | null} */
    let b = null;
    try {
      const aWasDone = r.a.done;
      if (!aWasDone) {
        a = await train('a', want, budget, overlap);
        r.a.epoch = a.epoch;
        if (a.state === 'finished' || a.state === 'diverged') resetPace();
      }
      if (r.b && !r.b.done) {
        const n = aWasDone ? want : r.a.step - r.b.step;
        if (n > 0) b = await train('b', n, aWasDone ? budget : Math.max(budget, 60_000), overlap);
      }
      r.inFlight = overlap;
    } catch (e) {
      if (run === r) r.error = e;
      throw e; // the worker reports it (and whether the engine survived)
    }
    const ms = performance.now() - t0;
    const ended = sideDone(r.a) && (!r.b || sideDone(r.b));
    // The epoch table is re-read at an epoch's end, after a single step and at the end; when a
    // chunk spans several epochs, at most every SHORT_EPOCHS_MS.
    const epochsEnded = r.a.epoch - epochBefore;
    const now = performance.now();
    const due = epochsEnded === 1 || (epochsEnded > 1 && now - r.epochsReadAt >= SHORT_EPOCHS_MS);
    const history = single || ended || due;
    if (history) r.epochsReadAt = now;
    const epochs = history ? JSON.parse(engine.trainers.a.epochsJson()) : null;
    postChunk(r, a, b, ms, single, epochs);
    if (ended) return end(r.b ? 'compared' : r.a.outcome);
    // A single step and the end are drawn in full by the page; otherwise one chart when due.
    if (!single) charts.tick(stepKey(), { force: history, slow: r.speed > 0 && r.speed <= 10 });
    if (r.gpu && !single) {
      // Aim for ~150 ms per chunk: more steps per loss read-back on a fast GPU.
      if (ms < GPU_TARGET_MS / 2) r.steps = Math.min(GPU_MAX_STEPS, r.steps * 2);
      else if (ms > GPU_TARGET_MS * 2) r.steps = Math.max(1, Math.floor(r.steps / 2));
    }
    if (single && r.stepRequests <= 0) r.pausedPosted = false;
    schedule();
  }

  /** Wakes a paused run (a step or a resume): the pause is reported again once reached. */
  function wake() {
    run.pausedPosted = false;
    schedule();
  }

  return {
    /** @param {StartRequest} msg */
    start({ runId, gpu, paused, steps, speed, view }) {
      if (!engine.trainers.a) throw new Error('no trainer for A: create one first');
      if (run) end('stopped');
      charts.reset();
      charts.setView(view);
      run = {
        runId,
        gpu,
        steps: gpu ? 1 : 10_000, // CPU: the time budget ends a chunk; GPU: the step count does
        budget: gpu ? 60_000 : CPU_BUDGET_MS,
        speed,
        pace: null,
        paused,
        pausedPosted: false,
        stepRequests: Math.min(steps, MAX_STEP_REQUESTS),
        epochsReadAt: -Infinity,
        stopRequested: false,
        inFlight: false,
        timer: null,
        error: null,
        a: { step: 0, epoch: 0, done: false, outcome: null },
        b: engine.trainers.b ? { step: 0, done: false, outcome: null } : null,
      };
      schedule();
      return null;
    },
    pause() {
      if (run && !run.paused) {
        run.paused = true;
        run.stepRequests = 0;
        schedule();
      }
      return null;
    },
    resume() {
      if (run?.paused) {
        run.paused = false;
        run.stepRequests = 0;
        resetPace();
        wake();
      }
      return null;
    },
    step() {
      if (!run) return null;
      if (!run.paused) {
        run.paused = true;
        schedule();
        return null;
      }
      run.stepRequests = Math.min(run.stepRequests + 1, MAX_STEP_REQUESTS);
      wake();
      return null;
    },
    stop() {
      if (!run) return null;
      run.stopRequested = true;
      if (run.timer != null) {
        clearTimeout(run.timer);
        run.timer = null;
      }
      schedule();
      return null;
    },
    /** @param {{speed: number}} msg */
    speed({ speed }) {
      if (run) {
        run.speed = speed;
        resetPace();
      }
      return null;
    },
    /** @param {{view: import('./protocol.js').View}} msg */
    view({ view }) {
      charts.setView(view);
      return null;
    },
    /** A failed chunk (not fatal): the run ends with its error. @param {unknown} error @param {string} text */
    failed(error, text) {
      if (run && run.error === error) end('error', text);
    },
    /** A trainer is replaced or dropped: any run on the old ones ends. */
    drop() {
      if (run) end('stopped');
    },
  };
}
