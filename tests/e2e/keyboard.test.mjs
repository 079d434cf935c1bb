// The page from the keyboard (issue 24): Space and Enter press the focused control (the play/pause
// shortcut only when no control has the focus), Tab follows the screen's order (settings, then the
// run controls and charts, then the run and data cards below them), and the focus ring is clearly
// visible. CPU backend, 1440×900. Screenshots in artifacts/keyboard-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withPage, waitState, sleep, ARTIFACTS, browserForFile } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });
const RUN = '?acts=relu,sigmoid,relu&epochs=1&stats=10&backend=cpu';

test('Space on a focused CSV button downloads the statistics and does not start training', async () => {
  await withPage(browser.env, RUN, async ({ page }) => {
    // With no control focused, Space is the play/pause shortcut.
    await page.keyboard.press(' ');
    await waitState(page, 'running', 15_000);
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 12, null, { timeout: 60_000 });
    await page.focus('#t-stop');
    await page.keyboard.press('Enter');
    await waitState(page, 'stopped', 30_000);
    // Stop goes with the run; its focus goes to ▶ Play, not to nowhere.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 't-play');
    const step = await page.evaluate(() => window.playground.progress.step);
    await page.focus('#dl-csv');
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.keyboard.press(' '),
    ]);
    assert.match(download.suggestedFilename(), /\.csv$/);
    await sleep(500);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'stopped', 'Space did not start a run');
    assert.equal(await page.evaluate(() => window.playground.progress.step), step);
    // Enter on a focused button presses it too.
    const [json] = await Promise.all([
      page.waitForEvent('download', { timeout: 30_000 }),
      page.focus('#dl-json').then(() => page.keyboard.press('Enter')),
    ]);
    assert.match(json.suggestedFilename(), /\.json$/);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'stopped');
  });
});

test('Tab follows the visual order: settings, run controls and charts, then the run and data cards', async () => {
  await withPage(browser.env, RUN, async ({ page }) => {
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
    /** @type {{id: string, region: string}[]} */
    const order = [];
    for (let i = 0; i < 160; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate(() => {
        const el = /** @type {HTMLElement} */ (document.activeElement);
        const region = el?.closest('#settings')
          ? 'settings'
          : el?.closest('#plots')
            ? 'charts'
            : el?.closest('.col')
              ? 'cards'
              : el?.closest('#sweep')
                ? 'sweep'
                : 'other';
        return { id: el?.id || el?.tagName || '', region };
      });
      order.push(at);
      if (at.region === 'sweep') break;
    }
    const regions = order.map((o) => o.region).filter((r, i, all) => r !== 'other' && r !== all[i - 1]);
    assert.deepEqual(regions, ['settings', 'charts', 'cards', 'sweep'], JSON.stringify(order));
    // The settings start at the top (the link, then the preset) and the charts' part with ▶ Play.
    const ids = order.map((o) => o.id);
    assert.ok(ids.indexOf('share') < ids.indexOf('preset'), `Copy link before the preset: ${ids.join(' ')}`);
    const firstChart = order.find((o) => o.region === 'charts');
    assert.equal(firstChart?.id, 't-play');
  });
});

test('the focus ring is clearly visible, and Space on a focused control presses only that control', async () => {
  await withPage(browser.env, RUN, async ({ page }) => {
    await page.focus('#t-step');
    // A keyboard focus (focus-visible): Tab back and forth.
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 't-step');
    const ring = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth), color: s.outlineColor };
    });
    assert.equal(ring.style, 'solid');
    assert.ok(ring.width >= 3, `a 3 px ring: ${JSON.stringify(ring)}`);
    assert.equal(ring.color, 'rgb(29, 78, 216)', 'an opaque dark blue ring');
    await page.locator('.transport').screenshot({ path: join(ARTIFACTS, 'keyboard-focus-ring.png') });
    // Space on the focused Step button: one batch, paused (not a running run).
    await page.keyboard.press(' ');
    await page.waitForFunction(() => window.playground.progress?.step === 1, null, { timeout: 30_000 });
    await waitState(page, 'paused', 15_000);
    // The help names the controls as the buttons do.
    await page.evaluate(() => /** @type {HTMLElement} */ (document.activeElement)?.blur());
    await page.keyboard.press('?');
    const help = await page.textContent('#help');
    for (const word of ['Play / Pause', 'Step', 'Reset']) assert.ok(help.includes(word), `the help says ${word}`);
    await page.keyboard.press('Escape');
    await page.click('#t-stop');
    await waitState(page, 'stopped', 15_000);
  });
});
