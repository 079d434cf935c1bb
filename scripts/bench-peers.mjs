// npm run bench, the peers and the page (imported by scripts/bench.mjs):
//   - peersAndPage: TF.js (scripts/bench-tfjs.mjs) on the same paths, the page's times and the
//     bundle sizes, printed against this page's own numbers as a table and JSON.
//   - pageTimes: the page itself (index.html): ready time after load, and the first step after Start;
//     on WebGPU, with Start pressed as soon as the page is ready (the background warm-up still
//     compiling the kernels) or once the warm-up has finished (then also: load → warm-up done).
//   - bundleSizes: the shipped wasm (dist/) raw, gzip and brotli, beside the development one.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { compressedSizes } from './dist.mjs';
import { formatGpuCalls, launch, tfjsBench } from './bench-tfjs.mjs';

/**
 * The page (index.html): milliseconds from navigation start to ready to train (state idle), and
 * from clicking Start to the first trained step shown, on `backend` ('gpu' or 'cpu'). WebGPU:
 * `afterWarmUp` presses Start once the background warm-up has finished (`warmUpMs`: navigation
 * start → its first step done, which a WebGPU Start waits for; `warmUpAllMs`: → the probe pass
 * and the other activations' step, queued in the worker behind it, done too), otherwise at once.
 * `acts`: the activations trained (the warm-up uses the defaults, relu/sigmoid/relu). `webgpu`:
 * the browser offers WebGPU (default: for the 'gpu' backend only), so a CPU run starts while the
 * WebGPU warm-up runs. A fresh browser each time, so that no shader compiled by an earlier
 * measurement is cached.
 */
export async function pageTimes(
  server,
  { backend, flags, helpers, afterWarmUp = false, acts = ['relu', 'sigmoid', 'relu'], webgpu = backend === 'gpu' },
) {
  const browser = await launch(flags, webgpu);
  try {
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    await page.goto(server.url, { waitUntil: 'load' });
    await page.waitForFunction(() => ['idle', 'error'].includes(document.body.dataset.state), null, {
      timeout: 120_000,
    });
    const readyMs = await page.evaluate(() => performance.now());
    await helpers.waitReady(page);
    if (backend === 'gpu' && (await page.evaluate(() => window.playground.gpu.status)) !== 'ready') {
      return { readyMs, note: `WebGPU ${await page.evaluate(() => window.playground.gpu.status)}` };
    }
    let warmUpMs = null;
    let warmUpAllMs = null;
    if (backend === 'gpu' && afterWarmUp) {
      await page.waitForFunction(() => ['done', 'failed'].includes(window.playground.gpu.warm.state), null, {
        timeout: 300_000,
        polling: 20,
      });
      warmUpMs = await page.evaluate(() => performance.now());
      const warm = await page.evaluate(() => window.playground.gpu.warm);
      if (warm.state !== 'done') return { readyMs, note: `the WebGPU warm-up failed: ${warm.error}` };
      // A request on the worker's queue is answered once the warm-up's queued passes are done.
      warmUpAllMs = await page.evaluate(async () => {
        await window.playground.engine.memory();
        return performance.now();
      });
    }
    await helpers.setForm(page, { acts, batch: '32', epochs: '1', backend });
    const warmAtStart = await page.evaluate(() => {
      window.__t0 = performance.now();
      return window.playground.gpu.warm.state;
    });
    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 1, null, {
      timeout: 300_000,
      polling: 20,
    });
    const firstStepMs = await page.evaluate(() => performance.now() - window.__t0);
    await page.click('#t-stop').catch(() => {});
    return { readyMs, firstStepMs, warmUpMs, warmUpAllMs, warmAtStart, browser: browser.version() };
  } finally {
    await browser.close();
  }
}

/** Sizes of the wasm: dist/ (shipped) and www/pkg (development build), raw / gzip / brotli. */
export function bundleSizes(root) {
  const out = {};
  const dist = join(root, 'dist');
  if (existsSync(dist)) {
    const wasm = readdirSync(dist, { recursive: true })
      .map(String)
      .find((f) => f.endsWith('.wasm'));
    if (wasm) out.dist = { file: `dist/${wasm}`, ...compressedSizes(readFileSync(join(dist, wasm)), { brotli: true }) };
  }
  const dev = join(root, 'www/pkg/activation_playground_bg.wasm');
  if (existsSync(dev))
    out.dev = {
      file: 'www/pkg/activation_playground_bg.wasm',
      ...compressedSizes(readFileSync(dev), { brotli: true }),
    };
  return out;
}

/**
 * Runs the peers (TF.js webgpu, wasm with one thread and threaded) and the page timings, then prints
 * the comparison with this page's own numbers (`results` of scripts/bench.mjs) as a table and JSON.
 * `skip` may hold 'tfjs' and 'startup'.
 */
export async function peersAndPage(server, { results, skip, steps, gpuSteps, batch, flags, helpers, root }) {
  const peers = {};
  const run = async (key, fn) => {
    try {
      peers[key] = await fn();
      const r = peers[key];
      const what =
        r.samplesPerSec != null
          ? `${r.samplesPerSec.toFixed(0).padStart(8)} samples/s  (${r.msPerStep.toFixed(1)} ms/step, ${r.steps} steps; first step ${(r.firstStepMs / 1000).toFixed(1)} s; loss ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)})`
          : `ready ${(r.readyMs / 1000).toFixed(2)} s after load${r.warmUpMs != null ? `, warm-up step done ${(r.warmUpMs / 1000).toFixed(2)} s after load (all ${(r.warmUpAllMs / 1000).toFixed(2)} s)` : ''}` +
            `${r.firstStepMs != null ? `, first step ${(r.firstStepMs / 1000).toFixed(2)} s after Start` : ''}${r.warmAtStart && r.warmAtStart !== 'none' ? ` (warm-up ${r.warmAtStart} at Start)` : ''}${r.note ? ` (${r.note})` : ''}`;
      console.log(`${key.padEnd(34)} ${what}`);
      if (r.gpuCallsPerStep)
        for (const l of formatGpuCalls(r.gpuCallsPerStep)) console.log(`${''.padEnd(34)} per step: ${l}`);
    } catch (e) {
      peers[key] = { note: `failed: ${String(e.message).split('\n')[0]}` };
      console.log(`${key.padEnd(34)}    n/a   ${peers[key].note}`);
    }
  };
  if (!skip.has('tfjs')) {
    if (!skip.has('gpu'))
      await run('TF.js webgpu', () => tfjsBench(server, { backend: 'webgpu', steps: gpuSteps, batch, flags }));
    if (!skip.has('cpu')) {
      await run('TF.js wasm (1 thread)', () => tfjsBench(server, { backend: 'wasm', steps, batch, flags }));
      await run('TF.js wasm (threads, COOP/COEP)', () =>
        tfjsBench(server, { backend: 'wasm', steps, batch, flags, threads: true }),
      );
    }
  }
  if (!skip.has('startup')) {
    await run('page, CPU backend', () => pageTimes(server, { backend: 'cpu', flags, helpers }));
    if (!skip.has('gpu')) {
      await run('page, WebGPU, Start after warm-up', () =>
        pageTimes(server, { backend: 'gpu', flags, helpers, afterWarmUp: true }),
      );
      await run('page, WebGPU, Start on ready', () => pageTimes(server, { backend: 'gpu', flags, helpers }));
      await run('page, WebGPU, tanh/selu/sigmoid', () =>
        pageTimes(server, { backend: 'gpu', flags, helpers, afterWarmUp: true, acts: ['tanh', 'selu', 'sigmoid'] }),
      );
      await run('page, CPU during WebGPU warm-up', () =>
        pageTimes(server, { backend: 'cpu', flags, helpers, webgpu: true }),
      );
    }
  }
  const sizes = bundleSizes(root);

  const own = (re) => results.find((r) => re.test(r.name) && !r.name.startsWith(' ') && r.samplesPerSec != null);
  const burnGpu = own(/WebGPU/);
  const burnCpu = own(/wasm CPU/);
  const sps = (r) => r?.samplesPerSec ?? null;
  const ratio = (a, b) => (a != null && b != null ? a / b : null);
  const tfWasmBest = [peers['TF.js wasm (1 thread)'], peers['TF.js wasm (threads, COOP/COEP)']]
    .map(sps)
    .filter((v) => v != null);
  const summary = {
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; Chromium ${Object.values(peers).find((p) => p.browser)?.browser ?? '?'}; WebGPU adapter: ${peers['TF.js webgpu']?.adapter ?? 'n/a'}`,
    samplesPerSec: {
      burnWebGpu: sps(burnGpu),
      tfjsWebGpu: sps(peers['TF.js webgpu']),
      burnCpuWasm: sps(burnCpu),
      tfjsWasm1Thread: sps(peers['TF.js wasm (1 thread)']),
      tfjsWasmThreads: sps(peers['TF.js wasm (threads, COOP/COEP)']),
    },
    ratios: {
      webgpuBurnOverTfjs: ratio(sps(burnGpu), sps(peers['TF.js webgpu'])),
      cpuBurnOverTfjsWasm1Thread: ratio(sps(burnCpu), sps(peers['TF.js wasm (1 thread)'])),
      cpuBurnOverTfjsWasmBest: ratio(sps(burnCpu), tfWasmBest.length ? Math.max(...tfWasmBest) : null),
    },
    firstStepMs: {
      tfjsWebGpu: peers['TF.js webgpu']?.firstStepMs ?? null,
      pageWebGpuAfterStart: peers['page, WebGPU, Start after warm-up']?.firstStepMs ?? null,
      pageWebGpuStartOnReady: peers['page, WebGPU, Start on ready']?.firstStepMs ?? null,
      pageWebGpuOtherActsAfterWarmUp: peers['page, WebGPU, tanh/selu/sigmoid']?.firstStepMs ?? null,
      pageCpuAfterStart: peers['page, CPU backend']?.firstStepMs ?? null,
      pageCpuDuringWebGpuWarmUp: peers['page, CPU during WebGPU warm-up']?.firstStepMs ?? null,
    },
    pageReadyMs: peers['page, CPU backend']?.readyMs ?? null,
    webGpuWarmUpDoneMs: peers['page, WebGPU, Start after warm-up']?.warmUpMs ?? null,
    webGpuWarmUpAllDoneMs: peers['page, WebGPU, Start after warm-up']?.warmUpAllMs ?? null,
    wasmBytes: sizes,
    targets: {
      webgpuBurnOverTfjs: 2,
      cpuBurnOverTfjsWasm: 1.5,
      firstWebGpuStepMs: 3000,
      pageReadyMs: 1000,
      distWasmGzipBytes: 2_500_000,
    },
  };

  const f = (v, d = 0) => (v == null ? 'n/a' : v.toFixed(d));
  const sec = (ms) => (ms == null ? 'n/a' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
  const mb = (b) => (b == null ? 'n/a' : `${(b / 1e6).toFixed(2)} MB`);
  const rows = [
    [
      'WebGPU samples/s',
      f(summary.samplesPerSec.burnWebGpu, 1),
      f(summary.samplesPerSec.tfjsWebGpu, 1),
      `${f(summary.ratios.webgpuBurnOverTfjs, 2)}× (target ≥ 2×)`,
    ],
    [
      'CPU samples/s (wasm)',
      f(summary.samplesPerSec.burnCpuWasm),
      `${f(summary.samplesPerSec.tfjsWasm1Thread)} (1 thread) / ${f(summary.samplesPerSec.tfjsWasmThreads)} (threads)`,
      `${f(summary.ratios.cpuBurnOverTfjsWasm1Thread, 2)}× / ${f(summary.ratios.cpuBurnOverTfjsWasmBest, 2)}× (target ≥ 1.5×)`,
    ],
    [
      'first WebGPU step',
      `${sec(summary.firstStepMs.pageWebGpuAfterStart)} after Start (warmed up)`,
      `${sec(summary.firstStepMs.tfjsWebGpu)} (bench loop)`,
      'target ≤ 3 s',
    ],
    ['  Start on ready', `${sec(summary.firstStepMs.pageWebGpuStartOnReady)} after Start (warm-up running)`, '', ''],
    [
      '  tanh/selu/sigmoid',
      `${sec(summary.firstStepMs.pageWebGpuOtherActsAfterWarmUp)} after Start (warmed up)`,
      '',
      '',
    ],
    [
      'WebGPU warm-up done',
      `${sec(summary.webGpuWarmUpDoneMs)} after load (all: ${sec(summary.webGpuWarmUpAllDoneMs)})`,
      '',
      '',
    ],
    ['first CPU step', `${sec(summary.firstStepMs.pageCpuAfterStart)} after Start`, '', ''],
    ['  during WebGPU warm-up', `${sec(summary.firstStepMs.pageCpuDuringWebGpuWarmUp)} after Start`, '', ''],
    ['page ready after load', sec(summary.pageReadyMs), '', 'target ≤ 1 s'],
    [
      'wasm (dist/)',
      `${mb(sizes.dist?.raw)} raw, ${mb(sizes.dist?.gzip)} gzip, ${mb(sizes.dist?.brotli)} brotli`,
      '',
      'target ≤ 2.5 MB gzip',
    ],
    [
      'wasm (www/pkg, dev)',
      `${mb(sizes.dev?.raw)} raw, ${mb(sizes.dev?.gzip)} gzip, ${mb(sizes.dev?.brotli)} brotli`,
      '',
      '',
    ],
  ];
  console.log(`\nThis page (burn) against TF.js 4.22, same MLP and loop, same run · ${summary.machine}\n`);
  const widths = [24, 50, 36, 30];
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  console.log(line(['', 'this page (burn)', 'TF.js', 'ratio / target']));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const r of rows) console.log(line(r));
  console.log(`\nJSON ${JSON.stringify(summary)}`);
  return summary;
}
