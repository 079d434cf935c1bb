#!/usr/bin/env node
// The measurements of scripts/bench-gpu.sh (which builds first): one JSON object on stdout, the
// progress on stderr.
//   native:  `target/release/train --bench` (built with native-wgpu) on wgpu and on the CPU backend,
//            the article's MLP (relu, sigmoid, relu; batch 32): single-run samples/s; and
//            `train sweep --bench --parallel 64`: 64 models stacked against the same one by one.
//   browser: headless Chromium with WebGPU: burn's samples/s and first step (scripts/bench-browser.mjs)
//            against TF.js webgpu (scripts/bench-tfjs.mjs); the host's work per step, single and
//            stacked K = 64 (scripts/bench-host.mjs); the sweep's 64-model groups against single
//            runs in the page's wasm (`sweepBench`).
// A hardware adapter is required on both sides: natively wgpu's default adapter must not be of type
// `Cpu`, and Chromium's adapter must not be a fallback adapter. `--allow-fallback` measures on
// software adapters too (lavapipe, SwiftShader; then the steps below are cut, since they are slow),
// and the JSON says so.
// Options (env): BENCH_GPU_NATIVE_STEPS (default 1000; fallback 60), BENCH_GPU_SWEEP_STEPS (30; 5),
//   BENCH_GPU_STEPS (browser WebGPU steps, 200; 8), BENCH_HOST_STEPS (20), BENCH_GPU_CHROMIUM_FLAGS
//   (replaces the flags that put headless Chromium on the Vulkan GPU), CHROMIUM_PATH.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ALLOW_FALLBACK = process.argv.includes('--allow-fallback');
const env = (name, hardware, fallback) => Number(process.env[name] || (ALLOW_FALLBACK ? fallback : hardware));
const NATIVE_STEPS = env('BENCH_GPU_NATIVE_STEPS', 1000, 60);
const SWEEP_STEPS = env('BENCH_GPU_SWEEP_STEPS', 30, 5);
const GPU_STEPS = env('BENCH_GPU_STEPS', 200, 8);
// Read by scripts/bench-browser.mjs when it is imported below: the page's sweep bench.
process.env.BENCH_SWEEP_GPU_STEPS ||= String(ALLOW_FALLBACK ? 3 : 30);
process.env.BENCH_SWEEP_GPU_SEQUENTIAL ||= String(ALLOW_FALLBACK ? 4 : 64);
// Headless Chromium on Linux reaches a Vulkan GPU with ANGLE on Vulkan (not verified here: no GPU).
// They are left out with --allow-fallback, since SwiftShader needs none of them.
const GPU_FLAGS = process.env.BENCH_GPU_CHROMIUM_FLAGS
  ? process.env.BENCH_GPU_CHROMIUM_FLAGS.split(' ').filter(Boolean)
  : ALLOW_FALLBACK
    ? []
    : ['--use-angle=vulkan', '--enable-features=Vulkan', '--disable-vulkan-surface'];
const BATCH = 32;

// Everything the bench modules print is progress: stdout carries the JSON only.
const print = (s) => process.stdout.write(`${s}\n`);
console.log = (...args) => console.error(...args);

const { BASE_FLAGS, CHROMIUM, ROOT } = await import('../tests/e2e/helpers.mjs');
const { startServer } = await import('./serve.mjs');
const { browserBenches } = await import('./bench-browser.mjs');
const { launch, tfjsBench } = await import('./bench-tfjs.mjs');
const { hostBench } = await import('./bench-host.mjs');

class NoHardware extends Error {}

/** `target/release/train …`: its JSON lines and the backend it names on stderr. */
function train(args) {
  const bin = join(ROOT, 'target/release/train');
  const data = ['--dataset', 'mnist-subset', '--data', join(ROOT, 'www/data/mnist-subset')];
  console.error(`[bench-gpu] target/release/train ${[...args, ...data].join(' ')}`);
  const run = spawnSync(bin, [...args, ...data], { cwd: ROOT, encoding: 'utf8' });
  const json = (run.stdout ?? '')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l));
  if (run.status !== 0 || !json.length)
    throw new Error(`train ${args.join(' ')}: exit ${run.status}: ${(run.stderr ?? '').trim().slice(-400)}`);
  return { json, backend: /backend (.+)$/m.exec(run.stderr ?? '')?.[1] ?? null };
}

/** Natively: single runs and the stacked 64 on wgpu and on the CPU backend. */
function native() {
  const out = {};
  // "wgpu · <name> (<device type>, <API>; <routine> matmul)" (src/bin/train/sweep.rs), from a 1-step run.
  const probe = train(['--bench', '1', '--backend', 'gpu']).backend;
  const type = /\((\w+), \w+; \w+ matmul\)/.exec(probe ?? '')?.[1] ?? null;
  if (type === 'Cpu' && !ALLOW_FALLBACK)
    throw new NoHardware(`wgpu's adapter is a CPU one (${probe}): no hardware GPU found natively`);
  for (const backend of ['gpu', 'cpu']) {
    const single = train(['--bench', String(NATIVE_STEPS), '--acts', 'relu,sigmoid,relu', '--backend', backend]);
    const plain = single.json.find((j) => j.statsEvery === 0);
    const sweep = train([
      'sweep',
      '--bench',
      String(SWEEP_STEPS),
      '--seeds',
      '1',
      '--parallel',
      '64',
      '--backend',
      backend,
    ]);
    const s = sweep.json[0];
    out[backend] = {
      adapter: single.backend,
      adapterType: backend === 'gpu' ? type : null,
      single: {
        samplesPerSec: plain.samplesPerSec,
        msPerStep: (1000 * plain.seconds) / plain.steps,
        steps: plain.steps,
      },
      stacked64: {
        groups: s.groups,
        modelSamplesPerSec: s.batchedModelSamplesPerSec,
        msPerStackedStep: (1000 * s.batchedSeconds) / s.steps / s.groups.length,
        oneByOneModelSamplesPerSec: s.sequentialModelSamplesPerSec,
        speedup: s.speedup,
        steps: s.steps,
      },
    };
  }
  out.gpuOverCpu = {
    single: out.gpu.single.samplesPerSec / out.cpu.single.samplesPerSec,
    stacked64: out.gpu.stacked64.modelSamplesPerSec / out.cpu.stacked64.modelSamplesPerSec,
  };
  return out;
}

/** Chromium's WebGPU adapter, in a page of the bench's origin (a secure context): {available, fallback, info}. */
async function browserAdapter(server, flags) {
  const browser = await launch(flags, true);
  try {
    const page = await browser.newPage();
    await page.goto(`${server.url}bench-blank`, { waitUntil: 'load' });
    return await page.evaluate(async () => {
      const adapter = await navigator.gpu?.requestAdapter();
      if (!adapter) return { available: false };
      const i = adapter.info;
      const fallback = i?.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
      return {
        available: true,
        fallback,
        info: [i?.vendor, i?.architecture, i?.description].filter(Boolean).join(' · '),
      };
    });
  } finally {
    await browser.close();
  }
}

async function browser(flags) {
  const server = await startServer({ port: 0, fallback: false });
  try {
    const adapter = await browserAdapter(server, flags);
    if (!adapter.available) throw new NoHardware('headless Chromium offers no WebGPU adapter');
    if (adapter.fallback && !ALLOW_FALLBACK)
      throw new NoHardware(`Chromium's WebGPU adapter is a fallback (software) one: ${adapter.info}`);
    const recorded = {};
    const { browserBench, browserSweepBench, sweepResults } = browserBenches({
      record: (name, r) => {
        recorded[name] = r;
      },
      flags,
      batch: BATCH,
      steps: GPU_STEPS,
      gpuSteps: GPU_STEPS,
    });
    await browserBench(server, { gpu: true });
    const burn = recorded['wasm WebGPU in Chromium'];
    let tf;
    try {
      tf = await tfjsBench(server, { backend: 'webgpu', steps: GPU_STEPS, batch: BATCH, flags });
    } catch (e) {
      tf = { note: `failed: ${e.message.split('\n')[0]}` };
    }
    const host = await hostBench(server, { flags, stacked: [64] });
    await browserSweepBench(server, { gpu: true });
    const sweep = sweepResults[0] ?? recorded['wasm WebGPU sweep, 64 models'] ?? null;
    return {
      adapter,
      burn,
      tfjs: tf.note ? tf : { samplesPerSec: tf.samplesPerSec, msPerStep: tf.msPerStep, firstStepMs: tf.firstStepMs },
      burnOverTfjs: burn?.samplesPerSec && tf.samplesPerSec ? burn.samplesPerSec / tf.samplesPerSec : null,
      host,
      sweep64: sweep,
    };
  } finally {
    await server.close();
  }
}

const started = Date.now();
const result = {
  date: new Date().toISOString(),
  allowFallback: ALLOW_FALLBACK,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  chromium: CHROMIUM,
};
try {
  if (!existsSync(join(ROOT, 'target/release/train')) || !existsSync(join(ROOT, 'www/pkg/activation_playground.js')))
    throw new Error('run scripts/bench-gpu.sh: it builds the CLI and the wasm first');
  result.native = native();
  result.browser = await browser({ chromium: CHROMIUM, base: [...BASE_FLAGS, ...GPU_FLAGS] });
  result.seconds = (Date.now() - started) / 1000;
  print(JSON.stringify(result, null, 2));
} catch (e) {
  if (!(e instanceof NoHardware)) throw e;
  console.error(
    `\nbench-gpu: ${e.message}.\nThis benchmark measures a hardware GPU. Check the driver (vulkaninfo --summary), or run ` +
      "with --allow-fallback to measure the software adapter's host time instead.",
  );
  process.exit(3);
}
