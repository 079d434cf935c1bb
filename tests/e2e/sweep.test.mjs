// The sweep grid in the page, on the CPU backend: a few combinations, results as they finish,
// cancel, reload, resume, no finished run lost, CSV export, and a cell click loading its
// configuration into the single-run view. A CPU sweep trains in a pool of sweep workers (one per
// core here: `workers` is auto), alongside a single run in the page's training worker, and a
// crash of that worker neither stops the sweep nor loses a run (sweep-pool.test.mjs: the pool's
// own crashes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { waitReady, screenshot, waitState, sleep, ARTIFACTS, browserForFile, startLongCpuRun } from './helpers.mjs';
import { withPage, waitSweepReady } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

// 4 combinations (one table row) × 2 seeds; the CPU trains one model at a time in each worker
// (`parallel` is WebGPU's), in the sweep's order: seed 1's four runs first.
const SWEEP = 'combos=row:relu,sigmoid&seeds=1,2&epochs=1&bn=none&dataset=mnist-subset&backend=cpu&parallel=4';

const counts = (page) => page.textContent('#sweep [data-ref="counts"]');
const sweepState = (page) => page.evaluate(() => document.getElementById('sweep').dataset.state);
const storedRuns = (page) =>
  page.evaluate(() => window.sweepUi.spec.runs.filter(([key]) => window.sweepUi.records.has(key)).length);

/** `fn` on the page opened at the sweep link `query`, once the sweep section is ready. Each test
 * names the problems it expects (a reload or a crash aborts requests). */
const withSweep = (query, fn) =>
  withPage(
    browser.env,
    `#sweep?${query}`,
    async (s) => {
      await waitSweepReady(s.page);
      await fn(s);
    },
    { problems: false },
  );

test('a CPU sweep runs in its pool of sweep workers, survives cancel and reload, resumes, exports, and a cell opens its run', async () => {
  // Three epochs: on a quiet machine a one-epoch sweep ends before the test has looked at it.
  await withSweep(SWEEP.replace('epochs=1', 'epochs=3'), async ({ page, problems }) => {
    // The link's settings are in the form; nothing is stored yet.
    assert.equal(await page.inputValue('#sweep [data-ref="seeds"]'), '1,2');
    assert.equal(await page.inputValue('#sweep [data-ref="combos-mode"]'), 'row');
    assert.equal(await page.$$eval('#sweep td.sweep-cell.pending', (c) => c.length), 4);
    assert.equal(await page.$$eval('#sweep td.sweep-cell.off', (c) => c.length), 60);

    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'running', null, {
      timeout: 30_000,
    });
    // Seed 1's runs finish: they appear while seed 2's train.
    await page.waitForFunction(
      () => window.sweepUi.spec.runs.filter(([k]) => window.sweepUi.records.has(k)).length >= 4,
      null,
      { timeout: 300_000 },
    );
    // …and their cells fill in while seed 2's runs train.
    await page.waitForFunction(() => document.querySelectorAll('#sweep td.sweep-cell[data-mean]').length === 4, null, {
      timeout: 60_000,
    });
    // Rust's layout colours each trained cell.
    assert.ok(
      await page.$$eval('#sweep td.sweep-cell[data-mean]', (tds) => tds.every((td) => td.style.background !== '')),
    );
    const mainThreadBusy = await page.evaluate(async () => {
      // The page stays responsive while the worker trains: a timer fires on time.
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      return performance.now() - t;
    });
    assert.ok(mainThreadBusy < 1000, `main thread blocked for ${mainThreadBusy} ms`);
    // The engine worker for the single run, and the pool's sweep workers: one per core (auto).
    const urls = page.workers().map((w) => w.url());
    const pool = await page.evaluate(() => ({
      workers: window.sweepUi.job.plan.workers,
      cores: navigator.hardwareConcurrency,
    }));
    assert.equal(pool.workers, Math.min(pool.cores, 8));
    assert.equal(urls.filter((u) => /engine\/worker\.js/.test(u)).length, 1, `workers: ${urls.join(', ')}`);
    assert.equal(
      urls.filter((u) => /engine\/sweep-worker\.js/.test(u)).length,
      pool.workers,
      `workers: ${urls.join(', ')}`,
    );
    await page.click('#sweep [data-ref="cancel"]');
    // The workers stop at once; every run they reported is stored.
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'cancelled', null, {
      timeout: 60_000,
    });
    const kept = await storedRuns(page);
    assert.ok(kept >= 4 && kept < 8, `runs kept after cancel: ${kept}`);
    assert.match(await page.textContent('#sweep [data-ref="status"]'), /Cancelled/);

    // Reload: the stored runs come back from IndexedDB; nothing finished is lost.
    await page.reload({ waitUntil: 'load' });
    await waitReady(page);
    await waitSweepReady(page);
    assert.equal(await storedRuns(page), kept, 'every finished run survives the reload');
    await page.waitForFunction(() => document.querySelectorAll('#sweep td.sweep-cell[data-mean]').length === 4, null, {
      timeout: 30_000,
    });
    assert.equal(await page.textContent('#sweep [data-ref="start"]'), 'Resume');

    // Resume trains only what is left.
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, {
      timeout: 300_000,
    });
    assert.equal(await storedRuns(page), 8);
    assert.match(await counts(page), /8 of 8 runs done, 0 left/);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#sweep td.sweep-cell[data-mean]')].every((c) => /seed 2/.test(c.dataset.tip)),
      null,
      { timeout: 30_000 },
    );
    const texts = await page.$$eval('#sweep td.sweep-cell[data-mean]', (cells) => cells.map((c) => c.textContent));
    assert.equal(texts.length, 4);
    for (const t of texts) assert.match(t, /^\d+\.\d\d ± \d+\.\d\d%/);
    // Hover shows the cell's runs.
    await page.hover('#sweep td.sweep-cell[data-acts="relu,sigmoid,relu"]');
    const tip = await page.textContent('#sweep [data-ref="tip"]');
    assert.match(tip, /relu-sigmoid-relu/);
    assert.match(tip, /seed 1: \d+\.\d\d%/);
    assert.match(tip, /seed 2: \d+\.\d\d%/);
    await screenshot(page, 'sweep-page.png');
    await page.locator('#sweep').screenshot({ path: `${ARTIFACTS}/sweep-grid.png` });

    // CSV export: a header and one row per run.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#sweep [data-ref="export-csv"]')]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    assert.equal(csv.length, 9);
    assert.match(csv[0], /^act1,act2,act3,bn,seed/);

    // A click shows the cell's runs; Open loads one into the single-run view (the page's own
    // link, in the address bar without a reload).
    await page.click('#sweep td.sweep-cell[data-acts="relu,sigmoid,tanh"]');
    await page.click('#sweep [data-ref="tip"] button[data-seed="1"]');
    await page.waitForFunction(() => /acts=relu,sigmoid,tanh/.test(location.search), null, { timeout: 30_000 });
    await waitReady(page);
    const acts = await page.evaluate(() => ['act1', 'act2', 'act3'].map((id) => document.getElementById(id).value));
    assert.deepEqual(acts, ['relu', 'sigmoid', 'tanh']);
    assert.equal(await page.inputValue('#seed'), '1');
    assert.equal(await page.inputValue('#epochs'), '3');
    await waitSweepReady(page);
    assert.equal(await storedRuns(page), 8, 'the sweep is still there after opening a run');
    // Downloads cut short by our own reload / navigation are not problems.
    assert.deepEqual(
      problems.filter((p) => !/net::ERR_ABORTED/.test(p)),
      [],
    );
  });
});

test('a single run trains beside a CPU sweep; a crash of the training worker keeps every run and the sweep goes on', async () => {
  // Five epochs: the one-epoch sweep can finish before the single run has started (a few seconds
  // on a quiet machine), and then there is nothing to train beside.
  await withSweep(SWEEP.replace('epochs=1', 'epochs=5'), async ({ page, problems }) => {
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => window.sweepUi.job?.progress?.groupStep > 0, null, { timeout: 120_000 });
    await startLongCpuRun(page);
    // Both make progress over the same seconds: the run in the engine worker, the sweep in its pool.
    const where = () =>
      page.evaluate(() => {
        const steps = Object.values(window.sweepUi.job?.progressBy ?? {}).reduce(
          (a, p) => a + p.group * p.groupSteps + p.groupStep,
          0,
        );
        return { run: window.playground.progress.step, sweep: steps, stored: window.sweepUi.records.size };
      });
    const before = await where();
    await sleep(3_000);
    const after = await where();
    assert.ok(after.run > before.run, `the single run trained on: ${JSON.stringify({ before, after })}`);
    assert.ok(
      after.sweep > before.sweep || after.stored > before.stored,
      `the sweep trained on: ${JSON.stringify({ before, after })}`,
    );
    assert.equal(
      page.workers().filter((w) => /engine\/worker\.js/.test(w.url())).length,
      1,
      'the single run in the engine worker',
    );
    assert.ok(
      page.workers().some((w) => /sweep-worker\.js/.test(w.url())),
      'the sweep in the pool',
    );
    await page.click('#t-stop');
    await waitState(page, 'stopped', 30_000);

    // The engine dies once seed 1's runs are stored: the page says so, and the sweep, in workers
    // of its own, trains on to the end without losing a run.
    await page.waitForFunction(
      () => window.sweepUi.spec.runs.filter(([k]) => window.sweepUi.records.has(k)).length >= 4,
      null,
      { timeout: 300_000 },
    );
    const kept = await storedRuns(page);
    assert.ok(kept < 8, `the sweep is still training: ${kept} runs stored`);
    await page.evaluate(() => window.playground.engine.kill('the engine was terminated by the test'));
    await page.waitForFunction(
      () =>
        /training engine stopped \(the engine was terminated by the test\); the sweep trains on/.test(
          document.querySelector('#sweep [data-ref="status"]').textContent,
        ),
      null,
      { timeout: 10_000 },
    );
    assert.equal(await sweepState(page), 'running');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, {
      timeout: 300_000,
    });
    assert.equal(await storedRuns(page), 8);

    // The page's restart brings the table back on the new engine: every cell with both seeds.
    await page.click('#engine-restart');
    await waitState(page, 'idle', 120_000);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#sweep td.sweep-cell[data-mean]')].filter((c) => /seed 2/.test(c.dataset.tip))
          .length === 4,
      null,
      { timeout: 60_000 },
    );
    assert.match(await counts(page), /8 of 8 runs done, 0 left/);
    assert.deepEqual(problems, []);
  });
});

test('bad sweep settings in a link are named and the defaults stand', async () => {
  await withSweep('combos=row:relu&seeds=1,x', async ({ page, problems }) => {
    const errors = await page.textContent('#sweep [data-ref="errors"]');
    assert.match(errors, /combos/);
    assert.match(errors, /seeds/);
    assert.equal(await page.inputValue('#sweep [data-ref="combos-mode"]'), 'all');
    // The picker's choice becomes Rust's combos text, and a sweep link shows it again.
    await page.selectOption('#sweep [data-ref="combos-mode"]', 'column');
    await page.selectOption('#sweep [data-ref="column"]', 'tanh');
    await page.waitForFunction(() => window.sweepUi.spec.query.startsWith('combos=column:tanh&'));
    assert.equal(await page.$$eval('#sweep td.sweep-cell.pending', (c) => c.length), 16);
    assert.deepEqual(problems, []);
  });
});
