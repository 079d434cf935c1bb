// The WebGPU path really trains (on SwiftShader here: ~0.4-1.3 s per step, the first one
// 7-11 s while shaders compile), so keep it to a short smoke run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageForFile, setForm, waitState, progress, screenshot } from './helpers.mjs';

const STEPS = 12;
const shared = pageForFile({ webgpu: true });

test('trains on WebGPU: the loss falls and the adapter is shown', async () => {
  const { page, problems } = shared.session;
  const gpu = await page.evaluate(() => window.playground.gpu);
  assert.equal(gpu.status, 'ready', `WebGPU did not start: ${gpu.reason}`);
  assert.match(await page.textContent('#adapter-name'), /WebGPU/);

  await setForm(page, { acts: ['selu', 'selu', 'selu'], lr: '0.05', epochs: '1', backend: 'gpu' });
  const t0 = Date.now();
  await page.click('#start');
  await page.waitForFunction((n) => (window.playground.progress?.step ?? 0) >= n, STEPS, { timeout: 240_000 });
  const seconds = (Date.now() - t0) / 1000;
  assert.match(await page.textContent('#backend-name'), /WebGPU/);
  await screenshot(page, 'webgpu-training.png');
  await page.click('#stop');
  await waitState(page, 'stopped', 60_000);

  const log = await page.evaluate(() => window.playground.lossLog);
  const losses = log.map((e) => e.loss);
  assert.ok(losses.length >= 3, `loss readings: ${JSON.stringify(log)}`);
  assert.ok(losses.every(Number.isFinite), `finite losses: ${losses}`);
  const k = Math.min(3, Math.floor(losses.length / 2));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = mean(losses.slice(0, k));
  const last = mean(losses.slice(-k));
  console.log(`# WebGPU: ${(await progress(page)).step} steps in ${seconds.toFixed(1)} s; loss ${first.toFixed(3)} -> ${last.toFixed(3)}`);
  assert.ok(last < first * 0.9, `loss should fall: first ${first}, last ${last} (${losses})`);
  assert.equal(await page.isVisible('#error-banner'), false);
  assert.deepEqual(problems, []);
});
