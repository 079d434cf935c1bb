// The WebGPU path really trains (on SwiftShader here: ~0.4-1.3 s per step; the shaders take
// seconds to compile, in the background warm-up), so keep it to a short smoke run.
import { test } from 'node:test';
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import { pageForFile, openPage, waitReady, setForm, waitState, progress, screenshot, sleep } from './helpers.mjs';
import { assertNoProblems } from './helpers.mjs';

const STEPS = 12;
const shared = pageForFile({ webgpu: true });

test('trains on WebGPU: the loss falls and the adapter is shown', async () => {
  const { page, problems } = shared.session;
  const gpu = await page.evaluate(() => window.playground.gpu);
  assert.equal(gpu.status, 'ready', `WebGPU did not start: ${gpu.reason}`);
  assert.match(await page.textContent('#adapter-name'), /WebGPU/);
  // The kernels are compiled in the background from the moment WebGPU and the data are there;
  // Start meanwhile waits for it (pressed here at once, as an impatient user would).
  assert.notEqual(gpu.warm.state, 'none', 'the warm-up starts once the page is ready');
  if (gpu.warm.state === 'running') assert.match(await page.textContent('#adapter-name'), /warming up/);

  await setForm(page, { acts: ['selu', 'selu', 'selu'], lr: '0.05', epochs: '1', backend: 'gpu' });
  const t0 = Date.now();
  await page.click('#t-play');
  await page.waitForFunction((n) => (window.playground.progress?.step ?? 0) >= n, STEPS, { timeout: 240_000 });
  const seconds = (Date.now() - t0) / 1000;
  assert.match(await page.textContent('#backend-name'), /WebGPU/);
  await screenshot(page, 'webgpu-training.png');
  await page.click('#t-stop');
  await waitState(page, 'stopped', 60_000);
  // Each chunk's losses came back while the next one trained; the stop reads in the last one:
  // the export holds every step taken, up to the one the page stopped at.
  const stoppedAt = (await progress(page)).step;
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#dl-json')]);
  const recorded = JSON.parse(await readFile(await json.path(), 'utf8')).steps.map((s) => s.step);
  assert.deepEqual(
    recorded,
    Array.from({ length: stoppedAt }, (_, i) => i + 1),
    `stopped at ${stoppedAt}`,
  );

  const log = await page.evaluate(() => window.playground.lossLog);
  const losses = log.map((e) => e.loss);
  assert.ok(losses.length >= 3, `loss readings: ${JSON.stringify(log)}`);
  assert.ok(losses.every(Number.isFinite), `finite losses: ${losses}`);
  const k = Math.min(3, Math.floor(losses.length / 2));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, k));
  const last = mean(losses.slice(-k));
  console.log(
    `# WebGPU: ${(await progress(page)).step} steps in ${seconds.toFixed(1)} s; loss ${first.toFixed(3)} -> ${last.toFixed(3)}`,
  );
  assert.ok(last < first * 0.9, `loss should fall: first ${first}, last ${last} (${losses})`);
  assert.equal(await page.isVisible('#error-banner'), false);
  const warm = (await page.evaluate(() => window.playground.gpu)).warm;
  assert.equal(warm.state, 'done', `the warm-up: ${JSON.stringify(warm)}`);
  assert.match(await page.textContent('#adapter-name'), /ready \(kernels compiled in [\d.]+ s\)/);
  assert.deepEqual(problems, []);
});

test('a page opened for the CPU warms WebGPU up only once WebGPU is chosen', async () => {
  const session = await openPage(shared.env, '?backend=cpu');
  const { page, problems } = session;
  try {
    await waitReady(page);
    assert.equal(await page.evaluate(() => window.playground.gpu.status), 'ready');
    await sleep(500);
    assert.equal((await page.evaluate(() => window.playground.gpu)).warm.state, 'none', 'a CPU run would wait for it');
    await page.check('#backend-gpu');
    await page.waitForFunction(() => window.playground.gpu.warm.state !== 'none', null, { timeout: 10_000 });
    assert.deepEqual(problems, []);
  } finally {
    await session.context.close();
  }
});

test('an engine that dies warming up WebGPU is restarted on the CPU, with the reason shown', async () => {
  const session = await openPage(shared.env);
  const { page, problems } = session;
  try {
    await waitReady(page);
    await page.waitForFunction(() => window.playground.gpu.warm.state === 'running', null, { timeout: 60_000 });
    await page.evaluate(() => window.playground.engine.kill('the GPU process went away (test)'));
    await waitState(page, 'error', 10_000);
    assert.match(await page.textContent('#engine-text'), /the GPU process went away \(test\)/);
    await page.click('#engine-restart');
    await waitState(page, 'idle', 120_000);
    await page.waitForFunction(() => window.playground.gpu.status === 'unavailable', null, { timeout: 30_000 });
    assert.match(
      await page.textContent('#gpu-notice'),
      /WebGPU is not available in this browser \(the engine stopped while warming up WebGPU.*\)\. Training on the CPU instead\./,
    );
    assert.equal(await page.isChecked('#backend-cpu'), true);
    assert.equal(await page.isDisabled('#backend-gpu'), true);
    await setForm(page, { epochs: '10' });
    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 5, null, { timeout: 60_000 });
    assert.match(await page.textContent('#backend-name'), /CPU/);
    await page.click('#t-stop');
    await waitState(page, 'stopped', 30_000);
    assertNoProblems(problems);
  } finally {
    await session.context.close();
  }
});
