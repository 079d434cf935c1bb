// What a student meets in the first hour (issue 24): the network diagram follows every edit, a
// run that diverges says so over the charts on the first screen (with the next action), the
// charts that will get no data say so, the headline loss says what it is, and the settings say
// why they are locked during a run and what to press. CPU backend, a few steps.
// Screenshots in artifacts/first-hour-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { waitState, withPage, ARTIFACTS, browserForFile } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

/** Runs `fn` on the page of the diverge preset (started by its link, plus `more` link keys) at
 * `viewport`, once the run has diverged and its banner shows. */
const withDiverged = (more, viewport, fn) =>
  withPage(
    browser.env,
    `?preset=diverge&autostart=1&backend=cpu${more}`,
    async (s) => {
      // Not waitReady: with autostart the run may diverge before the test looks (3 steps).
      await waitState(s.page, 'diverged', 120_000);
      await s.page.waitForSelector('#run-banner', { state: 'visible', timeout: 5_000 });
      await fn(s);
    },
    { ready: false, problems: false, viewport },
  );

test('the summary, the diagram and the row labels follow a width edit at once', async () => {
  await withPage(browser.env, '?backend=cpu', async ({ page }) => {
    const before = await page.textContent('#net-summary');
    assert.doesNotMatch(before, /Linear 37\b/);
    // Typing, no blur: the diagram follows the field as the run, the link and the export do.
    await page.fill('#width2', '37');
    await page.waitForFunction(() => /→ Linear 37 →/.test(document.getElementById('net-summary').textContent), null, {
      timeout: 5_000,
    });
    const rows = await page.$$eval('.net-linear', (els) => els.map((el) => el.textContent));
    const width1 = await page.inputValue('#width1');
    assert.deepEqual(rows, [`Linear 784 → ${width1}`, `Linear ${width1} → 37`, 'Linear 37 → 10']);
    // The link holds the same network.
    await page.waitForFunction(() => /widths=[^&]*37/.test(location.search), null, { timeout: 5_000 });
    await page.locator('#settings').screenshot({ path: join(ARTIFACTS, 'first-hour-diagram.png') });
  });
});

test('a diverging preset shows its banner over the charts on the first 1440×900 screen, with the next action', async () => {
  await withDiverged('', { width: 1440, height: 900 }, async ({ page }) => {
    const at = await page.evaluate(() => {
      const box = (el) => el.getBoundingClientRect();
      const banner = box(document.getElementById('run-banner'));
      return {
        scrollY: window.scrollY,
        top: banner.top,
        bottom: banner.bottom,
        grid: box(document.getElementById('plot-grid')).top,
        text: document.getElementById('run-banner').textContent,
        status: document.getElementById('status-text').textContent,
      };
    });
    assert.equal(at.scrollY, 0);
    assert.ok(at.top >= 0 && at.bottom <= 900, `the banner is on the first screen: ${JSON.stringify(at)}`);
    assert.ok(at.bottom <= at.grid, 'the banner is over the charts');
    assert.match(at.text, /The run diverged\..*Training diverged at step \d+/s);
    assert.match(at.text, /Lower the learning rate/);
    // The status line says it too.
    assert.match(at.status, /Training diverged at step/);
    // The charts that will get no data say so; the loss chart has its points.
    await page.waitForFunction(() => document.querySelectorAll('.plot-a .plot-box.no-data').length === 3, null, {
      timeout: 15_000,
    });
    const noData = await page.$$eval('.plot-a .plot-box.no-data', (boxes) =>
      boxes.map((b) => {
        const final = b.querySelector('.plot-final');
        return [b.closest('.plot').dataset.chart, getComputedStyle(final).display, final.textContent];
      }),
    );
    const said = 'No data: this run ended before its first statistics probe.';
    assert.deepEqual(noData, [
      ['activations', 'flex', said],
      ['gradients', 'flex', said],
      ['health', 'flex', said],
    ]);
    // The headline loss says what it is (the chart draws a smoothed line).
    assert.match(await page.textContent('#stat-loss-sub'), /^mean of the last \d+ steps$/);
    await page.screenshot({ path: join(ARTIFACTS, 'first-hour-diverged-1440x900.png') });
    // The next action: the learning rate, focused and selected.
    await page.click('#run-banner-action');
    await page.waitForFunction(() => document.activeElement?.id === 'lr', null, { timeout: 5_000 });
    // A new run hides the banner.
    await page.fill('#lr', '0.01');
    await page.click('#t-play');
    await page.waitForSelector('#run-banner', { state: 'hidden', timeout: 10_000 });
    await page.click('#t-stop');
    await waitState(page, 'stopped', 30_000);
  });
});

test('while a run is going the settings say why they are locked and what to press; exports wait for a run', async () => {
  await withPage(browser.env, '?acts=relu,sigmoid,relu&epochs=2&stats=10&backend=cpu', async ({ page }) => {
    // Nothing to export before a run.
    for (const id of ['#dl-csv', '#dl-json']) assert.equal(await page.isDisabled(id), true, `${id} before a run`);
    assert.equal(await page.isVisible('#settings-lock'), false);
    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 5, null, { timeout: 60_000 });
    await page.click('#t-play'); // ❚❚ Pause
    await waitState(page, 'paused', 15_000);
    assert.equal(await page.isDisabled('#lr'), true);
    assert.equal(await page.isVisible('#settings-lock'), true);
    assert.match(await page.textContent('#settings-lock'), /locked during a run: press ↺ Reset \(R\) or ■ Stop/);
    assert.equal(await page.isEnabled('#dl-csv'), true);
    await page.locator('#settings').screenshot({ path: join(ARTIFACTS, 'first-hour-paused-settings.png') });
    await page.click('#t-reset');
    await waitState(page, 'idle', 15_000);
    assert.equal(await page.isEnabled('#lr'), true);
    assert.equal(await page.isVisible('#settings-lock'), false);
    assert.match(await page.textContent('#status-text'), /Back at step 0\. Press ▶ Play \(space\)/);
  });
});

test('in lecture mode the divergence banner shows over the charts, and its action leaves lecture mode for the field', async () => {
  await withDiverged('&lecture=1', { width: 1280, height: 720 }, async ({ page }) => {
    const box = await page.evaluate(() => document.getElementById('run-banner').getBoundingClientRect().toJSON());
    assert.ok(box.top >= 0 && box.bottom <= 720, `the banner is on the screen: ${JSON.stringify(box)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'first-hour-lecture-diverged-1280x720.png') });
    await page.click('#run-banner-action');
    await page.waitForFunction(() => document.activeElement?.id === 'lr', null, { timeout: 5_000 });
    assert.equal(await page.evaluate(() => document.body.classList.contains('lecture')), false);
  });
});
