// The engine worker: training and drawing stay off the main thread, and a dead worker is
// reported in words with a restart that keeps the settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageForFile, setForm, startLongCpuRun, waitState, screenshot, sleep } from './helpers.mjs';
import { assertNoProblems, firstSteps } from './helpers.mjs';

const shared = pageForFile({ webgpu: false });

test('training with live charts leaves the main thread free (no task over 200 ms)', async () => {
  const { page, problems } = shared.session;
  await setForm(page, { acts: ['relu', 'sigmoid', 'relu'], epochs: '10', stats: '10', backend: 'cpu' });
  await page.evaluate(() => {
    window.__longTasks = [];
    window.__observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push(e.duration);
    });
    window.__observer.observe({ type: 'longtask' });
  });
  await page.click('#t-play');
  await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 5, null, { timeout: 60_000 });
  // The charts are drawn while training goes on.
  const drawnBefore = await page.evaluate(() => Number(document.getElementById('chart-loss').dataset.drawn ?? 0));
  await sleep(8_000);
  const after = await page.evaluate(() => ({
    drawn: ['chart-loss', 'chart-activations', 'chart-gradients', 'chart-health'].map((id) =>
      Number(document.getElementById(id).dataset.drawn ?? 0),
    ),
    step: window.playground.progress.step,
  }));
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  const tasks = await page.evaluate(() => {
    window.__observer.disconnect();
    return window.__longTasks;
  });
  const longest = Math.max(0, ...tasks);
  console.log(
    `# ${after.step} steps with charts live: ${tasks.length} main-thread tasks over 50 ms, longest ${longest.toFixed(0)} ms`,
  );
  assert.ok(after.drawn[0] > drawnBefore, 'the loss chart was redrawn during training');
  assert.ok(
    after.drawn.every((n) => n > 0),
    `every chart drawn during training: ${after.drawn}`,
  );
  assert.ok(
    longest <= 200,
    `a main-thread task took ${longest.toFixed(0)} ms (all over 50 ms: ${tasks.map((t) => t.toFixed(0)).join(', ')})`,
  );
  assertNoProblems(problems);
});

test('the worker runs the training loop itself: it trains on, pauses and steps while the main thread is blocked', async () => {
  const { page, problems } = shared.session;
  await startLongCpuRun(page);
  // Block the page's main thread for 2 s: it can neither ask for chunks nor hear of them.
  const blocked = await page.evaluate(() => {
    const now = () => performance.timeOrigin + performance.now();
    const t0 = now();
    while (now() - t0 < 2000) {
      /* busy */
    }
    return { t0, t1: now() };
  });
  await page.waitForFunction((t1) => window.playground.loopStats.recentChunks.some((c) => c.at > t1), blocked.t1, {
    timeout: 60_000,
  });
  const during = (await page.evaluate(() => window.playground.loopStats.recentChunks)).filter(
    (c) => c.at >= blocked.t0 && c.at <= blocked.t1,
  );
  // A page-driven loop would finish at most the one chunk it had asked for before blocking.
  assert.ok(during.length >= 2, `chunks trained while the page was blocked: ${during.length}`);
  assert.ok(
    during.at(-1).step > during[0].step,
    `training went on while the page was blocked: ${JSON.stringify(during)}`,
  );

  // Pause, then block again: the worker pauses on its own, and a step sent before the block
  // is trained during it, A's step going up by exactly one.
  await page.keyboard.press(' ');
  await page.waitForFunction(() => /^Paused at step/.test(document.getElementById('status-text').textContent), null, {
    timeout: 30_000,
  });
  const pausedAt = await page.evaluate(() => window.playground.progress.step);
  await sleep(500);
  assert.equal(await page.evaluate(() => window.playground.progress.step), pausedAt, 'no training while paused');
  const stepBlock = await page.evaluate(() => {
    document.getElementById('t-step').click();
    const now = () => performance.timeOrigin + performance.now();
    const t0 = now();
    while (now() - t0 < 1500) {
      /* busy */
    }
    return { t0, t1: now() };
  });
  await page.waitForFunction(
    (n) =>
      window.playground.progress.step === n + 1 &&
      /^Paused at step/.test(document.getElementById('status-text').textContent),
    pausedAt,
    { timeout: 30_000 },
  );
  const stepChunk = (await page.evaluate(() => window.playground.loopStats.recentChunks)).at(-1);
  assert.equal(stepChunk.step, pausedAt + 1);
  assert.ok(stepChunk.at <= stepBlock.t1, 'the step was trained while the page was still blocked');
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  assertNoProblems(problems);
});

test('a training worker that goes silent beyond the hang limit is stopped and reported; the restart works', async () => {
  const { page, problems } = shared.session;
  await startLongCpuRun(page);
  // The worker stalls between two chunks for 20 s; with a 2 s limit the page gives up on it.
  await page.evaluate(() => {
    window.playground.engine.stall(20_000, 2_000);
  });
  await waitState(page, 'error', 15_000);
  assert.match(await page.textContent('#engine-text'), /sent nothing for 2 s while training/);
  await page.evaluate(() => window.playground.engine.stall(0, 0)); // the default limits again (no engine to stall)
  await page.click('#engine-restart');
  await waitState(page, 'idle', 120_000);
  assertNoProblems(problems);
});

test('a worker that dies mid-run is reported in words; the restart keeps the settings and trains again', async () => {
  const { page, problems } = shared.session;
  await setForm(page, { acts: ['selu', 'tanh', 'sigmoid'], lr: '0.02', epochs: '3', seed: '11', backend: 'cpu' });
  await firstSteps(page, 10);
  await page.evaluate(() => window.playground.engine.kill('the engine was terminated by the test'));
  await waitState(page, 'error', 10_000);
  assert.equal(await page.isVisible('#engine-banner'), true);
  assert.match(await page.textContent('#engine-text'), /the engine was terminated by the test/);
  assert.match(await page.textContent('#status-text'), /training engine stopped/i);
  assert.equal(await page.isVisible('#engine-restart'), true);
  assert.equal(await page.isEnabled('#engine-restart'), true);
  // Nothing half-disabled: training waits for the restart, the settings stay editable.
  assert.equal(await page.isDisabled('#t-play'), true);
  assert.equal(await page.isEnabled('#lr'), true);
  assert.equal(await page.locator('.plot-box.has-chart').count(), 0, 'no stale charts');
  // Each figure on screen is covered by one opaque message: the dead engine's last pixels (a
  // chart, or its own waiting text) neither show through nor mix with it.
  const figures = await page.$$eval('.plot-box', (boxes) =>
    boxes
      .filter((box) => box.offsetParent !== null)
      .map((box) => {
        const cover = /** @type {HTMLElement} */ (box.querySelector('.plot-final'));
        const [c, f] = [box.querySelector('canvas'), cover].map((e) => e.getBoundingClientRect());
        const style = getComputedStyle(cover);
        return {
          text: cover.textContent,
          shown: style.display !== 'none',
          covers: f.left <= c.left + 1 && f.top <= c.top + 1 && f.right >= c.right - 1 && f.bottom >= c.bottom - 1,
          opaque: /^rgb\(/.test(style.backgroundColor),
        };
      }),
  );
  assert.ok(figures.length >= 4, `the figures on screen: ${figures.length}`);
  for (const f of figures)
    assert.deepEqual(f, { text: 'The training engine stopped', shown: true, covers: true, opaque: true });
  await screenshot(page, 'engine-crashed.png');
  const stepAtCrash = await page.evaluate(() => window.playground.progress.step);
  await sleep(500);
  assert.equal(
    await page.evaluate(() => window.playground.progress.step),
    stepAtCrash,
    'no progress from a dead engine',
  );

  await page.click('#engine-restart');
  await waitState(page, 'idle', 120_000);
  assert.equal(await page.isVisible('#engine-banner'), false);
  assert.equal(await page.locator('.plot-box.no-data').count(), 0, 'the covers go with the restart');
  const values = await page.evaluate(() =>
    ['act1', 'act2', 'act3', 'lr', 'epochs', 'seed'].map((id) => document.getElementById(id).value),
  );
  assert.deepEqual(values, ['selu', 'tanh', 'sigmoid', '0.02', '3', '11'], 'the settings are kept');
  assert.match(await page.textContent('#data-summary'), /7,996 training/);
  await firstSteps(page, 20);
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  // The charts draw again on the restarted engine's canvases.
  await page.waitForFunction(() => document.querySelectorAll('.plot-a .plot-box.has-chart').length === 4, null, {
    timeout: 30_000,
  });
  assert.ok((await page.evaluate(() => window.playground.engine.ink('chart-loss'))) > 0.02);
  assertNoProblems(problems);
});

test('a trap inside wasm (as a panic ends) is caught by the worker and reported; the restart works', async () => {
  const { page, problems } = shared.session;
  await setForm(page, { epochs: '2', backend: 'cpu' });
  await firstSteps(page, 5);
  await page.evaluate(() => window.playground.engine.trap());
  await waitState(page, 'error', 10_000);
  assert.equal(await page.isVisible('#engine-banner'), true);
  assert.match(await page.textContent('#engine-text'), /the engine stopped: unreachable/);
  assert.equal(await page.evaluate(() => window.playground.engineDown !== null), true);
  await page.click('#engine-restart');
  await waitState(page, 'idle', 120_000);
  assert.equal(await page.isEnabled('#t-play'), true);
  await firstSteps(page, 5);
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  assertNoProblems(problems);
});
