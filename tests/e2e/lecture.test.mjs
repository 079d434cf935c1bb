// Lecture mode and the keyboard: ?lecture=1&autostart=1 starts training with every control
// hidden except play/pause, step, reset and speed; space pauses, → trains exactly one batch,
// R resets, ? shows the shortcuts, L leaves lecture mode. CPU backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setup, openPage, waitState, state, progress, screenshot, sleep, assertNoProblems } from './helpers.mjs';

let env;
let session;
before(async () => {
  env = await setup({ webgpu: false });
  session = await openPage(env, '?acts=relu,tanh,tanh&epochs=2&stats=10&backend=cpu&lecture=1&autostart=1', {
    viewport: { width: 1600, height: 900 },
  });
  // No waitReady: with autostart the page goes from loading straight to training.
  await session.page.waitForFunction(() => ['running', 'error'].includes(document.body.dataset.state), null, {
    timeout: 120_000,
  });
});
after(async () => {
  await session?.context.close().catch(() => {});
  await env?.close();
});

const stepOf = async (page) => (await progress(page))?.step ?? 0;

async function waitPaused(page) {
  await page.waitForFunction(
    () =>
      document.body.dataset.state === 'paused' &&
      /^Paused at step/.test(document.getElementById('status-text').textContent),
    null,
    { timeout: 15_000 },
  );
}

test('autostart starts training; lecture mode hides every control but play/pause, step, reset and speed', async () => {
  const { page } = session;
  await page.waitForFunction(() => (window.playground.progress?.step ?? 0) > 5, null, { timeout: 30_000 });
  assert.equal(await page.evaluate(() => document.body.classList.contains('lecture')), true);
  for (const id of ['settings', 'share', 'epoch-table', 'dl-csv']) {
    assert.equal(await page.isVisible(`#${id}`), false, `#${id} is hidden in lecture mode`);
  }
  for (const id of ['t-play', 't-step', 't-reset', 'speed', 'combo', 'chart-loss', 'chart-health']) {
    assert.equal(await page.isVisible(`#${id}`), true, `#${id} is visible in lecture mode`);
  }
  assert.equal(await page.textContent('#combo'), 'relu → tanh → tanh');
  const fill = await page.evaluate(() => {
    const r = document.getElementById('plots').getBoundingClientRect();
    const c = document.getElementById('chart-health').getBoundingClientRect();
    return { w: r.width, h: r.height, bottom: c.bottom, right: c.right };
  });
  assert.deepEqual([fill.w, fill.h], [1600, 900], 'the charts card fills the viewport');
  assert.ok(fill.bottom <= 900 && fill.right <= 1600, 'the 2×2 grid fits on screen');
  await screenshot(page, 'lecture-running.png');
});

test('space pauses; → trains exactly one batch; space resumes', async () => {
  const { page } = session;
  await page.keyboard.press(' ');
  await waitPaused(page);
  const s0 = await stepOf(page);
  await sleep(400);
  assert.equal(await stepOf(page), s0, 'no steps while paused');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((s) => window.playground.progress.step === s + 1, s0, { timeout: 10_000 });
  await waitPaused(page);
  await sleep(400);
  assert.equal(await stepOf(page), s0 + 1, 'exactly one batch');
  // The step button does the same; space on the focused button presses that button (one more
  // batch), and is the play/pause shortcut again once no control has the focus.
  await page.click('#t-step');
  await page.waitForFunction((s) => window.playground.progress.step === s + 2, s0, { timeout: 10_000 });
  await waitPaused(page);
  assert.match(await page.textContent('#plots-status'), new RegExp(`Paused at step ${s0 + 2}`));
  await page.keyboard.press(' ');
  await page.waitForFunction((s) => window.playground.progress.step === s + 3, s0, { timeout: 10_000 });
  await waitPaused(page);
  assert.equal(await state(page), 'paused', 'space on the focused Step button stepped, it did not play');
  await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement).blur());
  await page.keyboard.press(' ');
  await waitState(page, 'running', 5_000);
  await page.waitForFunction((s) => window.playground.progress.step > s + 5, s0 + 3, { timeout: 10_000 });
});

test('the speed control caps steps per second (slow motion)', async () => {
  const { page } = session;
  await page.keyboard.press('-'); // 30/s
  await page.keyboard.press('-'); // 10/s
  assert.equal(await page.inputValue('#speed'), '10');
  await sleep(300);
  const s0 = await stepOf(page);
  const t0 = Date.now();
  await sleep(2000);
  const rate = ((await stepOf(page)) - s0) / ((Date.now() - t0) / 1000);
  assert.ok(rate <= 13 && rate >= 4, `about 10 steps per second, got ${rate.toFixed(1)}`);
  await page.selectOption('#speed', '0');
  await page.locator('#speed').blur();
});

test('? lists the shortcuts; R resets to step 0; → from rest trains one batch; L leaves lecture mode', async () => {
  const { page } = session;
  await page.keyboard.press('?');
  assert.equal(await page.isVisible('#help'), true);
  const help = await page.textContent('#help');
  for (const text of ['space', 'Play / Pause', '→', 'Step', 'one batch', 'Reset', 'lecture mode'])
    assert.ok(help.includes(text), `help lists ${text}`);
  await page.keyboard.press('Escape');
  assert.equal(await page.isVisible('#help'), false);

  await page.keyboard.press('r');
  await waitState(page, 'idle', 15_000);
  assert.equal(await progress(page), null, 'back at step 0');
  assert.match(await page.textContent('#plots-status'), /step 0/);
  await page.waitForFunction(() => window.playground.chartLayouts.a.loss?.empty === true, null, { timeout: 10_000 });

  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => window.playground.progress?.step === 1, null, { timeout: 15_000 });
  await waitPaused(page);
  await sleep(300);
  assert.equal(await stepOf(page), 1);

  await page.keyboard.press('l');
  assert.equal(await page.evaluate(() => document.body.classList.contains('lecture')), false);
  assert.equal(await page.isVisible('#settings'), true);
  // The address bar follows (debounced).
  await page.waitForFunction(
    () => !/lecture=1/.test(location.search) && /acts=relu,tanh,tanh/.test(location.search),
    null,
    { timeout: 5_000 },
  );
  await page.click('#t-stop');
  await waitState(page, 'stopped', 10_000);
  assertNoProblems(session.problems);
});
