#!/usr/bin/env node
// npm run bench: training throughput (samples / second) for the article's configuration
// (relu, sigmoid, relu; batch 32; lr 0.01, momentum 0.5) on
//   1. the native CPU (burn Flex), through the CLI `target/release/train`,
//   2. wasm on the CPU (burn Flex) in headless Chromium,
//   3. wasm on WebGPU in headless Chromium (SwiftShader on a GPU-less machine: slow).
// The browser numbers go through the page's JS API (www/pkg), exactly as the page trains.
//
// The browser ones measure STEPS training steps (default 200; WebGPU: BENCH_GPU_STEPS, default 8)
// after a warm-up, within one epoch (250 steps), so no evaluation is timed. The native CLI measures
// BENCH_NATIVE_STEPS steps (epoch-end evaluations included, alike in both variants) and reports
// medians of three alternating rounds. Native and wasm-CPU are measured without statistics and
// with the default statistics cadence, to show what the probes cost.
//
// Then the page itself (4.), as a user runs it: training in the engine worker with the charts
// live, against the same run with no chart drawn. For CPU and WebGPU it prints the main thread's
// long tasks (count over 50 ms per minute, the longest, the total blocked time per minute), the
// time the worker takes to draw each chart, and the page's throughput with and without charts;
// and, on the CPU, the memory (worker's wasm memory and JS heap) after epoch 10 of the bundled
// subset against after epoch 1.
// 1a. PyTorch (where installed) on the same steps, the CLI's peer: burn on one core against PyTorch
//     with 1 thread, three pairs in turn (the median ratio), then PyTorch with every core.
// 1c. `train sweep --jobs 1` against `--jobs <cores>` on the same four runs (model-samples/s).
// 5. natively, the sweep engine: 64 models at once vs the same 64 one after another (model-samples/s).
// 6. the sweep engine in Chromium (wasm CPU and WebGPU): the 64 combinations (seed 1) trained in the
//    groups the sweep would use (WebGPU: as many as the adapter's buffer limits allow) against single
//    runs one after another (CPU: all 64; WebGPU: the first BENCH_SWEEP_GPU_SEQUENTIAL, default 4:
//    SwiftShader is slow), in model-samples/s.
//    Then a CPU sweep as the page trains it, in its pool of sweep workers, with 1 worker and with one
//    per core (scripts/bench-pool.mjs; BENCH_SKIP=pool leaves it out, stacked the part above).
// 7. where a WebGPU step's time goes: the WebGPU calls the page's engine worker makes per training
//    step (compute passes, dispatches, queue submissions, buffer uploads, read-backs, buffers,
//    bind groups, pipelines), counted by wrapping the WebGPU prototypes inside the worker.
// 8. the same, timed: burn's and TF.js's WebGPU loops of 3. again, with a timestamp query around
//    every dispatch (scripts/bench-kernels.mjs): per step, the kernels' GPU time, the GPU's idle
//    time between dispatches, and the costliest kernels.
// 10. host: the host's work per WebGPU step (CPU time with the GPU idle at the start, time to the
//    last submit, dispatches, passes, submissions, bind groups, bytes up and back), burn beside
//    TF.js, a step a read and 8 or 32 steps a read, single and stacked at K = 8, 16, 64
//    (scripts/bench-host.mjs; BENCH_HOST_STEPS, default 20; BENCH_HOST_K, default 8,16,64).
// 9. cifar-memory: the memory full CIFAR-10 costs the page (issue 19: at most 250 MB). The five
//    training batches and the test batch of ../shared/data/cifar-10 (skipped when absent) are given
//    to the Data card's file input, as a user would; the RSS of the largest Chromium process (one
//    process, from /proc: the renderer that holds the page and its engine worker) and the worker's
//    wasm memory are read before and after, and the largest RSS is sampled during the load (peak).
// Options (env): BENCH_STEPS (default 200), BENCH_NATIVE_STEPS (default 2500), BENCH_GPU_STEPS (default 8),
//                BENCH_PAGE_SECONDS (default 30; WebGPU: BENCH_PAGE_GPU_SECONDS, default 40),
//                BENCH_SWEEP_STEPS (default 30), BENCH_BROWSER_SWEEP_STEPS (default 10; WebGPU:
//                BENCH_SWEEP_GPU_STEPS, default 3), BENCH_SWEEP_GPU_SEQUENTIAL (default 4),
//                BENCH_CALL_STEPS (default 12: steps counted in 7.),
//                BENCH_SKIP=native,pytorch,jobs,sweep,browser-sweep,stacked,pool,wasm,cpu,gpu,page,memory,cifar-memory,calls,host,kernels,
//                tfjs,startup (comma list; wasm: part 2), BENCH_PYTHON (an interpreter with torch, for 1a), CHROMIUM_PATH.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './serve.mjs';
import * as helpers from '../tests/e2e/helpers.mjs';
import { BASE_FLAGS, CHROMIUM, ROOT } from '../tests/e2e/helpers.mjs';
import { countGpuCalls, formatGpuCalls, gpuCallsPerStep, tfjsBench } from './bench-tfjs.mjs';
import { peersAndPage } from './bench-peers.mjs';
import { formatKernelProfile } from './bench-kernels.mjs';
import { browserBenches } from './bench-browser.mjs';
import { pageSweepPoolBench } from './bench-pool.mjs';
import { nativeBenches } from './bench-native.mjs';
import { memoryBenches } from './bench-memory.mjs';
import { hostBench } from './bench-host.mjs';

const STEPS = Number(process.env.BENCH_STEPS || 200);
// Native steps take ~2 ms: measure many more of them so timer noise and one epoch's evaluation average out.
const NATIVE_STEPS = Number(process.env.BENCH_NATIVE_STEPS || 2500);
const GPU_STEPS = Number(process.env.BENCH_GPU_STEPS || 8);
// Steps of the native sweep benchmark (each step trains 64 models).
const SWEEP_STEPS = Number(process.env.BENCH_SWEEP_STEPS || 30);
const PAGE_SECONDS = Number(process.env.BENCH_PAGE_SECONDS || 30);
const PAGE_GPU_SECONDS = Number(process.env.BENCH_PAGE_GPU_SECONDS || 40);
const CALL_STEPS = Number(process.env.BENCH_CALL_STEPS || 12);
const SKIP = new Set((process.env.BENCH_SKIP || '').split(',').filter(Boolean));
const BATCH = 32;

const results = [];
const record = (name, r) => {
  results.push({ name, ...r });
  const line =
    r.samplesPerSec != null
      ? `${r.samplesPerSec.toFixed(0).padStart(8)} samples/s  (${r.msPerStep.toFixed(1)} ms/step, ${r.steps} steps)`
      : `   n/a   ${r.note}`;
  console.log(`${name.padEnd(34)} ${line}`);
};

/** What the parts in other files read: the table, where things are, and the options above. */
const bench = {
  record,
  results,
  root: ROOT,
  flags: { chromium: CHROMIUM, base: BASE_FLAGS },
  skip: SKIP,
  batch: BATCH,
  steps: STEPS,
  gpuSteps: GPU_STEPS,
  nativeSteps: NATIVE_STEPS,
  sweepSteps: SWEEP_STEPS,
};

// Parts 2, 3 and 6 and the page openers: scripts/bench-browser.mjs.
const { openBenchPage, browserBench, browserSweepBench, sweepResults } = browserBenches(bench);

// ------------------------------------------------------------------ 4. the page, charts live
/** Trains in the page for `seconds` (after the first steps), charts live or not; long tasks observed. */
async function pageRun(server, { gpu, live, seconds }) {
  const { browser, page } = await openBenchPage(
    server,
    gpu,
    `?acts=relu,sigmoid,relu&epochs=50&backend=${gpu ? 'gpu' : 'cpu'}`,
  );
  try {
    await page.evaluate((live) => {
      window.playground.chartsLive = live;
    }, live);
    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 3, null, { timeout: 240_000 });
    return await page.evaluate(async (seconds) => {
      const tasks = [];
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) tasks.push(e.duration);
      });
      observer.observe({ type: 'longtask' });
      const s0 = window.playground.progress.step;
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const steps = window.playground.progress.step - s0;
      const ms = performance.now() - t0;
      observer.disconnect();
      return { steps, ms, tasks, chartMs: window.playground.loopStats?.chartMs ?? {} };
    }, seconds);
  } finally {
    await browser.close();
  }
}

async function pageBench(server, gpu) {
  const seconds = gpu ? PAGE_GPU_SECONDS : PAGE_SECONDS;
  const label = gpu ? 'page, WebGPU' : 'page, CPU';
  try {
    const live = await pageRun(server, { gpu, live: true, seconds });
    const bare = await pageRun(server, { gpu, live: false, seconds });
    const perMin = 60_000 / live.ms;
    const over50 = live.tasks.filter((d) => d > 50);
    const blocked = over50.reduce((a, d) => a + d, 0);
    const rate = (r) => (r.steps * BATCH * 1000) / r.ms;
    console.log(
      `${label}: charts live ${rate(live).toFixed(0)} samples/s, nothing drawn ${rate(bare).toFixed(0)} samples/s ` +
        `(${((100 * rate(live)) / Math.max(1e-9, rate(bare))).toFixed(0)}%), over ${(live.ms / 1000).toFixed(0)} s each`,
    );
    console.log(
      `${''.padEnd(4)}main thread, charts live: ${(over50.length * perMin).toFixed(1)} tasks > 50 ms per minute, ` +
        `longest ${Math.max(0, ...live.tasks).toFixed(0)} ms, blocked ${((blocked * perMin) / 1000).toFixed(2)} s per minute`,
    );
    const draw = Object.entries(live.chartMs)
      .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
      .join(', ');
    console.log(`${''.padEnd(4)}chart drawing (in the worker, last draw of each): ${draw || 'none drawn'}`);
  } catch (e) {
    console.log(`${label}: failed: ${e.message.split('\n')[0]}`);
  }
}

// ------------------------------------------------------------------ 6. WebGPU calls per step
/**
 * The page trains on WebGPU (after its warm-up) with the statistics off, then CALL_STEPS steps are
 * counted from step 3 on (past the first chunks); prints the calls per step, and ms per step.
 */
async function gpuCallsBench(server) {
  const { browser, page } = await openBenchPage(server, true, '?acts=relu,sigmoid,relu&epochs=1&stats=0&backend=gpu');
  try {
    if ((await page.evaluate(() => window.playground.gpu.status)) !== 'ready')
      throw new Error('WebGPU is not available');
    await page.waitForFunction(() => window.playground.gpu.warm.state !== 'running', null, { timeout: 300_000 });
    const worker = page.workers().find((w) => /engine\/worker\.js/.test(w.url()));
    if (!worker) throw new Error('the engine worker was not found');
    await worker.evaluate(countGpuCalls);
    await page.click('#t-play');
    const at = async (step) => {
      await page.waitForFunction((n) => (window.playground.progress?.step ?? 0) >= n, step, {
        timeout: 600_000,
        polling: 20,
      });
      const [progressStep, t] = await page.evaluate(() => [window.playground.progress.step, performance.now()]);
      return { step: progressStep, t, calls: await worker.evaluate(() => ({ ...self.__gpuCalls })) };
    };
    const from = await at(3);
    const to = await at(from.step + CALL_STEPS);
    await page.click('#t-stop').catch(() => {});
    const steps = to.step - from.step;
    const per = gpuCallsPerStep(from.calls, to.calls, steps);
    const chunks = await page.evaluate(() => window.playground.loopStats?.chunks ?? null);
    console.log(
      `WebGPU calls per training step (page, engine worker, statistics off; ${steps} steps, ` +
        `${((to.t - from.t) / steps).toFixed(0)} ms/step, ${chunks} chunks in the whole run):`,
    );
    for (const line of formatGpuCalls(per)) console.log(`    ${line}`);
    console.log(`JSON ${JSON.stringify({ gpuCallsPerStep: per, steps, msPerStep: (to.t - from.t) / steps })}`);
  } catch (e) {
    console.log(`WebGPU calls per step: failed: ${e.message.split('\n')[0]}`);
  } finally {
    await browser.close();
  }
}

// ------------------------------------------------------------------ 8. WebGPU kernels, timed
/** burn's and TF.js's WebGPU loops again, every dispatch timed (scripts/bench-kernels.mjs). */
async function kernelBench(server) {
  const out = {};
  try {
    const burn = await browserBench(server, { gpu: true, profile: true });
    out.burn = { wallMsPerStep: burn.msPerStep, ...burn.kernels };
    for (const l of formatKernelProfile('WebGPU kernels, this page (burn)', burn.kernels, burn.msPerStep))
      console.log(l);
  } catch (e) {
    console.log(`WebGPU kernels, this page (burn): failed: ${e.message.split('\n')[0]}`);
  }
  if (!SKIP.has('tfjs')) {
    try {
      const tf = await tfjsBench(server, {
        backend: 'webgpu',
        steps: GPU_STEPS,
        batch: BATCH,
        flags: { chromium: CHROMIUM, base: BASE_FLAGS },
        profile: true,
      });
      out.tfjs = { wallMsPerStep: tf.msPerStep, ...tf.kernels };
      for (const l of formatKernelProfile('WebGPU kernels, TF.js webgpu', tf.kernels, tf.msPerStep)) console.log(l);
    } catch (e) {
      console.log(`WebGPU kernels, TF.js webgpu: failed: ${e.message.split('\n')[0]}`);
    }
  }
  console.log(`JSON ${JSON.stringify({ webGpuKernels: out })}`);
}

console.log(`Benchmark: relu, sigmoid, relu · batch ${BATCH} · MNIST subset (samples per second of training)\n`);
if (!SKIP.has('native')) nativeBenches(bench);
if (!existsSync(join(ROOT, 'www/pkg/activation_playground.js'))) {
  console.error('www/pkg is missing: run bash scripts/build.sh');
  process.exit(1);
}
const server = await startServer({ port: 0, fallback: false });
try {
  if (!SKIP.has('cpu') && !SKIP.has('wasm')) {
    await browserBench(server, { gpu: false });
    await browserBench(server, { gpu: false, stats: 50 });
  }
  if (!SKIP.has('gpu')) await browserBench(server, { gpu: true });
  if (!SKIP.has('browser-sweep')) {
    if (!SKIP.has('cpu') && !SKIP.has('stacked')) await browserSweepBench(server, { gpu: false });
    if (!SKIP.has('gpu') && !SKIP.has('stacked')) await browserSweepBench(server, { gpu: true });
    const pool =
      SKIP.has('cpu') || SKIP.has('pool')
        ? null
        : await pageSweepPoolBench(server, { record, chromium: CHROMIUM, flags: BASE_FLAGS });
    if (pool) sweepResults.push(pool);
    if (sweepResults.length) console.log(`JSON ${JSON.stringify({ browserSweep: sweepResults })}`);
  }
  if (!SKIP.has('page')) {
    console.log('');
    if (!SKIP.has('cpu')) await pageBench(server, false);
    if (!SKIP.has('gpu')) await pageBench(server, true);
  }
  await memoryBenches(server, { openBenchPage, root: ROOT, skip: SKIP, chromiumPath: CHROMIUM, flags: BASE_FLAGS });
  if (!SKIP.has('gpu') && !SKIP.has('calls')) await gpuCallsBench(server);
  if (!SKIP.has('gpu') && !SKIP.has('host'))
    await hostBench(server, { flags: { chromium: CHROMIUM, base: BASE_FLAGS }, tfjs: !SKIP.has('tfjs') });
  if (!SKIP.has('gpu') && !SKIP.has('kernels')) await kernelBench(server);
  // TF.js on the same paths, the page's start-up times, the bundle sizes; a table and JSON.
  await peersAndPage(server, { ...bench, helpers });
} finally {
  await server.close();
}
