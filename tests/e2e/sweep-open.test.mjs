// The sweep and the trainer (issue 24): a sweep link opens at the sweep; a message goes as soon
// as its field is fixed; a cell reads in percent; a click, a tap or Enter on a cell shows its runs
// with an Open action per seed; opening one scrolls to the trainer, says what was opened and puts
// the focus on ▶ Play; on a phone the grid fits the screen. CPU backend, 1 combination × 2 seeds.
// Screenshots in artifacts/sweep-open-*.png.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage, waitReady, waitSweepReady, ARTIFACTS, browserForFile, assertNoProblems } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

const SWEEP = 'combos=relu-sigmoid-relu&seeds=1,2&epochs=1&bn=none&dataset=mnist-subset&backend=cpu';

const activeId = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    return el?.id || el?.dataset?.ref || el?.textContent || '';
  });

test('a sweep link opens at the sweep; a cell opens a chosen seed in the trainer and says what it opened', async () => {
  const s = await openPage(browser.env, `#sweep?${SWEEP}`, { viewport: { width: 1440, height: 900 } });
  const { page } = s;
  try {
    await waitReady(page);
    await waitSweepReady(page);
    // The sweep link lands at the sweep.
    await page.waitForFunction(
      () => Math.abs(document.getElementById('sweep').getBoundingClientRect().top) < 40,
      null,
      {
        timeout: 10_000,
      },
    );
    assert.ok((await page.evaluate(() => window.scrollY)) > 300, 'scrolled down to the sweep');

    // A message goes as soon as its field is fixed (typing, no blur).
    await page.fill('#sweep [data-ref="epochs"]', '0');
    await page.waitForSelector('#sweep [data-ref="errors"]', { state: 'visible', timeout: 10_000 });
    assert.match(await page.textContent('#sweep [data-ref="errors"]'), /epochs must be between 1 and/);
    await page.fill('#sweep [data-ref="epochs"]', '1');
    await page.waitForSelector('#sweep [data-ref="errors"]', { state: 'hidden', timeout: 10_000 });

    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, {
      timeout: 400_000,
    });
    // The focus followed the actions as they were disabled (Start sweep, then Cancel): never lost.
    assert.equal(await page.evaluate(() => !!document.activeElement?.closest('#sweep .sweep-actions')), true);
    const cell = '#sweep td.sweep-cell[data-acts="relu,sigmoid,relu"]';
    assert.match(await page.textContent(`${cell} .sweep-live`), /^\d+\.\d\d ± \d+\.\d\d%$/, 'percent, like the tip');
    // The exports are named by what was swept.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sweep [data-ref="export-csv"]')]);
    assert.equal(
      download.suggestedFilename(),
      'activation-playground_sweep_relu-sigmoid-relu_mnist-subset_bn-none_epochs-1_seeds-1-2.csv',
    );

    // A click pins the cell's runs with an Open action per seed, the focus on the first.
    await page.click(cell);
    const tip = '#sweep [data-ref="tip"]';
    await page.waitForSelector(`${tip} button[data-seed="2"]`, { state: 'visible' });
    assert.deepEqual(await page.$$eval(`${tip} button`, (bs) => bs.map((b) => b.textContent)), [
      'Open seed 1',
      'Open seed 2',
      'Close',
    ]);
    assert.equal(await activeId(page), 'Open seed 1');
    await page.locator('#sweep').screenshot({ path: join(ARTIFACTS, 'sweep-open-tip.png') });
    await page.click(`${tip} button[data-seed="2"]`);
    await page.waitForFunction(() => /^Opened /.test(document.getElementById('status-text').textContent), null, {
      timeout: 30_000,
    });
    assert.match(
      await page.textContent('#status-text'),
      /^Opened relu → sigmoid → relu, seed 2, 1 epoch, from the sweep\. Press ▶ Play/,
    );
    assert.equal(await page.inputValue('#seed'), '2');
    assert.equal(await page.inputValue('#epochs'), '1');
    assert.match(await page.evaluate(() => location.search), /seed=2/);
    assert.equal(await activeId(page), 't-play', 'the focus is on ▶ Play');
    const plotsTop = await page.evaluate(() => document.getElementById('plots').getBoundingClientRect().top);
    assert.ok(plotsTop >= -5 && plotsTop < 200, `scrolled to the trainer (charts at y=${plotsTop})`);
    await page.screenshot({ path: join(ARTIFACTS, 'sweep-open-opened.png') });

    // From the keyboard: Enter on a cell, Enter on its first Open; Escape closes and keeps the focus.
    await page.focus(cell);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${tip} button[data-seed="1"]`, { state: 'visible' });
    await page.keyboard.press('Escape');
    // Unpinned: no actions left (the focused cell shows its runs as a tooltip again).
    assert.equal(await page.$$eval(`${tip} button`, (bs) => bs.length), 0);
    assert.equal(await page.getAttribute(tip, 'role'), 'tooltip');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.acts), 'relu,sigmoid,relu');
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${tip} button[data-seed="1"]`, { state: 'visible' });
    await page.keyboard.press('Enter');
    await page.waitForFunction(
      () => /seed 1, 1 epoch, from the sweep/.test(document.getElementById('status-text').textContent),
      null,
      {
        timeout: 30_000,
      },
    );
    assert.equal(await activeId(page), 't-play');
    assertNoProblems(s.problems);
  } finally {
    await s.context.close();
  }
});

test('390×844 phone: the sweep grid fits the screen, its row labels stay, nothing wider than the screen', async () => {
  const s = await openPage(browser.env, '#sweep?combos=all&seeds=1&epochs=1&dataset=mnist-subset&backend=cpu', {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
  });
  const { page } = s;
  try {
    await waitReady(page);
    await waitSweepReady(page);
    const at = await page.evaluate(() => {
      const grid = document.querySelector('#sweep [data-ref="grid"]').getBoundingClientRect();
      const wrap = document.querySelector('#sweep .sweep-grid-wrap');
      const label = document.querySelector('#sweep .sweep-grid th[scope="row"]').getBoundingClientRect();
      return {
        grid: { left: grid.left, right: grid.right, width: grid.width },
        wrap: { client: wrap.clientWidth, scroll: wrap.scrollWidth },
        label: { left: label.left, width: label.width },
        page: document.documentElement.scrollWidth,
      };
    });
    assert.ok(at.page <= 390, `the page is ${at.page} px wide`);
    assert.ok(at.grid.left >= 0 && at.grid.right <= 390, `the grid fits the screen: ${JSON.stringify(at)}`);
    assert.ok(at.wrap.scroll <= at.wrap.client, `no sideways scrolling needed: ${JSON.stringify(at.wrap)}`);
    assert.ok(at.label.width > 20 && at.label.left >= 0, 'the row labels show');
    await page.locator('#sweep').screenshot({ path: join(ARTIFACTS, 'sweep-open-phone-390.png') });
  } finally {
    await s.context.close();
  }
});
