// The deployable site, dist/ (npm run build; npm test builds it first): the shipped wasm stays within
// its size budget; served from a sub-path by a plain static server it loads with relative URLs only
// and trains (CPU backend); after the first visit it works offline (service worker), and a new
// deployment is picked up on the next visit, replacing the old cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, setup, openPage, waitReady, setForm, waitState, screenshot, sleep } from './helpers.mjs';
import { assertNoProblems, withPage } from './helpers.mjs';
import { buildDist, TEST_ONLY, WASM_GZIP_BUDGET } from '../../scripts/dist.mjs';

const DIST = join(ROOT, 'dist');
const SUB = 'some/path/';
let site; // the folder served as the web root; dist/ is copied to site/some/path/
let env;

const wasmFiles = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => String(f).endsWith('.wasm'))
    .map((f) => join(dir, String(f)));

before(async () => {
  if (!existsSync(join(DIST, 'index.html')) || !existsSync(join(DIST, 'sw.js'))) {
    throw new Error('dist/ is missing: run bash scripts/dist.sh (npm run build)');
  }
  site = mkdtempSync(join(tmpdir(), 'playground-dist-'));
  cpSync(DIST, join(site, SUB), { recursive: true });
  env = await setup({ webgpu: false, root: site });
});

after(async () => {
  await env?.close();
  if (site) rmSync(site, { recursive: true, force: true });
});

/** Starts a short CPU run and waits for `steps` steps, then stops it. */
async function trainSomeSteps(page, steps = 10) {
  await setForm(page, { acts: ['relu', 'sigmoid', 'relu'], epochs: '1', backend: 'cpu' });
  await page.click('#t-play');
  await page.waitForFunction((n) => (window.playground.progress?.step ?? 0) >= n, steps, { timeout: 120_000 });
  const step = await page.evaluate(() => window.playground.progress.step);
  await page.click('#t-stop');
  await waitState(page, ['stopped', 'finished'], 30_000);
  return step;
}

/** Resolves once a service worker is active for the page (it has precached every file by then). */
const serviceWorkerReady = (page) =>
  page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    const sw = reg.active;
    // `ready` resolves once a worker is active, which may still be activating on a busy machine.
    if (sw.state === 'activating') await new Promise((resolve) => sw.addEventListener('statechange', resolve));
    return sw.state;
  });

/** How many of the CIFAR-10 subset's files the service worker's caches hold. */
const cachedSubsetFiles = (page) =>
  page.evaluate(async () => {
    const all = await Promise.all(
      (await caches.keys()).map(async (k) => (await (await caches.open(k)).keys()).map((r) => r.url)),
    );
    return all.flat().filter((u) => u.includes('/cifar10-subset/')).length;
  });

const waitSummary = (page, re, timeout = 60_000) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById('data-summary').textContent), re.source, {
    timeout,
  });

const cacheNames = (page) =>
  page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('activation-playground ')));

test('the shipped wasm stays within the size budget (gzipped)', () => {
  const files = wasmFiles(DIST);
  assert.equal(files.length, 1, `one wasm in dist/, found ${files.join(', ')}`);
  const bytes = readFileSync(files[0]);
  const gz = gzipSync(bytes, { level: 9 }).length;
  console.log(
    `# dist wasm: ${(bytes.length / 1e6).toFixed(2)} MB raw, ${(gz / 1e6).toFixed(2)} MB gzipped (budget ${(WASM_GZIP_BUDGET / 1e6).toFixed(1)} MB)`,
  );
  assert.ok(gz <= WASM_GZIP_BUDGET, `the wasm is ${gz} bytes gzipped, over the budget of ${WASM_GZIP_BUDGET}`);
});

test("the tests' hooks (a wasm trap, a stalled engine) are not shipped", () => {
  const js = readdirSync(DIST, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'));
  const hooks = js.filter((f) => f.includes('test-hooks'));
  assert.equal(hooks.length, 1, `one test-hooks file in dist/: ${hooks.join(', ')}`);
  assert.equal(readFileSync(join(DIST, hooks[0]), 'utf8'), TEST_ONLY['www/engine/test-hooks.js']);
  for (const f of js) {
    const text = readFileSync(join(DIST, f), 'utf8');
    assert.ok(
      !text.includes('performance.now() < end') && !text.includes('0, 97, 115, 109, 1'),
      `${f} holds a test hook`,
    );
  }
});

test('dist/ served from a sub-path: relative URLs only, content-hashed names, and it trains', async () => {
  const { page, context, problems } = await openPage(env, SUB);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  try {
    await waitReady(page);
    const steps = await trainSomeSteps(page);
    assert.ok(steps >= 10);
    const base = `${env.server.url}${SUB}`;
    assert.deepEqual(
      requests.filter((u) => !u.startsWith(base) && !u.startsWith('data:')),
      [],
      'every request stays under the sub-path',
    );
    // Everything but the page and the service worker carries a content hash in its name.
    const files = readdirSync(DIST, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => join(d.parentPath, d.name).slice(DIST.length + 1));
    const plain = files.filter(
      (f) => /\.(js|css|wasm)$/.test(f) && f !== 'sw.js' && !/\.[0-9a-f]{10}\.[a-z]+$/.test(f),
    );
    assert.deepEqual(plain, [], 'files without a content hash');
    await screenshot(page, 'dist-subpath.png');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test('after the first visit dist/ works offline, and a new deployment is picked up on the next visit', async () => {
  const served = join(site, SUB);
  await withPage(env, SUB, async ({ page, context }) => {
    assert.equal(await serviceWorkerReady(page), 'activated');
    const first = await cacheNames(page);
    assert.equal(first.length, 1, `one cache: ${first}`);

    // A new deployment: the same site with a marker in the page, built by the same builder.
    const src = mkdtempSync(join(tmpdir(), 'playground-src-'));
    const next = join(src, 'dist');
    try {
      writeFileSync(
        join(src, 'index.html'),
        readFileSync(join(ROOT, 'index.html'), 'utf8').replace(
          '</head>',
          '<meta name="deployment" content="second">\n</head>',
        ),
      );
      symlinkSync(join(ROOT, 'www'), join(src, 'www'));
      const pkg = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, 'target'), 'dist-pkg');
      const built = await buildDist({ root: src, out: next, pkg: existsSync(pkg) ? pkg : null, quiet: true });
      rmSync(served, { recursive: true, force: true });
      mkdirSync(served, { recursive: true });
      cpSync(next, served, { recursive: true });

      await page.reload({ waitUntil: 'load' });
      await waitReady(page);
      assert.equal(await page.locator('meta[name=deployment]').count(), 1, 'the new deployment on the next visit');
      // The browser finds the new sw.js, which stores the new files and deletes the old version's cache.
      for (const deadline = Date.now() + 90_000; ; await sleep(500)) {
        const keys = await cacheNames(page);
        if (keys.length === 1 && keys[0].endsWith(` ${built.version}`)) break;
        assert.ok(
          Date.now() < deadline,
          `still the caches ${JSON.stringify(keys)}, want only version ${built.version}`,
        );
      }
    } finally {
      rmSync(src, { recursive: true, force: true });
    }

    // The CIFAR-10 subset ships but is not precached: it is stored once the page asks for it.
    assert.equal(await cachedSubsetFiles(page), 0, 'the CIFAR-10 subset is not downloaded on the first visit');
    await page.check('#ds-kind-cifar10-subset');
    await waitSummary(page, /^CIFAR-10 subset · 4,000 training/);
    await page.waitForFunction(
      async () => {
        const all = await Promise.all(
          (await caches.keys()).map(async (k) => (await (await caches.open(k)).keys()).map((r) => r.url)),
        );
        return all.flat().filter((u) => u.includes('/cifar10-subset/')).length === 2;
      },
      null,
      { timeout: 30_000, polling: 250 },
    );
    await page.check('#ds-kind-mnist-subset');
    await waitSummary(page, /^MNIST subset · /);

    // Offline: the browser says so, and the server is gone too.
    await context.setOffline(true);
    env.server.server.closeAllConnections();
    await env.server.close();
    const response = await page.reload({ waitUntil: 'load' });
    assert.ok(response?.fromServiceWorker(), 'the page comes from the service worker');
    await waitReady(page);
    assert.equal(await page.locator('meta[name=deployment]').count(), 1, 'the stored page is the new deployment');
    assert.ok(await page.evaluate(() => navigator.serviceWorker.controller !== null), 'served by the service worker');
    const steps = await trainSomeSteps(page);
    assert.ok(steps >= 10);
    // The CIFAR-10 subset fetched before is there offline too.
    await page.check('#ds-kind-cifar10-subset');
    await waitSummary(page, /^CIFAR-10 subset · 4,000 training/);
    await screenshot(page, 'dist-offline.png');
  });
});
