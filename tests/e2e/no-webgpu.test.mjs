// Without --enable-unsafe-webgpu Chromium offers no adapter here: the page must say so plainly
// and train on the CPU instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageForFile, waitState, screenshot } from './helpers.mjs';

const shared = pageForFile({ webgpu: false });

test('without WebGPU the page falls back to the CPU with a visible notice', async () => {
  const { page, problems } = shared.session;
  assert.equal(await page.isVisible('#gpu-notice'), true);
  const notice = await page.textContent('#gpu-notice');
  assert.match(notice, /^WebGPU is not available in this browser \(.+\)\. Training on the CPU instead\.$/);
  assert.equal(await page.isChecked('#backend-cpu'), true);
  assert.equal(await page.isDisabled('#backend-gpu'), true);
  assert.match(await page.textContent('#adapter-name'), /not available/);
  assert.equal((await page.evaluate(() => window.playground.gpu)).warm.state, 'none', 'nothing to warm up');

  await page.fill('#epochs', '1');
  await page.click('#t-play');
  await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 10, null, { timeout: 60_000 });
  assert.match(await page.textContent('#backend-name'), /CPU/);
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  await screenshot(page, 'no-webgpu.png');
  assert.equal(await page.isVisible('#error-banner'), false);
  assert.deepEqual(problems, [], 'the fallback is not an error');
});
