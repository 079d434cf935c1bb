// Real training on the CPU backend (burn Flex in wasm, ~12 ms per step): a full epoch, and the
// Pause / Resume / Stop controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageForFile, setForm, state, waitState, progress, screenshot, sleep, assertNoProblems } from './helpers.mjs';

const shared = pageForFile({ webgpu: false });

test('a full epoch on the CPU reaches a sane test accuracy', async () => {
  const { page, problems } = shared.session;
  await setForm(page, { acts: ['selu', 'selu', 'selu'], epochs: '1', backend: 'cpu' });
  // Responsiveness probe: the longest gap between 10 ms timer ticks while training.
  await page.evaluate(() => {
    window.__maxGap = 0;
    let last = performance.now();
    const tick = () => {
      const now = performance.now();
      window.__maxGap = Math.max(window.__maxGap, now - last);
      last = now;
      window.__tick = setTimeout(tick, 10);
    };
    tick();
  });
  const t0 = Date.now();
  await page.click('#t-play');
  const final = await waitState(page, ['finished', 'diverged', 'error'], 180_000);
  const seconds = (Date.now() - t0) / 1000;
  assert.equal(final, 'finished', await page.textContent('#status-text'));
  const maxGap = await page.evaluate(() => {
    clearTimeout(window.__tick);
    return window.__maxGap;
  });
  // Chunks of ~30 ms; the epoch-end evaluation of 2,004 test images is the longest (~0.5 s).
  assert.ok(maxGap < 2500, `the page was unresponsive for ${maxGap.toFixed(0)} ms`);
  const p = await progress(page);
  assert.equal(p.epoch, 1);
  assert.equal(p.step, p.totalSteps);
  assert.equal(p.totalSteps, Math.ceil(7996 / 32));
  assert.ok(p.testAcc > 0.8, `test accuracy ${p.testAcc}`);
  const shown = await page.textContent('#stat-test-acc');
  assert.equal(shown, `${(100 * p.testAcc).toFixed(1)}%`);
  const rows = await page.locator('#epoch-rows tr').allTextContents();
  assert.equal(rows.length, 1);
  assert.match(rows[0], /^1/);
  assert.match(await page.textContent('#status-text'), /Finished 1 epoch in .* Test accuracy \d+\.\d%/);
  assert.match(await page.textContent('#backend-name'), /CPU/);
  assert.match(await page.textContent('#progress-epoch'), /Epoch 1 \/ 1/);
  // The four charts are drawn (in wasm, with plotters) once the run ends.
  await page.waitForFunction(() => document.querySelectorAll('.plot-box.has-chart').length === 4, null, {
    timeout: 30_000,
  });
  await screenshot(page, 'cpu-epoch.png');
  console.log(
    `# one CPU epoch (${p.totalSteps} steps) in ${seconds.toFixed(1)} s wall, test accuracy ${(100 * p.testAcc).toFixed(1)}%, longest main-thread block ${maxGap.toFixed(0)} ms`,
  );
  assertNoProblems(problems);
});

test('pause, resume and stop', async () => {
  const { page } = shared.session;
  await setForm(page, { acts: ['relu', 'sigmoid', 'relu'], epochs: '5', backend: 'cpu' });
  await page.click('#t-play');
  await page.waitForFunction(
    () => document.body.dataset.state === 'running' && (window.playground.progress?.step ?? 0) >= 20,
    null,
    { timeout: 60_000 },
  );
  // One set of run controls: ▶ Play becomes ❚❚ Pause while training, and back.
  assert.equal((await page.textContent('#t-play')).trim(), '❚❚ Pause');
  await page.click('#t-play');
  await waitState(page, 'paused', 10_000);
  await page.waitForFunction(() => /Paused at step/.test(document.getElementById('status-text').textContent), null, {
    timeout: 10_000,
  });
  assert.equal((await page.textContent('#t-play')).trim(), '▶ Play');
  assert.match(await page.textContent('#status-text'), /▶ Play \(space\) goes on/);
  assert.equal(await page.isVisible('#t-stop'), true);
  const pausedAt = (await progress(page)).step;
  await sleep(1500);
  assert.equal((await progress(page)).step, pausedAt, 'no steps while paused');
  await screenshot(page, 'paused.png');

  await page.click('#t-play');
  await waitState(page, 'running', 10_000);
  await page.waitForFunction((s) => window.playground.progress.step > s + 5, pausedAt, { timeout: 30_000 });

  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  const stoppedAt = (await progress(page)).step;
  assert.ok(stoppedAt < (await progress(page)).totalSteps);
  assert.match(await page.textContent('#status-text'), /Stopped at step .*▶ Play starts a new run from step 0/);
  await sleep(500);
  assert.equal((await progress(page)).step, stoppedAt, 'no steps after stop');
  assert.equal(await page.isVisible('#t-play'), true);
  assert.equal(await page.isEnabled('#t-play'), true);
  assert.equal(await page.isVisible('#t-stop'), false);
  assert.equal(await state(page), 'stopped');
});
