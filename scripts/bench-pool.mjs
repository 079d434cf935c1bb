// npm run bench, part 6b (with the browser-sweep part): a CPU sweep as the page trains it, in its
// pool of sweep workers (www/sweep/pool.js), with one worker and with all of them (`workers=auto`:
// one per core, navigator.hardwareConcurrency), in one browser, one after the other. Each sweep
// starts from an empty store (a fresh browser context) and is timed from the Start click to the
// section's "done": loading the data in each worker and every epoch's evaluation included, as a
// user waits for it. Its throughput is model-samples per second: runs × steps × batch / seconds.
//
// Options (env): BENCH_POOL_COMBOS (default column:relu, 16 runs of one seed), BENCH_POOL_SEEDS
// (default 1), BENCH_POOL_EPOCHS (default 1).
import { chromium } from 'playwright-core';

const COMBOS = process.env.BENCH_POOL_COMBOS || 'column:relu';
const SEEDS = process.env.BENCH_POOL_SEEDS || '1';
const EPOCHS = process.env.BENCH_POOL_EPOCHS || '1';
const BATCH = 32;
/** The target on a 2-core machine: all workers against one. */
export const POOL_TARGET = 1.7;

/** One page sweep with `workers` (a setting value) in a fresh context of `browser`. */
async function pageSweep(browser, server, workers) {
  const query = `combos=${COMBOS}&seeds=${SEEDS}&epochs=${EPOCHS}&bn=none&dataset=mnist-subset&backend=cpu&parallel=64&workers=${workers}`;
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(`${server.url}#sweep?${query}`, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 180_000 });
    await page.waitForFunction(() => document.getElementById('sweep')?.dataset.state === 'idle', null, {
      timeout: 60_000,
    });
    // The sweep section's own events are the clock: the click's time and the "done" state's.
    await page.evaluate(() => {
      const root = document.getElementById('sweep');
      const w = /** @type {any} */ (window);
      w.__poolBench = { start: performance.now(), end: null, steps: 0, workers: null, runs: 0, longTasks: [] };
      // The main thread only forwards and renders: its long tasks while the pool trains.
      const tasks = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.__poolBench.longTasks.push(e.duration);
      });
      tasks.observe({ type: 'longtask' });
      new MutationObserver(() => {
        if (root.dataset.state === 'done' && w.__poolBench.end == null) {
          w.__poolBench.end = performance.now();
          w.__poolBench.runs = w.sweepUi.trainedBy.size;
          tasks.disconnect();
        }
      }).observe(root, { attributes: true, attributeFilter: ['data-state'] });
    });
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(
      () => {
        const job = /** @type {any} */ (window).sweepUi.job;
        const b = /** @type {any} */ (window).__poolBench;
        if (job?.plan) b.workers = job.plan.workers;
        // Steps per run (every run of a sweep has as many).
        for (const p of Object.values(job?.progressBy ?? {})) b.steps = /** @type {any} */ (p).groupSteps;
        return (
          document.getElementById('sweep').dataset.state === 'done' ||
          document.getElementById('sweep').dataset.state === 'error'
        );
      },
      null,
      { timeout: 1_800_000, polling: 100 },
    );
    const r = await page.evaluate(() => ({
      .../** @type {any} */ (window).__poolBench,
      status: document.querySelector('#sweep [data-ref="status"]').textContent,
      cores: navigator.hardwareConcurrency,
    }));
    if (r.end == null) throw new Error(`the sweep did not finish: ${r.status}`);
    const seconds = (r.end - r.start) / 1000;
    return { ...r, seconds, modelSamplesPerSec: (r.runs * r.steps * BATCH) / seconds };
  } finally {
    await context.close();
  }
}

/**
 * Runs the page's CPU sweep with 1 worker, then with all (auto), and prints both and their ratio.
 * @param {{url: string}} server
 * @param {{record: (name: string, r: any) => void, chromium: string, flags: string[]}} options
 */
export async function pageSweepPoolBench(server, { record, chromium: executablePath, flags }) {
  const name = 'page CPU sweep';
  const browser = await chromium.launch({ executablePath, headless: true, args: flags });
  try {
    const one = await pageSweep(browser, server, '1');
    const all = await pageSweep(browser, server, 'auto');
    const perStep = (r) => (1000 * r.seconds) / (r.runs * r.steps);
    record(`${name}, 1 worker`, {
      samplesPerSec: one.modelSamplesPerSec,
      msPerStep: perStep(one),
      steps: one.runs * one.steps,
    });
    record(`${name}, ${all.workers} workers`, {
      samplesPerSec: all.modelSamplesPerSec,
      msPerStep: perStep(all),
      steps: all.runs * all.steps,
    });
    const ratio = all.modelSamplesPerSec / one.modelSamplesPerSec;
    console.log(
      `${''.padEnd(34)} ${all.workers} workers (navigator.hardwareConcurrency ${all.cores}): ${ratio.toFixed(2)}× one worker ` +
        `(model-samples/s; target ≥ ${POOL_TARGET}× on 2 cores); ${one.runs} runs of ${one.steps} steps, ` +
        `${one.seconds.toFixed(1)} s vs ${all.seconds.toFixed(1)} s from Start to done`,
    );
    const tasks = (r) => `${r.longTasks.length} long tasks (longest ${Math.max(0, ...r.longTasks).toFixed(0)} ms)`;
    console.log(
      `${''.padEnd(34)} main thread meanwhile: ${tasks(one)} with 1 worker, ${tasks(all)} with ${all.workers}`,
    );
    return {
      target: 'page-cpu-sweep-pool',
      combos: COMBOS,
      seeds: SEEDS,
      epochs: Number(EPOCHS),
      runs: one.runs,
      stepsPerRun: one.steps,
      oneWorker: { seconds: one.seconds, modelSamplesPerSec: one.modelSamplesPerSec, longTasksMs: one.longTasks },
      allWorkers: {
        workers: all.workers,
        cores: all.cores,
        seconds: all.seconds,
        modelSamplesPerSec: all.modelSamplesPerSec,
        longTasksMs: all.longTasks,
      },
      speedup: ratio,
      targetSpeedup: POOL_TARGET,
    };
  } catch (e) {
    record(name, { note: `failed: ${e.message.split('\n')[0]}` });
    return null;
  } finally {
    await browser.close();
  }
}
