// npm run bench, parts "memory" and 9 ("cifar-memory"): the page's memory over a 10-epoch run, and
// what full CIFAR-10 costs its largest process. Imported by scripts/bench.mjs.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/**
 * The processes below `root` (this process: Chromium is its child) with their resident memory,
 * from /proc: [{pid, rss (bytes), type}], `type` being Chromium's --type (renderer, gpu-process,
 * …) or 'browser'.
 */
export function processTree(root = process.pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
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
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/**
 * Runs the memory parts not in `skip`; `openBenchPage(server, gpu, query)` opens the page.
 * @param {any} server
 * @param {{openBenchPage: Function, root: string, skip: Set<string>, chromiumPath: string, flags: string[]}} ctx
 */
export async function memoryBenches(
  server,
  { openBenchPage, root: ROOT, skip, chromiumPath: CHROMIUM, flags: BASE_FLAGS },
) {
  /** Memory after epoch 10 of the bundled subset against after epoch 1 (CPU, charts live). */
  async function memoryBench(server) {
    const { browser, page } = await openBenchPage(server, false, '?acts=relu,sigmoid,relu&epochs=10&backend=cpu');
    try {
      await page.click('#t-play');
      await page.waitForFunction(() => (window.playground.progress?.epoch ?? 0) >= 1, null, {
        timeout: 300_000,
        polling: 200,
      });
      // The worker's wasm memory (its linear memory) and the page's JS heap (Chromium's
      // performance.memory; workers do not expose theirs).
      const measure = () =>
        page.evaluate(async () => ({
          ...(await window.playground.engine.memory()),
          jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
        }));
      const one = await measure();
      // Epochs 2 and 5 too: wasm memory is a high-water mark that never shrinks, so growth that stops
      // after the first epochs is the allocator settling, and growth that goes on is a leak.
      const at = async (epoch) => {
        await page.waitForFunction((e) => (window.playground.progress?.epoch ?? 0) >= e, epoch, {
          timeout: 1_200_000,
          polling: 200,
        });
        return measure();
      };
      const two = await at(2);
      const five = await at(5);
      await page.waitForFunction(() => ['finished', 'diverged', 'error'].includes(document.body.dataset.state), null, {
        timeout: 1_200_000,
        polling: 500,
      });
      const ten = await measure();
      const mb = (b) => (b == null ? 'n/a' : `${(b / 1e6).toFixed(1)} MB`);
      const ratio = (a, b) => (a && b ? `${(b / a).toFixed(2)}×` : 'n/a');
      console.log(
        `memory (engine worker, CPU): wasm ${mb(one.wasmBytes)} after epoch 1, ${mb(two.wasmBytes)} after 2, ` +
          `${mb(five.wasmBytes)} after 5, ${mb(ten.wasmBytes)} after epoch 10 (${ratio(one.wasmBytes, ten.wasmBytes)}; ` +
          `epoch 2 → 10: ${ratio(two.wasmBytes, ten.wasmBytes)}); ` +
          `page JS heap ${mb(one.jsHeapBytes)} → ${mb(ten.jsHeapBytes)} (${ratio(one.jsHeapBytes, ten.jsHeapBytes)})`,
      );
    } catch (e) {
      console.log(`memory: failed: ${e.message.split('\n')[0]}`);
    } finally {
      await browser.close();
    }
  }

  // ------------------------------------------------------------------ 9. full CIFAR-10's memory
  /** The largest single Chromium process: {pid, rss, type}. */
  function largestChromium() {
    return processTree().reduce((a, b) => (b.rss > (a?.rss ?? -1) ? b : a), null);
  }

  const CIFAR_TARGET_MB = 250;

  async function cifarMemoryBench(server) {
    const dir = join(ROOT, '..', 'shared', 'data', 'cifar-10');
    const files = [1, 2, 3, 4, 5]
      .map((n) => join(dir, `data_batch_${n}.bin.gz`))
      .concat(join(dir, 'test_batch.bin.gz'));
    if (!files.every(existsSync)) {
      console.log(`CIFAR-10 memory: skipped: the five training batches and test_batch.bin.gz are not in ${dir}`);
      return;
    }
    if (existsSync(join(ROOT, 'www', 'data', 'cifar10', 'manifest.json'))) {
      console.log(
        'CIFAR-10 memory: skipped: www/data/cifar10 is served here, so choosing CIFAR-10 would load that folder first',
      );
      return;
    }
    if (!existsSync('/proc/self/status')) {
      console.log("CIFAR-10 memory: skipped: no /proc to read the processes' memory from");
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
      await page.waitForFunction(
        () => {
          const error = document.getElementById('ds-error');
          if (error && !error.hidden) throw new Error(`the Data card says: ${error.textContent}`);
          return /^CIFAR-10 \(full\) · 50,000 training and 10,000 test images/.test(
            document.getElementById('data-summary').textContent,
          );
        },
        null,
        { timeout: 600_000, polling: 200 },
      );
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
      console.log(
        `CIFAR-10 memory (5 training batches + the test batch, ${files.length} files, ${(gzBytes / 1e6).toFixed(1)} MB gzipped, ` +
          `through the Data card's file input; CPU page, no WebGPU; loaded in ${seconds.toFixed(1)} s):`,
      );
      console.log(
        `    largest Chromium process: ${f(before.process.rss)} (${before.process.type}) before, ${f(after.process.rss)} ` +
          `(${after.process.type}) after: +${f(growth)}, ${(MB(growth) / CIFAR_TARGET_MB).toFixed(2)}× the ${CIFAR_TARGET_MB} MB target ` +
          `(${growth <= CIFAR_TARGET_MB * 1e6 ? 'met' : 'missed'}); peak during the load ${f(peak.rss)} (${peak.type}, +${f(peak.rss - before.process.rss)})`,
      );
      console.log(
        `    engine worker's wasm memory: ${f(before.engine.wasmBytes)} before, ${f(after.engine.wasmBytes)} after: +${f(wasmGrowth)} ` +
          `(${(wasmGrowth / 184_380_000).toFixed(2)} bytes per byte of CIFAR-10's 184.4 MB)`,
      );
      console.log(
        `JSON ${JSON.stringify({
          cifarMemory: {
            seconds,
            gzBytes,
            targetMB: CIFAR_TARGET_MB,
            before: { rss: before.process.rss, type: before.process.type, wasmBytes: before.engine.wasmBytes },
            after: { rss: after.process.rss, type: after.process.type, wasmBytes: after.engine.wasmBytes },
            peak: { rss: peak.rss, type: peak.type },
            growthMB: MB(growth),
            ratioToTarget: MB(growth) / CIFAR_TARGET_MB,
          },
        })}`,
      );
    } catch (e) {
      console.log(`CIFAR-10 memory: failed: ${e.message.split('\n')[0]}`);
    } finally {
      if (timer) clearInterval(timer);
      await browser.close();
    }
  }

  if (!skip.has('memory')) await memoryBench(server);
  if (!skip.has('cifar-memory')) await cifarMemoryBench(server);
}
