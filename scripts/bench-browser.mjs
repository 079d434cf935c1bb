// npm run bench, parts 2, 3 and 6: the wasm module driven directly in headless Chromium (wasm CPU
// and WebGPU training steps, the sweep engine's groups against single runs), and the page openers
// the other in-browser parts use. Imported by scripts/bench.mjs, which prints the table.
import { chromium } from 'playwright-core';
import { PROFILE_FLAGS, profileDispatches, summarizeKernelProfile } from './bench-kernels.mjs';

// The browser sweep: steps per model (after one warm-up step), and how many single runs WebGPU times.
const BROWSER_SWEEP_STEPS = Number(process.env.BENCH_BROWSER_SWEEP_STEPS || 10);
const SWEEP_GPU_STEPS = Number(process.env.BENCH_SWEEP_GPU_STEPS || 3);
const SWEEP_GPU_SEQUENTIAL = Number(process.env.BENCH_SWEEP_GPU_SEQUENTIAL || 4);

/**
 * Runs in the blank page before anything else: `window.__loadSubset()` loads the wasm module and
 * reads the bundled subset as the engine worker reads a dataset (streamed into wasm's DatasetReader).
 * `pkg`: the folder of the wasm module's bindings (addInitScript's argument), www/pkg by default.
 */
export function defineLoadSubset(pkg = '/www/pkg') {
  window.__loadSubset = async () => {
    const wasm = await import(`${pkg}/activation_playground.js`);
    await wasm.default();
    const { readDataset } = await import('/www/engine/reader.js');
    const names = JSON.parse(wasm.bundledFiles('mnist-subset'));
    const dataset = await readDataset(
      wasm,
      'mnist-subset',
      names.map((name) => ({ name, url: new URL(`/www/data/mnist-subset/${name}`, location.href).href })),
    );
    return { wasm, dataset };
  };
}

/**
 * The in-browser engine parts, bound to the bench's settings; `sweepResults` gathers part 6's JSON.
 * @param {{record: Function, flags: {chromium: string, base: string[]}, batch: number, steps: number, gpuSteps: number}} ctx
 */
export function browserBenches({
  record,
  flags: { chromium: CHROMIUM, base: BASE_FLAGS },
  batch: BATCH,
  steps: STEPS,
  gpuSteps: GPU_STEPS,
}) {
  // ------------------------------------------------------------------ 2./3. in Chromium
  /** Chromium (with WebGPU when `gpu`) on a blank page of the server's origin, for benches that drive the wasm module directly. */
  async function openBlankPage(server, gpu, profile = false) {
    const args = [...BASE_FLAGS, ...(profile ? PROFILE_FLAGS : [])];
    if (gpu) args.push('--enable-unsafe-webgpu');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
    const page = await browser.newPage();
    if (profile) await page.addInitScript(profileDispatches);
    await page.addInitScript(defineLoadSubset);
    // A blank page (a 404) from the same origin, so the module and the data load from it.
    await page.goto(`${server.url}bench-blank`, { waitUntil: 'load' });
    return { browser, page };
  }

  /** `profile` (WebGPU): times every dispatch of the timed steps (part 8) and returns the summary. */
  async function browserBench(server, { gpu, stats = 0, profile = false }) {
    const { browser, page } = await openBlankPage(server, gpu, profile);
    try {
      const r = await page.evaluate(
        async ({ gpu, stats, cpuSteps, gpuSteps, batch }) => {
          const { wasm, dataset } = await window.__loadSubset();
          let adapter = null;
          if (gpu) {
            adapter = await wasm.initWebGpu();
            const info = (await navigator.gpu.requestAdapter())?.info;
            if (info)
              adapter =
                [info.description, info.vendor, info.architecture].filter(Boolean).join(' · ') +
                (info.isFallbackAdapter ? ' (software fallback)' : '');
          }
          const config = JSON.parse(wasm.defaultConfig());
          Object.assign(config, {
            acts: ['relu', 'sigmoid', 'relu'],
            batch,
            epochs: 50,
            backend: gpu ? 'gpu' : 'cpu',
            stats,
          });
          const trainer = new wasm.Trainer(JSON.stringify(config), dataset);
          const backend = trainer.backendName;
          const run = async (n) => JSON.parse(await trainer.run(n, 1e9, false));
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
            while (steps < cpuSteps) {
              const n = Math.min(25, cpuSteps - steps);
              await run(n);
              steps += n;
            }
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
        },
        { gpu, stats, cpuSteps: STEPS, gpuSteps: GPU_STEPS, batch: BATCH },
      );
      if (profile) return { msPerStep: r.ms / r.steps, kernels: summarizeKernelProfile(r.kernels, r.steps) };
      const name = stats
        ? `  + statistics every ${stats} steps`
        : gpu
          ? 'wasm WebGPU in Chromium'
          : 'wasm CPU (burn Flex) in Chromium';
      record(name, {
        samplesPerSec: (r.steps * BATCH * 1000) / r.ms,
        msPerStep: r.ms / r.steps,
        steps: r.steps,
        ...(gpu ? { firstStepMs: r.firstMs, adapter: r.adapter } : {}),
      });
      const first = gpu ? ` (first step ${(r.firstMs / 1000).toFixed(1)} s)` : '';
      console.log(
        `${''.padEnd(34)} backend: ${r.backend}${r.adapter ? ` (adapter: ${r.adapter})` : ''}; warm-up ${(r.warmMs / 1000).toFixed(1)} s${first}`,
      );
      if (gpu && r.chunkMs.length > 1)
        console.log(`${''.padEnd(34)} ms per step, by groups of 4: ${r.chunkMs.map((m) => m.toFixed(0)).join(', ')}`);
      if (r.drawMs) {
        const draw = Object.entries(r.drawMs)
          .map(([k, v]) => `${k} ${v.toFixed(1)} ms`)
          .join(', ');
        console.log(`${''.padEnd(34)} drawing each chart on the main thread (960×600, median of 7): ${draw}`);
      }
    } catch (e) {
      if (profile) throw e;
      record(gpu ? 'wasm WebGPU in Chromium' : 'wasm CPU (burn Flex) in Chromium', {
        note: `failed: ${e.message.split('\n')[0]}`,
      });
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
      const j = await page.evaluate(
        async ({ query, steps, sequential }) => {
          const { wasm, dataset } = await window.__loadSubset();
          const adapter = navigator.gpu ? await navigator.gpu.requestAdapter() : null;
          const limits = adapter
            ? {
                maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
                maxBufferSize: adapter.limits.maxBufferSize,
              }
            : null;
          try {
            return { ...JSON.parse(await wasm.sweepBench(query, dataset, steps, sequential)), limits };
          } finally {
            dataset.free();
          }
        },
        { query, steps, sequential },
      );
      // ms per step: of all 64 (every group) at once; of one model one after another.
      record(`${name} at once`, {
        samplesPerSec: j.batchedModelSamplesPerSec,
        msPerStep: (1000 * j.batchedSeconds) / j.steps,
        steps: j.steps,
      });
      record(`${name} one after another`, {
        samplesPerSec: j.sequentialModelSamplesPerSec,
        msPerStep: (1000 * j.sequentialSeconds) / (j.steps * j.sequentialModels),
        steps: j.steps * j.sequentialModels,
      });
      const mib = (b) => (b == null ? 'n/a' : `${(b / 2 ** 20).toFixed(0)} MiB`);
      console.log(
        `${''.padEnd(34)} at once: ${j.speedup.toFixed(2)}× the sequential throughput (target ≥ ${gpu ? 10 : 1.5}×); ` +
          `groups ${j.groups.join(', ')}; sequential timed on ${j.sequentialModels} of ${j.models} models; ${j.backendName}` +
          (j.limits
            ? `; adapter maxStorageBufferBindingSize ${mib(j.limits.maxStorageBufferBindingSize)}, maxBufferSize ${mib(j.limits.maxBufferSize)}`
            : ''),
      );
      sweepResults.push({
        target: gpu ? 'browser-webgpu-sweep' : 'browser-cpu-sweep',
        ...j,
        targetSpeedup: gpu ? 10 : 1.5,
      });
    } catch (e) {
      record(name, { note: `failed: ${e.message.split('\n')[0]}` });
    } finally {
      await browser.close();
    }
  }

  // ------------------------------------------------------------------ the page, for parts 4, 7 and memory
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

  return { openBlankPage, openBenchPage, browserBench, browserSweepBench, sweepResults };
}
