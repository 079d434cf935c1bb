// The rest of the article in the page: the bundled CIFAR-10 subset (fetched only when chosen,
// then trained with no file chosen), its presets, and the article's published numbers beside
// the live sweep table, with a live mean outside the article's runs marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitReady, setForm, waitState, progress, screenshot, browserForFile } from './helpers.mjs';
import { assertNoProblems, withPage } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

const waitSummary = (page, re, timeout = 60_000) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById('data-summary').textContent), re.source, {
    timeout,
  });
test('the CIFAR-10 subset is fetched only when chosen, with progress, and trains with no file chosen', async () => {
  // The engine worker reads the files: the browser context sees its requests.
  const requested = [];
  const { page, context, problems } = await openPage(browser.env, '', { onRequest: (url) => requested.push(url) });
  const fetchedSubset = async () => requested.some((url) => url.includes('/cifar10-subset/'));
  try {
    await waitReady(page);
    assert.equal(await fetchedSubset(page), false, 'the first load does not download the CIFAR-10 subset');
    await page.evaluate(() => {
      window.__dsProgress = [];
      const seen = window.__dsProgress;
      const box = document.getElementById('ds-progress');
      new MutationObserver(() => {
        if (!box.hidden) seen.push(document.getElementById('ds-progress-bar').getAttribute('aria-valuenow'));
      }).observe(box, { attributes: true, childList: true, subtree: true, characterData: true });
    });
    await page.check('#ds-kind-cifar10-subset');
    await waitSummary(
      page,
      /^CIFAR-10 subset · 4,000 training and 1,000 test images · 32×32 colour \(input 3,072\) · bundled with the page/,
    );
    assert.equal(await fetchedSubset(page), true);
    const seen = await page.evaluate(() => window.__dsProgress);
    assert.ok(
      seen.some((v) => v != null && Number(v) > 0 && Number(v) <= 100),
      `a progress bar with a fraction was shown: ${JSON.stringify(seen.slice(0, 5))}`,
    );
    // Class-balanced: every class has as many images as the others, in both splits.
    const counts = (split) =>
      page.$$eval(`#ds-classes tr[data-split="${split}"] td`, (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(await counts('train'), Array(10).fill('400'));
    assert.deepEqual(await counts('test'), Array(10).fill('100'));
    assert.equal(await page.$$eval('#samples canvas', (c) => c.length), 20);

    // It trains, on the CPU, with no file chosen.
    await setForm(page, { acts: ['relu', 'relu', 'relu'], batch: 4, epochs: 1, backend: 'cpu' });
    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 50, null, { timeout: 120_000 });
    const p = await progress(page);
    assert.ok(Number.isFinite(p.trainLoss) && p.trainLoss > 0, `loss ${p.trainLoss}`);
    assert.equal(await page.evaluate(() => window.playground.readConfig().config.dataset), 'cifar10-subset');
    await page.click('#t-stop');
    await waitState(page, ['idle', 'stopped', 'done'], 30_000);
    await screenshot(page, 'cifar-subset.png');
    assertNoProblems(problems);
  } finally {
    await context.close();
  }
});

test("a link to a CIFAR-10 preset loads the subset and the article's CIFAR setup", async () => {
  await withPage(browser.env, '?preset=cifar-collapse&backend=cpu', async ({ page }) => {
    await waitSummary(page, /^CIFAR-10 subset · /);
    assert.equal(await page.isChecked('#ds-kind-cifar10-subset'), true);
    const config = await page.evaluate(() => window.playground.readConfig().config);
    assert.deepEqual(
      [config.dataset, config.acts.join(','), config.batch, config.epochs],
      ['cifar10-subset', 'relu,sigmoid,relu', 4, 10],
    );
    assert.match(await page.textContent('body'), /exactly 10\.00%/);
  });
});

test('a link naming a bundled dataset loads it from the page (no manifest asked for)', async () => {
  for (const [kind, label] of [
    ['mnist-subset', 'MNIST subset'],
    ['cifar10-subset', 'CIFAR-10 subset'],
  ]) {
    await withPage(
      browser.env,
      `?dataset=${kind}&backend=cpu`,
      async ({ page, problems }) => {
        await waitSummary(page, new RegExp(`^${label} · `));
        assert.equal(await page.isChecked(`#ds-kind-${kind}`), true);
        assert.deepEqual(
          problems.filter((m) => !/WebGPU/.test(m)),
          [],
          kind,
        );
      },
      { problems: false },
    );
  }
});

/** The sweep section, ready, on `query`. */
async function openSweep(query) {
  const session = await openPage(browser.env, `#sweep?${query}`);
  await waitReady(session.page);
  await session.page.waitForFunction(
    () => ['idle', 'done'].includes(document.getElementById('sweep')?.dataset.state),
    null,
    { timeout: 60_000 },
  );
  return session;
}

const cellText = (page, acts) => page.textContent(`#sweep td.sweep-cell[data-acts="${acts}"]`);

test("the sweep grid shows the article's numbers beside the live ones, marks a mean outside its runs, and toggles", async () => {
  // The article's own setup (full MNIST, 10 epochs): comparable, so outliers are marked.
  const SWEEP = 'combos=relu-relu-tanh,relu-relu-relu&seeds=1&epochs=10&bn=none&dataset=mnist&backend=cpu&parallel=64';
  const { page, context } = await openSweep(SWEEP);
  try {
    assert.equal(await page.isChecked('#sweep [data-ref="article-toggle"]'), true, 'on by default');
    assert.match(
      await page.textContent('#sweep [data-ref="article-note"]'),
      /Article: MNIST, no BatchNorm, 10 epochs.*Same setup/,
    );
    // Every cell shows the article's value, trained or not: relu-sigmoid-relu is not in this sweep.
    assert.match(await cellText(page, 'relu,sigmoid,relu'), /article 34\.91 ± 24\.32%/);
    assert.match(await cellText(page, 'relu,relu,tanh'), /article 97\.60 ± 0\.07%/);

    // Two stored runs of this sweep: one far below the article (97.48–97.67%), one inside its range.
    const runs = await page.evaluate(() => window.sweepUi.spec.runs);
    const stored = runs.map(([key, config]) => ({
      key,
      record: {
        config,
        state: 'finished',
        testAccuracy: config.acts[2] === 'tanh' ? 0.5 : 0.8861,
        testLoss: 1,
        seconds: 1,
      },
    }));
    await page.evaluate(async (s) => (await import('/www/sweep/store.js')).putRuns(s), stored);
    // The same browser context (its IndexedDB) after a reload reads them as stored runs.
    await page.reload({ waitUntil: 'load' });
    await waitReady(page);
    await page.waitForFunction(() => document.querySelectorAll('#sweep td.sweep-cell[data-mean]').length === 2, null, {
      timeout: 30_000,
    });
    const marked = await page.$$eval('#sweep td.sweep-cell.outside', (tds) => tds.map((td) => td.dataset.acts));
    assert.deepEqual(marked, ['relu,relu,tanh'], "only the cell outside the article's runs is marked");
    assert.match(await cellText(page, 'relu,relu,tanh'), /^≠50\.00%article 97\.60 ± 0\.07%$/);
    await page.hover('#sweep td.sweep-cell[data-acts="relu,relu,tanh"]');
    const tip = await page.textContent('#sweep [data-ref="tip"]');
    assert.match(tip, /Article \(MNIST, no BatchNorm.*\): 97\.60 ± 0\.07%/);
    assert.match(tip, /its runs: 97\.67, 97\.65, 97\.48, 97\.60/);
    assert.match(tip, /outside the article’s runs/);
    await page.locator('#sweep').screenshot({ path: 'artifacts/sweep-article.png' });

    // Off: the live numbers alone, nothing marked.
    await page.uncheck('#sweep [data-ref="article-toggle"]');
    // The grid is redrawn from Rust's layout (an engine request): wait for it.
    await page.waitForFunction(() => document.querySelectorAll('#sweep .sweep-article').length === 0, null, {
      timeout: 10_000,
    });
    assert.equal(await page.$$eval('#sweep td.sweep-cell.outside', (s) => s.length), 0);
    // One run: its accuracy alone, in percent (no spread to show).
    assert.equal(await cellText(page, 'relu,relu,tanh'), '50.00%');
    await page.check('#sweep [data-ref="article-toggle"]');
  } finally {
    await page
      .evaluate(async () => (await import('/www/sweep/store.js')).deleteRuns(window.sweepUi.spec.runs.map(([k]) => k)))
      .catch(() => {});
    await context.close();
  }
});

test("another setup shows the article's numbers without marking, and a table the article lacks says so", async () => {
  const { page, context } = await openSweep(
    'combos=all&seeds=1&epochs=1&bn=none&dataset=mnist-subset&backend=cpu&parallel=64',
  );
  try {
    assert.match(await page.textContent('#sweep [data-ref="article-note"]'), /Another setup than this sweep’s/);
    assert.match(await cellText(page, 'sigmoid,sigmoid,relu'), /article 16\.03/);
    await page.selectOption('#sweep [data-ref="bn"]', 'last');
    await page.waitForFunction(
      () => /has no table/.test(document.querySelector('#sweep [data-ref="article-note"]').textContent),
      null,
      { timeout: 10_000 },
    );
    assert.equal(await page.$$eval('#sweep .sweep-article', (s) => s.length), 0);
    assert.equal(await page.isDisabled('#sweep [data-ref="article-toggle"]'), true);
  } finally {
    await context.close();
  }
});
