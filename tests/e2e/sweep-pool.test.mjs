// A CPU sweep in the page trains in a pool of sweep workers (www/sweep/pool.js), each its own
// wasm instance, each the share of the runs left that Rust gives its shard: here `workers=2`.
// Both workers contribute, each exactly its share; a worker terminated mid-sweep, or trapping,
// loses only the run it was training, the other one finishes its share, and Resume trains the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitReady, sleep, browserForFile } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

const BASE = 'combos=row:relu,sigmoid&epochs=1&bn=none&dataset=mnist-subset&backend=cpu&parallel=64&workers=2';

const sweepState = (page) => page.evaluate(() => document.getElementById('sweep').dataset.state);
const stored = (page) =>
  page.evaluate(() => window.sweepUi.spec.runs.map(([k]) => k).filter((k) => window.sweepUi.records.has(k)));
/** Each pool worker's share, what it finished and what it was training (null: not started). */
const members = (page) =>
  page.evaluate(
    () =>
      window.sweepUi.job?.pool?.members.map((m) => ({
        state: m.state,
        keys: m.keys,
        finished: m.finished,
        training: m.training,
      })) ?? null,
  );
const sweepWorkers = (page) => page.workers().filter((w) => /sweep-worker\.js/.test(w.url())).length;

/** Waits (a few seconds at most) until `count` sweep workers are left. */
async function workersLeft(page, count, message) {
  for (let i = 0; i < 50 && sweepWorkers(page) !== count; i++) await sleep(100);
  assert.equal(sweepWorkers(page), count, message);
}

async function openSweep(query) {
  const session = await openPage(browser.env, `#sweep?${query}`);
  await waitReady(session.page);
  await session.page.waitForFunction(
    () => ['idle', 'done', 'cancelled'].includes(document.getElementById('sweep')?.dataset.state),
    null,
    { timeout: 120_000 },
  );
  return session;
}

async function clearStore(page) {
  await page
    .evaluate(async () => (await import('/www/sweep/store.js')).deleteRuns(window.sweepUi.spec.runs.map(([k]) => k)))
    .catch(() => {});
}

test('workers=2: two sweep workers train the runs, each its own share, and both contribute', async () => {
  const { page, context, problems } = await openSweep(`${BASE}&seeds=1`);
  try {
    assert.equal(
      await page.inputValue('#sweep [data-ref="workers"]'),
      '2',
      'the form shows the setting under its one name',
    );
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => window.sweepUi.job?.pool?.members.every((m) => m.state === 'training'), null, {
      timeout: 60_000,
    });
    const plan = await page.evaluate(() => window.sweepUi.job.plan);
    assert.deepEqual(
      { workers: plan.workers, shards: plan.shards, why: plan.why },
      { workers: 2, shards: ['1/2', '2/2'], why: 'workers=2' },
    );
    assert.equal(sweepWorkers(page), 2, 'two sweep workers besides the engine');
    // Rust's shards: worker I trains the runs left whose place is I − 1 modulo 2, one model at a time.
    const runs = await page.evaluate(() => window.sweepUi.spec.runs.map(([k]) => k));
    const shares = (await members(page)).map((m) => m.keys);
    assert.deepEqual(shares, [
      [runs[0], runs[2]],
      [runs[1], runs[3]],
    ]);
    assert.match(
      await page.textContent('#sweep [data-ref="status"]'),
      /in 2 sweep worker\(s\) \(workers=2\), one model at a time/,
    );
    // The main thread only forwards: a timer fires on time while both workers train.
    const late = await page.evaluate(async () => {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      return performance.now() - t;
    });
    assert.ok(late < 1000, `main thread blocked for ${late} ms`);

    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, {
      timeout: 300_000,
    });
    assert.equal((await stored(page)).length, 4);
    const trainedBy = await page.evaluate(() => Object.fromEntries(window.sweepUi.trainedBy));
    assert.deepEqual(
      runs.map((k) => trainedBy[k]),
      [0, 1, 0, 1],
      'each run trained by the worker of its share; both contributed',
    );
    await page.waitForFunction(() => document.querySelectorAll('#sweep td.sweep-cell[data-mean]').length === 4, null, {
      timeout: 30_000,
    });
    assert.match(await page.textContent('#sweep [data-ref="counts"]'), /4 of 4 runs done, 0 left/);
    await workersLeft(page, 0, 'the pool is gone once every worker is done');
    assert.deepEqual(problems, []);
  } finally {
    await clearStore(page);
    await context.close();
  }
});

test('a sweep worker terminated mid-sweep loses only the run it was training; the other finishes; Resume trains the rest', async () => {
  const { page, context, problems } = await openSweep(`${BASE}&seeds=1,2`);
  try {
    await page.click('#sweep [data-ref="start"]');
    // Worker 1 has stored a run and is training its next one.
    await page.waitForFunction(
      () => {
        const m = window.sweepUi.job?.pool?.members[0];
        return m && m.finished.length >= 1 && m.training != null;
      },
      null,
      { timeout: 300_000 },
    );
    const [first, second] = await page.evaluate(() => {
      const pool = window.sweepUi.job.pool;
      const seen = pool.members.map((m) => ({ keys: m.keys, finished: [...m.finished], training: m.training }));
      pool.kill(0, 'terminated by the test');
      return seen;
    });
    assert.equal(first.keys.length, 4);
    assert.ok(first.training && !first.finished.includes(first.training));
    assert.match(
      await page.textContent('#sweep [data-ref="status"]'),
      /Sweep worker 1 stopped \(terminated by the test\); the run it was training is lost; 1 other worker\(s\) go on/,
    );
    await workersLeft(page, 1, 'the terminated worker is gone, the other trains on');

    // The other worker finishes its whole share; then the page says what happened.
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'error', null, {
      timeout: 300_000,
    });
    const kept = await stored(page);
    const expected = [...first.finished, ...second.keys];
    assert.deepEqual(
      [...kept].sort(),
      [...expected].sort(),
      'worker 1 kept what it finished, worker 2 finished its share',
    );
    assert.ok(!kept.includes(first.training), 'the run in training at the crash is not stored');
    const left = 8 - kept.length;
    assert.match(
      await page.textContent('#sweep [data-ref="status"]'),
      new RegExp(
        `worker 1 \\(terminated by the test\\) stopped, losing only the run in training; .*Resume trains the ${left} run\\(s\\) left\\. Finished runs are kept`,
      ),
    );
    assert.equal(await page.textContent('#sweep [data-ref="start"]'), 'Resume');

    // Resume: a new pool for the runs left (the lost one among them), split over two workers again.
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => window.sweepUi.job?.plan != null, null, { timeout: 60_000 });
    assert.equal(await page.evaluate(() => window.sweepUi.job.plan.runsLeft), left);
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, {
      timeout: 300_000,
    });
    assert.equal((await stored(page)).length, 8);
    assert.ok(
      await page.evaluate((key) => window.sweepUi.trainedBy.has(key), first.training),
      'the lost run was trained on resume',
    );
    assert.match(await page.textContent('#sweep [data-ref="counts"]'), /8 of 8 runs done, 0 left/);
    assert.equal(await sweepState(page), 'done');
    assert.deepEqual(problems, []);
  } finally {
    await clearStore(page);
    await context.close();
  }
});

test('a wasm trap in a sweep worker ends only that worker: the other finishes its share', async () => {
  const { page, context, problems } = await openSweep(`${BASE}&seeds=1`);
  try {
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => window.sweepUi.job?.pool?.members[1]?.state === 'training', null, {
      timeout: 60_000,
    });
    await page.evaluate(() => window.sweepUi.job.pool.trap(1));
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'error', null, {
      timeout: 300_000,
    });
    assert.equal(await page.evaluate(() => window.sweepUi.job), null, 'the job has ended');
    await workersLeft(page, 0, 'no sweep worker is left');
    const status = await page.textContent('#sweep [data-ref="status"]');
    assert.match(
      status,
      /sweep worker 2 \(.*unreachable.*\) stopped, losing only the run in training; the other workers finished theirs/,
    );
    const runs = await page.evaluate(() => window.sweepUi.spec.runs.map(([k]) => k));
    const kept = await stored(page);
    assert.ok(kept.includes(runs[0]) && kept.includes(runs[2]), `worker 1 finished its share: ${kept.length} stored`);
    assert.ok(!kept.includes(runs[3]), 'worker 2 never reached its second run');
    // The trap itself is the only error the page saw (the worker's uncaught RuntimeError).
    assert.deepEqual(
      problems.filter((p) => !/unreachable/.test(p)),
      [],
    );
  } finally {
    await clearStore(page);
    await context.close();
  }
});
