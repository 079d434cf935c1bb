// The sweep grid in the page, on the CPU backend: a few combinations in two groups, results as
// they finish, cancel, reload, resume, no finished run lost, CSV export, and a cell click loading
// its configuration into the single-run view. The sweep trains in the page's training worker,
// alongside a single run, and a crash of that worker loses no finished run.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setup, openPage, waitReady, screenshot, setForm, waitState, sleep, ARTIFACTS } from './helpers.mjs';

let env;
before(async () => { env = await setup({ webgpu: false }); });
after(async () => { await env?.close(); });

// 4 combinations (one table row) × 2 seeds, 4 models at once: two groups, one per seed.
const SWEEP = 'combos=row:relu,sigmoid&seeds=1,2&epochs=1&bn=none&dataset=mnist-subset&backend=cpu&parallel=4';

const filled = (page) => page.$$eval('#sweep td.sweep-cell[data-mean]', (cells) => cells.length);
const counts = (page) => page.textContent('#sweep [data-ref="counts"]');
const sweepState = (page) => page.evaluate(() => document.getElementById('sweep').dataset.state);
const storedRuns = (page) => page.evaluate(() => window.sweepUi.spec.runs.filter(([key]) => window.sweepUi.records.has(key)).length);

async function waitSweepReady(page) {
  await page.waitForFunction(() => ['idle', 'done', 'cancelled'].includes(document.getElementById('sweep')?.dataset.state), null, { timeout: 120_000 });
}

test('a sweep runs in the training worker, survives cancel and reload, resumes, exports, and a cell opens its run', async () => {
  const { page, context, problems } = await openPage(env, `#sweep?${SWEEP}`);
  try {
    await waitReady(page);
    await waitSweepReady(page);
    // The link's settings are in the form; nothing is stored yet.
    assert.equal(await page.inputValue('#sweep [data-ref="seeds"]'), '1,2');
    assert.equal(await page.inputValue('#sweep [data-ref="combos-mode"]'), 'row');
    assert.equal(await page.$$eval('#sweep td.sweep-cell.pending', (c) => c.length), 4);
    assert.equal(await page.$$eval('#sweep td.sweep-cell.off', (c) => c.length), 60);

    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'running', null, { timeout: 30_000 });
    // The first group (seed 1) finishes: its 4 runs appear while the second one trains.
    await page.waitForFunction(() => window.sweepUi.spec.runs.filter(([k]) => window.sweepUi.records.has(k)).length >= 4, null, { timeout: 300_000 });
    // …and their cells fill in while the second group trains.
    await page.waitForFunction(() => document.querySelectorAll('#sweep td.sweep-cell[data-mean]').length === 4, null, { timeout: 60_000 });
    const mainThreadBusy = await page.evaluate(async () => {
      // The page stays responsive while the worker trains: a timer fires on time.
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      return performance.now() - t;
    });
    assert.ok(mainThreadBusy < 1000, `main thread blocked for ${mainThreadBusy} ms`);
    // One worker for the single run and the sweep.
    assert.equal(page.workers().length, 1, `workers: ${page.workers().map((w) => w.url()).join(', ')}`);
    await page.click('#sweep [data-ref="cancel"]');
    // The worker stops between two chunks, after storing and reporting what finished before.
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'cancelled', null, { timeout: 60_000 });
    const kept = await storedRuns(page);
    assert.ok(kept >= 4 && kept < 8, `runs kept after cancel: ${kept}`);
    assert.match(await page.textContent('#sweep [data-ref="status"]'), /Cancelled/);

    // Reload: the stored runs come back from IndexedDB; nothing finished is lost.
    await page.reload({ waitUntil: 'load' });
    await waitReady(page);
    await waitSweepReady(page);
    assert.equal(await storedRuns(page), kept, 'every finished run survives the reload');
    await page.waitForFunction(() => document.querySelectorAll('#sweep td.sweep-cell[data-mean]').length === 4, null, { timeout: 30_000 });
    assert.equal(await page.textContent('#sweep [data-ref="start"]'), 'Resume');

    // Resume trains only what is left.
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, { timeout: 300_000 });
    assert.equal(await storedRuns(page), 8);
    assert.match(await counts(page), /8 of 8 runs done, 0 left/);
    await page.waitForFunction(() => [...document.querySelectorAll('#sweep td.sweep-cell[data-mean]')].every((c) => /seed 2/.test(c.dataset.tip)), null, { timeout: 30_000 });
    const texts = await page.$$eval('#sweep td.sweep-cell[data-mean]', (cells) => cells.map((c) => c.textContent));
    assert.equal(texts.length, 4);
    for (const t of texts) assert.match(t, /^\d+\.\d\d ± \d+\.\d\d/);
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
    const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv.length, 9);
    assert.match(csv[0], /^act1,act2,act3,bn,seed/);

    // A click loads the combination into the single-run view (the page's own link).
    await page.click('#sweep td.sweep-cell[data-acts="relu,sigmoid,tanh"]');
    await page.waitForURL(/acts=relu,sigmoid,tanh/, { timeout: 30_000 });
    await waitReady(page);
    const acts = await page.evaluate(() => ['act1', 'act2', 'act3'].map((id) => document.getElementById(id).value));
    assert.deepEqual(acts, ['relu', 'sigmoid', 'tanh']);
    assert.equal(await page.inputValue('#seed'), '1');
    assert.equal(await page.inputValue('#epochs'), '1');
    await waitSweepReady(page);
    assert.equal(await storedRuns(page), 8, 'the sweep is still there after opening a run');
    // Downloads cut short by our own reload / navigation are not problems.
    assert.deepEqual(problems.filter((p) => !/net::ERR_ABORTED/.test(p)), []);
  } finally {
    await context.close();
  }
});

test('a single run and a sweep train together in one worker; a crash keeps finished runs and the resume trains the rest', async () => {
  const { page, context, problems } = await openPage(env, `#sweep?${SWEEP}`);
  try {
    await waitReady(page);
    await waitSweepReady(page);
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => window.sweepUi.job?.progress?.groupStep > 0, null, { timeout: 120_000 });
    await setForm(page, { acts: ['relu', 'tanh', 'tanh'], epochs: '10', stats: '0', backend: 'cpu' });
    await page.click('#start');
    await page.waitForFunction(() => window.playground.state === 'running' && (window.playground.progress?.step ?? 0) >= 5, null, { timeout: 60_000 });
    // Both make progress over the same seconds: the sweep's chunks and the run's take turns.
    const where = () => page.evaluate(() => {
      const p = window.sweepUi.job?.progress;
      return { run: window.playground.progress.step, sweep: p ? p.group * p.groupSteps + p.groupStep : 0, stored: window.sweepUi.records.size };
    });
    const before = await where();
    await sleep(3_000);
    const after = await where();
    assert.ok(after.run > before.run, `the single run trained on: ${JSON.stringify({ before, after })}`);
    assert.ok(after.sweep > before.sweep || after.stored > before.stored, `the sweep trained on: ${JSON.stringify({ before, after })}`);
    assert.equal(page.workers().length, 1, 'one worker trains both');
    await page.click('#stop');
    await waitState(page, 'stopped', 30_000);

    // The engine dies once the first group is stored: the sweep says so, nothing finished is lost.
    await page.waitForFunction(() => window.sweepUi.spec.runs.filter(([k]) => window.sweepUi.records.has(k)).length >= 4, null, { timeout: 300_000 });
    await page.evaluate(() => window.playground.engine.kill('the engine was terminated by the test'));
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'error', null, { timeout: 10_000 });
    assert.match(await page.textContent('#sweep [data-ref="status"]'), /training engine stopped \(the engine was terminated by the test\).*Finished runs are kept/);
    const kept = await storedRuns(page);
    assert.ok(kept >= 4 && kept < 8, `runs kept after the crash: ${kept}`);
    assert.equal(await page.textContent('#sweep [data-ref="start"]'), 'Resume');

    // The page's restart brings the sweep back on the new worker; Resume trains only the rest.
    await page.click('#engine-restart');
    await waitState(page, 'idle', 120_000);
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => window.sweepUi.job?.groups != null, null, { timeout: 60_000 });
    const groups = await page.evaluate(() => window.sweepUi.job.groups);
    assert.equal(groups.reduce((a, b) => a + b, 0), 8 - kept, `resumed groups: ${groups}`);
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, { timeout: 300_000 });
    assert.equal(await storedRuns(page), 8);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('bad sweep settings in a link are named and the defaults stand', async () => {
  const { page, context, problems } = await openPage(env, '#sweep?combos=row:relu&seeds=1,x');
  try {
    await waitReady(page);
    await waitSweepReady(page);
    const errors = await page.textContent('#sweep [data-ref="errors"]');
    assert.match(errors, /combos/);
    assert.match(errors, /seeds/);
    assert.equal(await page.inputValue('#sweep [data-ref="combos-mode"]'), 'all');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
