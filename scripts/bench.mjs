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
// 1a. PyTorch (where installed) on the same steps, 1 thread and every core: the CLI's peer.
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
//                BENCH_SKIP=native,pytorch,jobs,sweep,browser-sweep,stacked,pool,wasm,cpu,gpu,page,memory,cifar-memory,calls,kernels,
//                tfjs,startup (comma list; wasm: part 2), BENCH_PYTHON (an interpreter with torch, for 1a), CHROMIUM_PATH.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServer } from './serve.mjs';
import * as helpers from '../tests/e2e/helpers.mjs';
import { ROOT } from '../tests/e2e/helpers.mjs';
import { peersAndPage, countGpuCalls, formatGpuCalls, gpuCallsPerStep, tfjsBench } from './bench-tfjs.mjs';
import { PROFILE_FLAGS, profileDispatches, summarizeKernelProfile, formatKernelProfile } from './bench-kernels.mjs';
import { pageSweepPoolBench } from './bench-pool.mjs';

const STEPS = Number(process.env.BENCH_STEPS || 200);
// Native steps take ~2 ms: measure many more of them so timer noise and one epoch's evaluation average out.
const NATIVE_STEPS = Number(process.env.BENCH_NATIVE_STEPS || 2500);
const GPU_STEPS = Number(process.env.BENCH_GPU_STEPS || 8);
// Steps of the native sweep benchmark (each step trains 64 models).
const SWEEP_STEPS = Number(process.env.BENCH_SWEEP_STEPS || 30);
// The browser sweep: steps per model (after one warm-up step), and how many single runs WebGPU times.
const BROWSER_SWEEP_STEPS = Number(process.env.BENCH_BROWSER_SWEEP_STEPS || 10);
const SWEEP_GPU_STEPS = Number(process.env.BENCH_SWEEP_GPU_STEPS || 3);
const SWEEP_GPU_SEQUENTIAL = Number(process.env.BENCH_SWEEP_GPU_SEQUENTIAL || 4);
const PAGE_SECONDS = Number(process.env.BENCH_PAGE_SECONDS || 30);
const PAGE_GPU_SECONDS = Number(process.env.BENCH_PAGE_GPU_SECONDS || 40);
const CALL_STEPS = Number(process.env.BENCH_CALL_STEPS || 12);
const SKIP = new Set((process.env.BENCH_SKIP || '').split(',').filter(Boolean));
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const BATCH = 32;
const BASE_FLAGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic'];

const results = [];
const record = (name, r) => {
  results.push({ name, ...r });
  const line = r.samplesPerSec != null
    ? `${r.samplesPerSec.toFixed(0).padStart(8)} samples/s  (${r.msPerStep.toFixed(1)} ms/step, ${r.steps} steps)`
    : `   n/a   ${r.note}`;
  console.log(`${name.padEnd(34)} ${line}`);
};

// ------------------------------------------------------------------ 1. native CPU via the CLI
function nativeBench() {
  const bin = join(ROOT, 'target', 'release', 'train');
  console.error('[bench] cargo build --release --bin train');
  const build = spawnSync('cargo', ['build', '--release', '--bin', 'train'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0 || !existsSync(bin)) {
    return record('native CPU (burn Flex)', { note: 'could not build target/release/train' });
  }
  let help = '';
  try { help = execFileSync(bin, ['--help'], { encoding: 'utf8' }); } catch (e) { help = String(e.stdout ?? ''); }
  if (!/--bench\b/.test(help)) {
    return record('native CPU (burn Flex)', { note: 'target/release/train has no --bench flag' });
  }
  const argv = ['--bench', String(NATIVE_STEPS), '--dataset', 'mnist-subset', '--data', join(ROOT, 'www/data/mnist-subset'),
    '--acts', 'relu,sigmoid,relu', '--batch', String(BATCH), '--backend', 'cpu'];
  console.error(`[bench] target/release/train ${argv.join(' ')}`);
  const run = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8' });
  const lines = [];
  for (const line of (run.stdout ?? '').split('\n')) {
    const t = line.trim();
    if (t.startsWith('{')) { try { lines.push(JSON.parse(t)); } catch { /* not JSON */ } }
  }
  if (run.status !== 0 || !lines.length || !lines.every((j) => j.samplesPerSec)) {
    const out = `${run.stdout}\n${run.stderr}`.trim().slice(-400);
    return record('native CPU (burn Flex)', { note: `the CLI gave no number (exit ${run.status}): ${out}` });
  }
  for (const j of lines) {
    const name = j.statsEvery ? `  + statistics every ${j.statsEvery} steps` : 'native CPU (burn Flex)';
    record(name, { samplesPerSec: j.samplesPerSec, msPerStep: (1000 * j.seconds) / j.steps, steps: j.steps });
    if (j.statsOverheadPercent != null) console.log(`${''.padEnd(34)} statistics cost ${j.statsOverheadPercent.toFixed(1)}% of throughput`);
  }
}

// ------------------------------------------------------------------ 1a. PyTorch, the CLI's peer, on the same steps
// scripts/bench-pytorch.py trains the same network, data and batch; with 1 thread (burn's step
// uses one core) and with every core. Skipped, with a line saying so, where `import torch` fails
// (BENCH_PYTHON names another interpreter, e.g. a virtual environment's).
function pytorchBench() {
  const python = process.env.BENCH_PYTHON || 'python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return record('PyTorch CPU (peer)', { note: `skipped: ${python} cannot import torch (pip install torch, or set BENCH_PYTHON)` });
  }
  const burn = results.find((r) => r.name === 'native CPU (burn Flex)')?.samplesPerSec;
  for (const threads of [...new Set([1, cpus()])]) {
    const run = spawnSync(python, [join(ROOT, 'scripts', 'bench-pytorch.py'), String(NATIVE_STEPS), String(threads)], { cwd: ROOT, encoding: 'utf8' });
    let j = null;
    try { j = JSON.parse((run.stdout ?? '').trim().split('\n').pop()); } catch { /* no JSON */ }
    const name = `PyTorch ${j?.torch ?? ''} CPU, ${threads} thread${threads > 1 ? 's' : ''}`;
    if (!j?.samplesPerSec) {
      record(name, { note: `no number (exit ${run.status}): ${`${run.stdout}\n${run.stderr}`.trim().slice(-300)}` });
      continue;
    }
    record(name, { samplesPerSec: j.samplesPerSec, msPerStep: (1000 * j.seconds) / j.steps, steps: j.steps });
    if (burn) console.log(`${''.padEnd(34)} burn Flex (1 core) is ${(burn / j.samplesPerSec).toFixed(2)}× PyTorch with ${threads} thread(s)${threads === 1 ? ' (target ≥ 1.0×)' : ''}`);
  }
}

function cpus() {
  return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1;
}

// ------------------------------------------------------------------ 1c. native sweep on every core: --jobs 1 vs --jobs N
// Four combinations for one epoch of the bundled subset, one model per thread: the same runs with
// one job and with one per core, in model-samples per second (target on 2 cores: ≥ 1.8×).
function nativeJobsBench() {
  const bin = join(ROOT, 'target', 'release', 'train');
  if (!existsSync(bin)) return record('native sweep, --jobs', { note: 'target/release/train is missing' });
  const combos = 'relu-sigmoid-relu,tanh-tanh-tanh,selu-selu-selu,relu-relu-relu';
  const measure = (jobs) => {
    const argv = ['sweep', '--dataset', 'mnist-subset', '--data', join(ROOT, 'www/data/mnist-subset'), '--combos', combos,
      '--seeds', '1', '--epochs', '1', '--backend', 'cpu', '--jobs', String(jobs)];
    const t0 = performance.now();
    const run = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8' });
    const seconds = (performance.now() - t0) / 1000;
    return run.status === 0 ? seconds : null;
  };
  const n = cpus();
  const one = measure(1);
  const all = measure(n);
  if (one == null || all == null) return record('native sweep, --jobs', { note: 'train sweep failed' });
  // Four runs of one epoch over the 7,996 training images, plus their evaluations.
  const samples = 4 * 7996;
  const steps = 4 * Math.floor(7996 / BATCH);
  record('native sweep, 4 runs, --jobs 1', { samplesPerSec: samples / one, msPerStep: (1000 * one) / steps, steps });
  record(`native sweep, 4 runs, --jobs ${n}`, { samplesPerSec: samples / all, msPerStep: (1000 * all) / steps, steps });
  console.log(`${''.padEnd(34)} --jobs ${n}: ${(one / all).toFixed(2)}× --jobs 1 (model-samples/s; target on 2 cores ≥ 1.8×)`);
}

// ------------------------------------------------------------------ 1b. native sweep: 64 models at once vs one after another
// `train sweep --bench` trains the 64 combinations (one seed) as one stacked network for SWEEP_STEPS
// steps, then each as a single run for as many steps, and prints model-samples per second of both.
function nativeSweepBench() {
  const bin = join(ROOT, 'target', 'release', 'train');
  const name = 'native CPU sweep, 64 models';
  if (!existsSync(bin)) return record(name, { note: 'target/release/train is missing' });
  const argv = ['sweep', '--bench', String(SWEEP_STEPS), '--dataset', 'mnist-subset', '--data', join(ROOT, 'www/data/mnist-subset'),
    '--seeds', '1', '--parallel', '64', '--backend', 'cpu'];
  console.error(`[bench] target/release/train ${argv.join(' ')}`);
  const run = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8' });
  const line = (run.stdout ?? '').split('\n').map((l) => l.trim()).find((l) => l.startsWith('{'));
  let j = null;
  try { j = line ? JSON.parse(line) : null; } catch { /* not JSON */ }
  if (run.status !== 0 || !j?.batchedModelSamplesPerSec) {
    return record(name, { note: `the CLI gave no number (exit ${run.status}): ${`${run.stdout}\n${run.stderr}`.trim().slice(-300)}` });
  }
  const perStep = (seconds) => (1000 * seconds) / j.steps;
  record(`${name} at once`, { samplesPerSec: j.batchedModelSamplesPerSec, msPerStep: perStep(j.batchedSeconds), steps: j.steps });
  record(`${name} one after another`, { samplesPerSec: j.sequentialModelSamplesPerSec, msPerStep: perStep(j.sequentialSeconds), steps: j.steps * j.models });
  console.log(`${''.padEnd(34)} at once: ${j.speedup.toFixed(2)}× the sequential throughput (model-samples/s; target ≥ 1.5×)`);
}

// ------------------------------------------------------------------ 2./3. in Chromium
/** Chromium (with WebGPU when `gpu`) on a blank page of the server's origin, for benches that drive the wasm module directly. */
async function openBlankPage(server, gpu, profile = false) {
  const args = [...BASE_FLAGS, ...(profile ? PROFILE_FLAGS : [])];
  if (gpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const page = await browser.newPage();
  if (profile) await page.addInitScript(profileDispatches);
  // A blank page (a 404) from the same origin, so the module and the data load from it.
  await page.goto(`${server.url}bench-blank`, { waitUntil: 'load' });
  return { browser, page };
}

/** `profile` (WebGPU): times every dispatch of the timed steps (part 8) and returns the summary. */
async function browserBench(server, { gpu, stats = 0, profile = false }) {
  const { browser, page } = await openBlankPage(server, gpu, profile);
  try {
    const r = await page.evaluate(async ({ gpu, stats, cpuSteps, gpuSteps, batch }) => {
      const wasm = await import('/www/pkg/activation_playground.js');
      await wasm.default();
      // As the engine worker reads a dataset: streamed into wasm's DatasetReader.
      const { readDataset } = await import('/www/engine/reader.js');
      const names = JSON.parse(wasm.bundledFiles('mnist-subset'));
      const dataset = await readDataset(wasm, 'mnist-subset', names.map((name) => ({ name, url: new URL(`/www/data/mnist-subset/${name}`, location.href).href })));
      let adapter = null;
      if (gpu) {
        adapter = await wasm.initWebGpu();
        const info = (await navigator.gpu.requestAdapter())?.info;
        if (info) adapter = [info.description, info.vendor, info.architecture].filter(Boolean).join(' · ') + (info.isFallbackAdapter ? ' (software fallback)' : '');
      }
      const config = JSON.parse(wasm.defaultConfig());
      Object.assign(config, { acts: ['relu', 'sigmoid', 'relu'], batch, epochs: 50, backend: gpu ? 'gpu' : 'cpu', stats });
      const trainer = new wasm.Trainer(JSON.stringify(config), dataset);
      const backend = trainer.backendName;
      const run = async (n) => JSON.parse(await trainer.run(n, 1e9));
      // Warm-up (the first WebGPU step compiles the shaders).
      // On WebGPU its first step is timed on its own: that is where burn's autotune (when built in)
      // would start tuning, and the chunk times below show whether later steps got faster.
      const w0 = performance.now();
      await run(gpu ? 1 : 10);
      const firstMs = performance.now() - w0;
      if (gpu) await run(1);
      const warmMs = performance.now() - w0;
      let steps = 0;
      const chunkMs = [];
      if (self.__kernelProfile) self.__kernelProfile.on = true;
      const t0 = performance.now();
      if (gpu) {
        while (steps < gpuSteps) {
          const n = Math.min(4, gpuSteps - steps);
          const c0 = performance.now();
          await run(n);
          chunkMs.push((performance.now() - c0) / n);
          steps += n;
        }
      } else {
        while (steps < cpuSteps) { const n = Math.min(25, cpuSteps - steps); await run(n); steps += n; }
      }
      const ms = performance.now() - t0;
      const kernels = self.__readKernelProfile ? await self.__readKernelProfile() : null;
      // With statistics: the cost of drawing each chart on this (main) thread, onto a 960×600
      // <canvas>, through the same backend the worker uses (text measured with measureText).
      let drawMs = null;
      if (stats) {
        const canvas = document.createElement('canvas');
        canvas.width = 960;
        canvas.height = 600;
        document.body.append(canvas);
        drawMs = {};
        for (const chart of ['training', 'activations', 'gradients', 'health']) {
          const times = [];
          for (let i = 0; i < 7; i++) {
            const c0 = performance.now();
            trainer.drawChart(chart, canvas, 1, 'post');
            times.push(performance.now() - c0);
          }
          times.sort((a, b) => a - b);
          drawMs[chart] = times[3];
        }
      }
      trainer.free();
      return { steps, ms, warmMs, firstMs, chunkMs, backend, adapter, drawMs, kernels };
    }, { gpu, stats, cpuSteps: STEPS, gpuSteps: GPU_STEPS, batch: BATCH });
    if (profile) return { msPerStep: r.ms / r.steps, kernels: summarizeKernelProfile(r.kernels, r.steps) };
    const name = stats ? `  + statistics every ${stats} steps` : gpu ? 'wasm WebGPU in Chromium' : 'wasm CPU (burn Flex) in Chromium';
    record(name, { samplesPerSec: (r.steps * BATCH * 1000) / r.ms, msPerStep: r.ms / r.steps, steps: r.steps });
    const first = gpu ? ` (first step ${(r.firstMs / 1000).toFixed(1)} s)` : '';
    console.log(`${''.padEnd(34)} backend: ${r.backend}${r.adapter ? ` (adapter: ${r.adapter})` : ''}; warm-up ${(r.warmMs / 1000).toFixed(1)} s${first}`);
    if (gpu && r.chunkMs.length > 1) console.log(`${''.padEnd(34)} ms per step, by groups of 4: ${r.chunkMs.map((m) => m.toFixed(0)).join(', ')}`);
    if (r.drawMs) {
      const draw = Object.entries(r.drawMs).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ');
      console.log(`${''.padEnd(34)} drawing each chart on the main thread (960×600, median of 7): ${draw}`);
    }
  } catch (e) {
    if (profile) throw e;
    record(gpu ? 'wasm WebGPU in Chromium' : 'wasm CPU (burn Flex) in Chromium', { note: `failed: ${e.message.split('\n')[0]}` });
  } finally {
    await browser.close();
  }
}

// ------------------------------------------------------------------ 6. the sweep engine in Chromium
// wasm's `sweepBench` trains the sweep's groups and the single runs itself; the numbers and the
// group sizes come back as JSON.
const sweepResults = [];
async function browserSweepBench(server, { gpu }) {
  const name = `wasm ${gpu ? 'WebGPU' : 'CPU'} sweep, 64 models`;
  const { browser, page } = await openBlankPage(server, gpu);
  try {
    const query = `combos=all&seeds=1&epochs=1&bn=none&dataset=mnist-subset&backend=${gpu ? 'gpu' : 'cpu'}&parallel=64`;
    const steps = gpu ? SWEEP_GPU_STEPS : BROWSER_SWEEP_STEPS;
    const sequential = gpu ? SWEEP_GPU_SEQUENTIAL : 64;
    const j = await page.evaluate(async ({ query, steps, sequential }) => {
      const wasm = await import('/www/pkg/activation_playground.js');
      await wasm.default();
      const { readDataset } = await import('/www/engine/reader.js');
      const names = JSON.parse(wasm.bundledFiles('mnist-subset'));
      const dataset = await readDataset(wasm, 'mnist-subset', names.map((name) => ({ name, url: new URL(`/www/data/mnist-subset/${name}`, location.href).href })));
      const adapter = navigator.gpu ? (await navigator.gpu.requestAdapter()) : null;
      const limits = adapter ? { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize } : null;
      try {
        return { ...JSON.parse(await wasm.sweepBench(query, dataset, steps, sequential)), limits };
      } finally {
        dataset.free();
      }
    }, { query, steps, sequential });
    // ms per step: of all 64 (every group) at once; of one model one after another.
    record(`${name} at once`, { samplesPerSec: j.batchedModelSamplesPerSec, msPerStep: (1000 * j.batchedSeconds) / j.steps, steps: j.steps });
    record(`${name} one after another`, { samplesPerSec: j.sequentialModelSamplesPerSec,
      msPerStep: (1000 * j.sequentialSeconds) / (j.steps * j.sequentialModels), steps: j.steps * j.sequentialModels });
    const mib = (b) => (b == null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);
    console.log(`${''.padEnd(34)} at once: ${j.speedup.toFixed(2)}× the sequential throughput (target ≥ ${gpu ? 10 : 1.5}×); ` +
      `groups ${j.groups.join(', ')}; sequential timed on ${j.sequentialModels} of ${j.models} models; ${j.backendName}` +
      (j.limits ? `; adapter maxStorageBufferBindingSize ${mib(j.limits.maxStorageBufferBindingSize)}, maxBufferSize ${mib(j.limits.maxBufferSize)}` : ''));
    sweepResults.push({ target: gpu ? 'browser-webgpu-sweep' : 'browser-cpu-sweep', ...j, targetSpeedup: gpu ? 10 : 1.5 });
  } catch (e) {
    record(name, { note: `failed: ${e.message.split('\n')[0]}` });
  } finally {
    await browser.close();
  }
}

// ------------------------------------------------------------------ 4. the page, charts live
async function openBenchPage(server, gpu, query = '') {
  const args = [...BASE_FLAGS];
  if (gpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  await page.goto(`${server.url}${query}`, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 180_000 });
  await page.waitForFunction(() => window.playground.gpu.status !== 'pending', null, { timeout: 60_000 });
  return { browser, page };
}

/** Trains in the page for `seconds` (after the first steps), charts live or not; long tasks observed. */
async function pageRun(server, { gpu, live, seconds }) {
  const { browser, page } = await openBenchPage(server, gpu, `?acts=relu,sigmoid,relu&epochs=50&backend=${gpu ? 'gpu' : 'cpu'}`);
  try {
    await page.evaluate((live) => { window.playground.chartsLive = live; }, live);
    await page.click('#start');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 3, null, { timeout: 240_000 });
    return await page.evaluate(async (seconds) => {
      const tasks = [];
      const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) tasks.push(e.duration); });
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
    console.log(`${label}: charts live ${rate(live).toFixed(0)} samples/s, nothing drawn ${rate(bare).toFixed(0)} samples/s ` +
      `(${(100 * rate(live) / Math.max(1e-9, rate(bare))).toFixed(0)}%), over ${(live.ms / 1000).toFixed(0)} s each`);
    console.log(`${''.padEnd(4)}main thread, charts live: ${(over50.length * perMin).toFixed(1)} tasks > 50 ms per minute, ` +
      `longest ${Math.max(0, ...live.tasks).toFixed(0)} ms, blocked ${(blocked * perMin / 1000).toFixed(2)} s per minute`);
    const draw = Object.entries(live.chartMs).map(([k, v]) => `${k} ${v.toFixed(1)} ms`).join(', ');
    console.log(`${''.padEnd(4)}chart drawing (in the worker, last draw of each): ${draw || 'none drawn'}`);
  } catch (e) {
    console.log(`${label}: failed: ${e.message.split('\n')[0]}`);
  }
}

/** Memory after epoch 10 of the bundled subset against after epoch 1 (CPU, charts live). */
async function memoryBench(server) {
  const { browser, page } = await openBenchPage(server, false, '?acts=relu,sigmoid,relu&epochs=10&backend=cpu');
  try {
    await page.click('#start');
    await page.waitForFunction(() => (window.playground.progress?.epoch ?? 0) >= 1, null, { timeout: 300_000, polling: 200 });
    // The worker's wasm memory (its linear memory) and the page's JS heap (Chromium's
    // performance.memory; workers do not expose theirs).
    const measure = () => page.evaluate(async () => ({
      ...(await window.playground.engine.memory()),
      jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
    }));
    const one = await measure();
    // Epochs 2 and 5 too: wasm memory is a high-water mark that never shrinks, so growth that stops
    // after the first epochs is the allocator settling, and growth that goes on is a leak.
    const at = async (epoch) => {
      await page.waitForFunction((e) => (window.playground.progress?.epoch ?? 0) >= e, epoch, { timeout: 1_200_000, polling: 200 });
      return measure();
    };
    const two = await at(2);
    const five = await at(5);
    await page.waitForFunction(() => ['finished', 'diverged', 'error'].includes(document.body.dataset.state), null, { timeout: 1_200_000, polling: 500 });
    const ten = await measure();
    const mb = (b) => (b == null ? 'n/a' : `${(b / 1e6).toFixed(1)} MB`);
    const ratio = (a, b) => (a && b ? `${(b / a).toFixed(2)}×` : 'n/a');
    console.log(`memory (engine worker, CPU): wasm ${mb(one.wasmBytes)} after epoch 1, ${mb(two.wasmBytes)} after 2, ` +
      `${mb(five.wasmBytes)} after 5, ${mb(ten.wasmBytes)} after epoch 10 (${ratio(one.wasmBytes, ten.wasmBytes)}; ` +
      `epoch 2 → 10: ${ratio(two.wasmBytes, ten.wasmBytes)}); ` +
      `page JS heap ${mb(one.jsHeapBytes)} → ${mb(ten.jsHeapBytes)} (${ratio(one.jsHeapBytes, ten.jsHeapBytes)})`);
  } catch (e) {
    console.log(`memory: failed: ${e.message.split('\n')[0]}`);
  } finally {
    await browser.close();
  }
}

// ------------------------------------------------------------------ 9. full CIFAR-10's memory
/**
 * The processes below `root` (this process: Chromium is its child) with their resident memory,
 * from /proc: [{pid, rss (bytes), type}], `type` being Chromium's --type (renderer, gpu-process,
 * …) or 'browser'.
 */
function processTree(root = process.pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try { stat = readFileSync(`/proc/${entry}/stat`, 'utf8'); } catch { continue; }
    // "pid (comm) state ppid …": comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(entry));
  }
  const out = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length) {
    const pid = queue.shift();
    queue.push(...(children.get(pid) ?? []));
    try {
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      // Chromium's child processes rewrite their command line as one space-separated string.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (!/chrom/i.test(cmdline.split(' ')[0])) continue;
      const type = /--type=(\S+)/.exec(cmdline)?.[1] ?? 'browser';
      out.push({ pid, rss: rssKb * 1024, type });
    } catch { /* gone meanwhile */ }
  }
  return out;
}

/** The largest single Chromium process: {pid, rss, type}. */
function largestChromium() {
  return processTree().reduce((a, b) => (b.rss > (a?.rss ?? -1) ? b : a), null);
}

const CIFAR_TARGET_MB = 250;

async function cifarMemoryBench(server) {
  const dir = join(ROOT, '..', 'shared', 'data', 'cifar-10');
  const files = [1, 2, 3, 4, 5].map((n) => join(dir, `data_batch_${n}.bin.gz`)).concat(join(dir, 'test_batch.bin.gz'));
  if (!files.every(existsSync)) {
    console.log(`CIFAR-10 memory: skipped: the five training batches and test_batch.bin.gz are not in ${dir}`);
    return;
  }
  if (existsSync(join(ROOT, 'www', 'data', 'cifar10', 'manifest.json'))) {
    console.log('CIFAR-10 memory: skipped: www/data/cifar10 is served here, so choosing CIFAR-10 would load that folder first');
    return;
  }
  if (!existsSync('/proc/self/status')) {
    console.log('CIFAR-10 memory: skipped: no /proc to read the processes\' memory from');
    return;
  }
  const gzBytes = files.reduce((sum, f) => sum + readFileSync(f).length, 0);
  // No WebGPU: the page trains nothing here, and the GPU's warm-up would run on the new data.
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: BASE_FLAGS });
  let timer = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.state === 'idle', null, { timeout: 180_000 });
    await page.waitForFunction(() => window.playground.gpu.status !== 'pending', null, { timeout: 60_000 });
    await page.check('#ds-kind-cifar10');
    await page.waitForSelector('#ds-input', { state: 'attached' });
    const settle = () => new Promise((r) => setTimeout(r, 3000));
    await settle();
    const engineMemory = () => page.evaluate(() => window.playground.engine.memory());
    const before = { process: largestChromium(), engine: await engineMemory() };
    let peak = before.process;
    timer = setInterval(() => {
      const now = largestChromium();
      if (now && now.rss > peak.rss) peak = now;
    }, 100);
    const t0 = Date.now();
    await page.setInputFiles('#ds-input', files);
    await page.waitForFunction(() => {
      const error = document.getElementById('ds-error');
      if (error && !error.hidden) throw new Error(`the Data card says: ${error.textContent}`);
      return /^CIFAR-10 \(full\) · 50,000 training and 10,000 test images/.test(document.getElementById('data-summary').textContent);
    }, null, { timeout: 600_000, polling: 200 });
    const seconds = (Date.now() - t0) / 1000;
    await settle();
    clearInterval(timer);
    timer = null;
    const after = { process: largestChromium(), engine: await engineMemory() };
    if (after.process.rss > peak.rss) peak = after.process;
    const MB = (b) => b / 1e6;
    const f = (b) => `${MB(b).toFixed(0)} MB`;
    const growth = after.process.rss - before.process.rss;
    const wasmGrowth = after.engine.wasmBytes - before.engine.wasmBytes;
    console.log(`CIFAR-10 memory (5 training batches + the test batch, ${files.length} files, ${(gzBytes / 1e6).toFixed(1)} MB gzipped, ` +
      `through the Data card's file input; CPU page, no WebGPU; loaded in ${seconds.toFixed(1)} s):`);
    console.log(`    largest Chromium process: ${f(before.process.rss)} (${before.process.type}) before, ${f(after.process.rss)} ` +
      `(${after.process.type}) after: +${f(growth)}, ${(MB(growth) / CIFAR_TARGET_MB).toFixed(2)}× the ${CIFAR_TARGET_MB} MB target ` +
      `(${growth <= CIFAR_TARGET_MB * 1e6 ? 'met' : 'missed'}); peak during the load ${f(peak.rss)} (${peak.type}, +${f(peak.rss - before.process.rss)})`);
    console.log(`    engine worker's wasm memory: ${f(before.engine.wasmBytes)} before, ${f(after.engine.wasmBytes)} after: +${f(wasmGrowth)} ` +
      `(${(wasmGrowth / 184_380_000).toFixed(2)} bytes per byte of CIFAR-10's 184.4 MB)`);
    console.log(`JSON ${JSON.stringify({ cifarMemory: {
      seconds, gzBytes, targetMB: CIFAR_TARGET_MB,
      before: { rss: before.process.rss, type: before.process.type, wasmBytes: before.engine.wasmBytes },
      after: { rss: after.process.rss, type: after.process.type, wasmBytes: after.engine.wasmBytes },
      peak: { rss: peak.rss, type: peak.type },
      growthMB: MB(growth), ratioToTarget: MB(growth) / CIFAR_TARGET_MB,
    } })}`);
  } catch (e) {
    console.log(`CIFAR-10 memory: failed: ${e.message.split('\n')[0]}`);
  } finally {
    if (timer) clearInterval(timer);
    await browser.close();
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
    if ((await page.evaluate(() => window.playground.gpu.status)) !== 'ready') throw new Error('WebGPU is not available');
    await page.waitForFunction(() => window.playground.gpu.warm.state !== 'running', null, { timeout: 300_000 });
    const worker = page.workers().find((w) => /engine\/worker\.js/.test(w.url()));
    if (!worker) throw new Error('the engine worker was not found');
    await worker.evaluate(countGpuCalls);
    await page.click('#start');
    const at = async (step) => {
      await page.waitForFunction((n) => (window.playground.progress?.step ?? 0) >= n, step, { timeout: 600_000, polling: 20 });
      const [progressStep, t] = await page.evaluate(() => [window.playground.progress.step, performance.now()]);
      return { step: progressStep, t, calls: await worker.evaluate(() => ({ ...self.__gpuCalls })) };
    };
    const from = await at(3);
    const to = await at(from.step + CALL_STEPS);
    await page.click('#stop').catch(() => {});
    const steps = to.step - from.step;
    const per = gpuCallsPerStep(from.calls, to.calls, steps);
    const chunks = await page.evaluate(() => window.playground.loopStats?.chunks ?? null);
    console.log(`WebGPU calls per training step (page, engine worker, statistics off; ${steps} steps, ` +
      `${((to.t - from.t) / steps).toFixed(0)} ms/step, ${chunks} chunks in the whole run):`);
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
    for (const l of formatKernelProfile('WebGPU kernels, this page (burn)', burn.kernels, burn.msPerStep)) console.log(l);
  } catch (e) {
    console.log(`WebGPU kernels, this page (burn): failed: ${e.message.split('\n')[0]}`);
  }
  if (!SKIP.has('tfjs')) {
    try {
      const tf = await tfjsBench(server, { backend: 'webgpu', steps: GPU_STEPS, batch: BATCH, flags: { chromium: CHROMIUM, base: BASE_FLAGS }, profile: true });
      out.tfjs = { wallMsPerStep: tf.msPerStep, ...tf.kernels };
      for (const l of formatKernelProfile('WebGPU kernels, TF.js webgpu', tf.kernels, tf.msPerStep)) console.log(l);
    } catch (e) {
      console.log(`WebGPU kernels, TF.js webgpu: failed: ${e.message.split('\n')[0]}`);
    }
  }
  console.log(`JSON ${JSON.stringify({ webGpuKernels: out })}`);
}

console.log(`Benchmark: relu, sigmoid, relu · batch ${BATCH} · MNIST subset (samples per second of training)\n`);
if (!SKIP.has('native')) nativeBench();
if (!SKIP.has('native') && !SKIP.has('pytorch')) pytorchBench();
if (!SKIP.has('native') && !SKIP.has('jobs')) nativeJobsBench();
if (!SKIP.has('native') && !SKIP.has('sweep')) nativeSweepBench();
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
    const pool = SKIP.has('cpu') || SKIP.has('pool') ? null : await pageSweepPoolBench(server, { record, chromium: CHROMIUM, flags: BASE_FLAGS });
    if (pool) sweepResults.push(pool);
    if (sweepResults.length) console.log(`JSON ${JSON.stringify({ browserSweep: sweepResults })}`);
  }
  if (!SKIP.has('page')) {
    console.log('');
    if (!SKIP.has('cpu')) await pageBench(server, false);
    if (!SKIP.has('gpu')) await pageBench(server, true);
  }
  if (!SKIP.has('memory')) await memoryBench(server);
  if (!SKIP.has('cifar-memory')) await cifarMemoryBench(server);
  if (!SKIP.has('gpu') && !SKIP.has('calls')) await gpuCallsBench(server);
  if (!SKIP.has('gpu') && !SKIP.has('kernels')) await kernelBench(server);
  // TF.js on the same paths, the page's start-up times, the bundle sizes; a table and JSON.
  await peersAndPage(server, { results, skip: SKIP, steps: STEPS, gpuSteps: GPU_STEPS, batch: BATCH, helpers, root: ROOT,
    flags: { chromium: CHROMIUM, base: BASE_FLAGS } });
} finally {
  await server.close();
}
