// npm run bench, part 10 ("host"): the host's work per WebGPU training step, burn beside TF.js,
// for the single run and a stacked sweep step of K = 8, 16 and 64 models (issue 23).
//
// Each engine trains in a blank page of the bench's origin (the page's main thread: the same wasm,
// JS and WebGPU calls as in the engine worker), one step per call with its losses read back, or 8
// or 32 steps per call read back once (32: the page's largest chunk on WebGPU). The WebGPU prototypes are wrapped
// there (countGpuCalls, scripts/bench-tfjs.mjs; the bench injects it: nothing of it ships in dist/),
// so each step gives its dispatches, compute passes, submissions, bind groups created, bytes
// uploaded (writeBuffer) and mapped for reading (mapAsync).
// Host time, two ways, both medians over BENCH_HOST_STEPS calls (default 20) after warm-up calls:
//   - cpu: the page thread's own CPU time for the call, from the kernel's per-thread account
//     (/proc/<renderer>/task/<thread>/schedstat, read before and after each call), less the median
//     CPU time of an empty call from the bench into the page. It includes handling the read-back.
//   - to last submit: wall time from the call's start to its last queue submission.
// A timed call starts with the GPU idle (the bench waits for the queue outside the timing), except
// in the overlapped row and every other stacked call (reported apart): on a software adapter the
// "GPU" is SwiftShader on the machine's own cores, and host work beside it costs more CPU time than
// a hardware GPU would make it cost. On SwiftShader these are host-time figures, never GPU speed.
import { readFileSync } from 'node:fs';
import { processTree } from './bench-memory.mjs';
import { SCRIPTS, TF, countGpuCalls, defineTfjsModel, launch } from './bench-tfjs.mjs';
import { defineLoadSubset } from './bench-browser.mjs';

const HOST_STEPS = Number(process.env.BENCH_HOST_STEPS || 20);
// Enough for the kernels to compile and the memory pool to settle on the buffers a step uses (4 steps).
const WARM_STEPS = 5;
/** The steps a call makes in the "steps a read" rows; the last is the page's largest chunk on
 * WebGPU (GPU_MAX_STEPS, www/engine/loop.js). */
const CHUNKS = [8, 32];
const CHUNK = CHUNKS[CHUNKS.length - 1];
/** The stacked sizes measured (BENCH_HOST_K, e.g. "8,16,64"). */
const STACKED = (process.env.BENCH_HOST_K || '8,16,64').split(',').map(Number).filter(Boolean);
/** More builds of the wasm module to measure beside www/pkg: their served binding folders
 * (BENCH_HOST_PKGS, e.g. "/www/pkg-fused"; docs/benchmarks.md, part 10, has the fusion build). */
const PKGS = (process.env.BENCH_HOST_PKGS || '').split(',').filter(Boolean);
const KEYS = [
  ['dispatches', 'dispatchWorkgroups'],
  ['computePasses', 'beginComputePass'],
  ['submits', 'submit'],
  ['bindGroups', 'createBindGroup'],
  ['uploadBytes', 'writeBufferBytes'],
  ['readBackBytes', 'mapAsyncBytes'],
  ['readBacks', 'mapAsync'],
  ['readBacksDone', 'mapAsyncDone'],
  ['readBacksOverlapped', 'mapAsyncOverlapped'],
  ['apiCalls', 'apiCalls'],
];

/** The CPU time (ns) thread `tid` of process `pid` has run, from the kernel's schedstat. */
function threadCpuNs(pid, tid = pid) {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
}

/** Each Chromium renderer's main-thread CPU time (ns) by pid (a renderer's main thread's tid is its pid). */
function rendererCpu() {
  return new Map(
    processTree()
      .filter((p) => p.type === 'renderer')
      .map((p) => [p.pid, threadCpuNs(p.pid)]),
  );
}

/** The renderer running `page`: the one whose main thread runs while the page spins for 300 ms. */
async function rendererOf(page) {
  const before = rendererCpu();
  await page.evaluate(() => {
    const t0 = performance.now();
    while (performance.now() - t0 < 300);
  });
  let best = null;
  for (const [pid, ns] of rendererCpu()) {
    const ran = ns - (before.get(pid) ?? 0);
    if (!best || ran > best.ran) best = { pid, ran };
  }
  if (!best) throw new Error('no Chromium renderer found under this process');
  return best.pid;
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** In the page: wraps `window.__step` (one step, read back) as `window.__hostStep`. */
function defineHostStep() {
  window.__hostStep = async () => {
    const before = { ...self.__gpuCalls };
    const t0 = performance.now();
    await window.__step();
    const calls = {};
    for (const [k, v] of Object.entries(self.__gpuCalls)) calls[k] = v - (before[k] ?? 0);
    return { toSubmitMs: self.__lastSubmitAt - t0, wallMs: performance.now() - t0, calls };
  };
  window.__idle = async () => ({ calls: { ...self.__gpuCalls } });
}

/**
 * Steps `window.__step` HOST_STEPS times after the warm-up; the medians and per-step counts.
 * `perCall`: the training steps one call makes (figures are per training step).
 * `settle`: before a timed call, wait until the GPU has run what it was given, outside the timing:
 * 'all' (a call that reads back at once leaves the queue idle anyway), 'none' (the overlapped
 * single run, whose point is the GPU working while the host prepares the next step), or
 * 'alternate' (the stacked step: every other call settled; `hostCpuMs` from those, and
 * `hostCpuBesideGpuMs` from the others). On a software adapter the "GPU" is SwiftShader on the
 * same two cores: host work done while it runs a 64-model step took up to 9× the CPU time of the
 * same work with it idle (Dec 7: 33 ms in a busy hour, 3.8 ms idle), which a hardware GPU would
 * not cost.
 */
async function measure(page, { perCall = 1, settle = 'all' } = {}) {
  await page.evaluate(defineHostStep);
  // A call of several steps warms up as much in two calls; and 5 timed calls of 32 steps (160
  // steps) are enough for a median, where TF.js's SwiftShader steps take ~0.25 s each.
  const [warm, calls] =
    perCall > 1 ? [2, Math.max(5, Math.round((HOST_STEPS * 8) / perCall))] : [WARM_STEPS, HOST_STEPS];
  for (let i = 0; i < warm; i++) await page.evaluate(() => window.__hostStep());
  const pid = await rendererOf(page);
  // What an empty call from the bench costs the page thread (the same round trip, no step).
  const idle = [];
  for (let i = 0; i < HOST_STEPS; i++) {
    const c0 = threadCpuNs(pid);
    await page.evaluate(() => window.__idle());
    idle.push(threadCpuNs(pid) - c0);
  }
  const baseNs = median(idle);
  const steps = [];
  for (let i = 0; i < calls; i++) {
    const settled = settle === 'all' || (settle === 'alternate' && i % 2 === 0);
    if (settled) await page.evaluate(() => self.__gpuSettle());
    const c0 = threadCpuNs(pid);
    const r = await page.evaluate(() => window.__hostStep());
    steps.push({ ...r, settled, cpuMs: (threadCpuNs(pid) - c0 - baseNs) / 1e6 });
  }
  const timed = settle === 'alternate' ? steps.filter((s) => s.settled) : steps;
  const out = {
    steps: timed.length,
    perCall,
    hostCpuMs: median(timed.map((s) => s.cpuMs)) / perCall,
    hostToSubmitMs: median(timed.map((s) => s.toSubmitMs)) / perCall,
    wallMs: median(steps.map((s) => s.wallMs)) / perCall,
    callOverheadMs: baseNs / 1e6,
  };
  if (settle === 'alternate')
    out.hostCpuBesideGpuMs = median(steps.filter((s) => !s.settled).map((s) => s.cpuMs)) / perCall;
  for (const [name, key] of KEYS)
    out[name] = steps.reduce((a, s) => a + (s.calls[key] ?? 0), 0) / steps.length / perCall;
  return out;
}

/**
 * burn in a blank page: the page's single-run trainer (`k` null) or a sweep job stacking `k` models.
 * `overlap`: the single run reads each step's losses back while the next step trains, as the page
 * does at full speed (a sweep job always does). `perCall`: the single run's steps per call, read
 * back once (the page's chunk).
 */
async function burnPage(server, flags, k, { overlap = false, pkg = '/www/pkg', perCall = 1 } = {}) {
  const browser = await launch(flags, true);
  const page = await browser.newPage();
  await page.addInitScript(countGpuCalls);
  await page.addInitScript(defineLoadSubset, pkg);
  await page.goto(`${server.url}bench-blank`, { waitUntil: 'load' });
  const setup = await page.evaluate(
    async ([k, overlap, perCall]) => {
      const { wasm, dataset } = await window.__loadSubset();
      const backend = await wasm.initWebGpu();
      if (k == null) {
        const config = JSON.parse(wasm.defaultConfig());
        Object.assign(config, { acts: ['relu', 'sigmoid', 'relu'], batch: 32, epochs: 50, backend: 'gpu', stats: 0 });
        const trainer = new wasm.Trainer(JSON.stringify(config), dataset);
        window.__step = () => trainer.run(perCall, 1e9, overlap);
        return { backend, groups: [1] };
      }
      const query = `combos=all&seeds=1&epochs=50&bn=none&stats=0&dataset=mnist-subset&backend=gpu&parallel=${k}`;
      const job = await wasm.SweepJob.create(query, '[]', dataset);
      window.__step = () => job.run(1, 1e9);
      return { backend: job.backendName, groups: [...job.groupSizes()] };
    },
    [k, overlap, perCall],
  );
  if (k != null && setup.groups[0] !== k) throw new Error(`asked for ${k} models at once, got groups ${setup.groups}`);
  return { browser, page, setup };
}

/** TF.js webgpu in a blank page, the same loop (scripts/bench-tfjs.mjs), `perCall` steps a read. */
async function tfjsPage(server, flags, perCall = 1) {
  const browser = await launch(flags, true);
  const page = await browser.newPage();
  await page.addInitScript(countGpuCalls);
  await page.goto(`${server.url}bench-blank`, { waitUntil: 'load' });
  for (const src of SCRIPTS.webgpu) await page.addScriptTag({ url: src });
  await page.evaluate(defineTfjsModel);
  await page.evaluate(
    async ([tfDir, perCall]) => {
      const { step, read } = await window.__tfjsModel({ backend: 'webgpu', batch: 32, tfDir });
      window.__step = () => {
        for (let i = 0; i < perCall; i++) step();
        return read();
      };
    },
    [TF, perCall],
  );
  return { browser, page, setup: { backend: 'TF.js 4.22 webgpu' } };
}

const fmt = (x, digits = 1) => (x == null ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(digits));

/**
 * Part 10: prints a table and a JSON line `{hostWork: {...}}` with the targets of issue 23.
 * `flags`: {chromium, base}; `tfjs`: false leaves TF.js out; `pkgs`: more wasm builds' binding
 * folders (served paths) whose single run is measured too.
 */
export async function hostBench(server, { flags, tfjs = true, stacked = STACKED, pkgs = PKGS }) {
  const rows = [];
  const run = async (name, open, { k = null, perCall = 1, settle = 'all' } = {}) => {
    let opened;
    try {
      opened = await open();
      const r = await measure(opened.page, { perCall, settle });
      rows.push({ name, k, ...r, backend: opened.setup.backend });
    } catch (e) {
      rows.push({ name, k, error: e.message.split('\n')[0] });
    } finally {
      await opened?.browser.close();
    }
  };
  await run('burn, single run', () => burnPage(server, flags, null));
  await run('burn, single run, overlapped', () => burnPage(server, flags, null, { overlap: true }), { settle: 'none' });
  for (const perCall of CHUNKS)
    await run(`burn, ${perCall} steps a read`, () => burnPage(server, flags, null, { perCall }), { perCall });
  for (const pkg of pkgs) {
    await run(`burn, single run, ${pkg}`, () => burnPage(server, flags, null, { pkg }));
    await run(`burn, overlapped, ${pkg}`, () => burnPage(server, flags, null, { overlap: true, pkg }), {
      settle: 'none',
    });
  }
  if (tfjs) {
    await run('TF.js webgpu, single run', () => tfjsPage(server, flags));
    for (const perCall of CHUNKS)
      await run(`TF.js, ${perCall} steps a read`, () => tfjsPage(server, flags, perCall), { perCall });
  }
  for (const k of stacked) {
    await run(`burn, stacked K = ${k}`, () => burnPage(server, flags, k), { k, settle: 'alternate' });
  }

  console.log(
    `\nHost work per WebGPU training step (medians of ${HOST_STEPS} calls after ${WARM_STEPS}, or of ${HOST_STEPS * 8} steps in calls of several after 2 calls; per step; main thread of a blank page;` +
      ' the GPU idle when a timed call starts, except "overlapped" and the stacked rows\' last note):',
  );
  console.log(
    `    ${'step'.padEnd(26)} host CPU ms  to last submit ms  wall ms  dispatches  API calls  passes  submits  bind groups  upload B  read-back B (reads)`,
  );
  for (const r of rows) {
    if (r.error) {
      console.log(`    ${r.name.padEnd(26)} failed: ${r.error}`);
      continue;
    }
    const perK = r.k
      ? `  (÷K: ${fmt(r.dispatches / r.k, 2)} dispatches, ${fmt(r.hostCpuMs / r.k, 3)} ms CPU; ` +
        `${fmt(r.hostCpuBesideGpuMs, 2)} ms CPU with the previous step still on the GPU)`
      : '';
    console.log(
      `    ${r.name.padEnd(26)} ${fmt(r.hostCpuMs, 2).padStart(11)}  ${fmt(r.hostToSubmitMs, 2).padStart(17)}  ${fmt(r.wallMs).padStart(7)}  ` +
        `${fmt(r.dispatches).padStart(10)}  ${fmt(r.apiCalls).padStart(9)}  ${fmt(r.computePasses).padStart(6)}  ${fmt(r.submits).padStart(7)}  ` +
        `${fmt(r.bindGroups).padStart(11)}  ${fmt(r.uploadBytes, 0).padStart(8)}  ${fmt(r.readBackBytes, 0)} (${fmt(r.readBacks)})${perK}`,
    );
  }
  const targets = hostTargets(rows);
  for (const t of targets) console.log(`    target: ${t.target}: ${t.value} → ${t.met ? 'met' : 'NOT met'}`);
  console.log(`JSON ${JSON.stringify({ hostWork: { rows, targets } })}`);
  return { rows, targets };
}

/** Issue 23's targets, judged on the rows that were measured. */
export function hostTargets(rows) {
  const burn = rows.find((r) => r.name === 'burn, single run' && !r.error);
  const tf = rows.find((r) => r.name === 'TF.js webgpu, single run' && !r.error);
  const stacked = rows.filter((r) => r.k && !r.error);
  const out = [];
  if (burn) {
    out.push({ target: 'single step ≤ 60 dispatches', value: fmt(burn.dispatches), met: burn.dispatches <= 60 });
    if (tf) {
      const ratio = burn.hostCpuMs / tf.hostCpuMs;
      out.push({ target: 'single-step host CPU ≤ 0.5× TF.js', value: `${ratio.toFixed(2)}×`, met: ratio <= 0.5 });
    }
    const burnChunk = rows.find((r) => r.name === `burn, ${CHUNK} steps a read` && !r.error);
    const tfChunk = rows.find((r) => r.name === `TF.js, ${CHUNK} steps a read` && !r.error);
    if (burnChunk && tfChunk) {
      const ratio = burnChunk.hostCpuMs / tfChunk.hostCpuMs;
      out.push({
        target: `single-run host CPU per step ≤ 0.5× TF.js, ${CHUNK} steps a read (the page's chunk)`,
        value: `${ratio.toFixed(2)}×`,
        met: ratio <= 0.5,
      });
    }
    out.push({ target: '≤ 1 submission per step', value: fmt(burn.submits), met: burn.submits <= 1 });
  }
  const overlapped = rows.find((r) => r.name === 'burn, single run, overlapped' && !r.error);
  if (overlapped) {
    // Each read-back completes after the next step was submitted: the GPU had work while the host
    // waited. (A read requested in a step completes in the next one: count the completed ones.)
    const share = overlapped.readBacksOverlapped / overlapped.readBacksDone;
    out.push({
      target: 'no read-back awaited with the queue empty (single run, overlapped)',
      value: `${fmt(overlapped.readBacksOverlapped, 2)} of ${fmt(overlapped.readBacksDone, 2)} completed read-backs per step`,
      met: share === 1,
    });
  }
  if (stacked.length > 1) {
    const d = stacked.map((r) => r.dispatches);
    out.push({
      target: 'stacked dispatches constant in K',
      value: stacked.map((r) => `K=${r.k}: ${fmt(r.dispatches)}`).join(', '),
      met: Math.max(...d) === Math.min(...d),
    });
  }
  if (burn && stacked.length) {
    const worst = Math.max(...stacked.map((r) => r.hostCpuMs / burn.hostCpuMs));
    out.push({
      target: 'stacked-step host CPU ≤ 2× a single step',
      value: `up to ${worst.toFixed(2)}×`,
      met: worst <= 2,
    });
    const most = Math.max(...stacked.map((r) => r.submits));
    out.push({ target: '≤ 1 submission per stacked step', value: fmt(most), met: most <= 1 });
  }
  return out;
}
