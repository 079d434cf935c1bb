// Issue 11 in the page: networks of any depth (the form's depth control and per-layer rows,
// drawn from the Rust settings table), a ten-layer network training on the CPU in lecture mode
// at 1280×720 (screenshot), and every depth/initialisation/Q&A preset loading and running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openPage, waitReady, waitState, progress, sleep, ARTIFACTS, browserForFile } from './helpers.mjs';
import { assertNoProblems, withPage } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

const ids = (page, prefix) =>
  page.evaluate(
    (p) => [...document.querySelectorAll(`[id^="${p}"]`)].map((el) => el.id).filter((id) => /\d+$/.test(id)),
    prefix,
  );

test('the depth control draws one row per layer; widths and init go into the link', async () => {
  const s = await openPage(browser.env, '', { permissions: ['clipboard-read', 'clipboard-write'] });
  try {
    await waitReady(s.page);
    assert.equal(await s.page.inputValue('#depth'), '3', 'the article’s three layers by default');
    assert.deepEqual(await ids(s.page, 'act'), ['act1', 'act2', 'act3']);
    assert.deepEqual(await Promise.all(['#width1', '#width2'].map((id) => s.page.inputValue(id))), ['500', '256']);
    // The choices come from Rust: 1 … MAX_LAYERS.
    assert.deepEqual(await s.page.$$eval('#depth option', (o) => o.map((x) => x.value)), [
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
    await s.page.selectOption('#depth', '8');
    assert.deepEqual(await ids(s.page, 'act'), ['act1', 'act2', 'act3', 'act4', 'act5', 'act6', 'act7', 'act8']);
    // Every control of the form is visible and clear of the others (a width once sat under its activation).
    const clashes = await s.page.evaluate(() => {
      const boxes = [...document.querySelectorAll('#settings-fields select, #settings-fields input[type="text"]')]
        .filter((el) => el.getClientRects().length && !el.closest('[hidden]'))
        .map((el) => ({ id: el.id, r: el.getBoundingClientRect() }));
      const out = [];
      for (const [i, a] of boxes.entries()) {
        if (a.r.width < 20 || a.r.height < 20) out.push(`${a.id} is ${a.r.width}×${a.r.height}`);
        for (const b of boxes.slice(i + 1)) {
          if (
            a.r.left < b.r.right - 1 &&
            b.r.left < a.r.right - 1 &&
            a.r.top < b.r.bottom - 1 &&
            b.r.top < a.r.bottom - 1
          )
            out.push(`${a.id} overlaps ${b.id}`);
        }
      }
      return out;
    });
    assert.deepEqual(clashes, []);
    const widths = await Promise.all((await ids(s.page, 'width')).map((id) => s.page.inputValue(`#${id}`)));
    assert.deepEqual(
      widths,
      ['500', '256', '256', '256', '256', '256', '256'],
      'Rust extends the widths with the last one',
    );
    // B (compare) has A's depth: one activation per layer.
    assert.equal((await ids(s.page, 'b-act')).length, 8);
    for (let i = 1; i <= 8; i++) await s.page.selectOption(`#act${i}`, 'sigmoid');
    await s.page.fill('#width1', '64');
    await s.page.selectOption('#init', 'xavier');
    await s.page.fill('#gain', '0.5');
    await s.page.click('#share');
    await s.page.waitForFunction(() => document.getElementById('share-url').value.includes('init=xavier'), null, {
      timeout: 5_000,
    });
    const link = await s.page.inputValue('#share-url');
    assert.match(link, /acts=sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid,sigmoid/);
    assert.match(link, /widths=64,256,256,256,256,256,256/);
    assert.match(link, /gain=0\.5/);
    // A bad width is named next to the layers, by Rust.
    await s.page.fill('#width2', '5000');
    await s.page.waitForFunction(
      () => /between 1 and 1024/.test(document.getElementById('err-widths').textContent),
      null,
      { timeout: 5_000 },
    );
    // The link opens the same network.
    const t = await openPage(browser.env, link.slice(link.indexOf('?')));
    try {
      await waitReady(t.page);
      assert.equal(await t.page.inputValue('#depth'), '8');
      assert.equal(await t.page.inputValue('#width1'), '64');
      assert.equal(await t.page.inputValue('#act8'), 'sigmoid');
      assert.equal(await t.page.inputValue('#init'), 'xavier');
      assertNoProblems(t.problems);
    } finally {
      await t.context.close();
    }
    assertNoProblems(s.problems);
  } finally {
    await s.context.close();
  }
});

test('a ten-layer network trains on the CPU; lecture mode at 1280×720 shows its charts', async () => {
  const relu = Array(10).fill('relu').join(',');
  const widths = Array(9).fill('64').join(',');
  await withPage(
    browser.env,
    `?acts=${relu}&widths=${widths}&init=he&epochs=1&stats=5&backend=cpu&lecture=1&autostart=1`,
    async (s) => {
      await s.page.waitForFunction(() => ['running', 'error'].includes(document.body.dataset.state), null, {
        timeout: 120_000,
      });
      await s.page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 60, null, { timeout: 120_000 });
      await s.page.click('#t-play');
      await waitState(s.page, 'paused', 15_000);
      await s.page.waitForFunction(() => document.querySelectorAll('.plot-box.has-chart').length === 4, null, {
        timeout: 30_000,
      });
      const p = await progress(s.page);
      assert.ok(p.step >= 60 && Number.isFinite(p.trainLoss), JSON.stringify(p));
      assert.equal(await s.page.evaluate(() => document.getElementById('act10').value), 'relu');
      assert.equal(await s.page.textContent('#combo'), 'relu ×10');
      await sleep(1500); // the charts' last redraw after the pause
      // What the projector shows: the viewport, not the page below it.
      await s.page.screenshot({ path: join(ARTIFACTS, 'depth-lecture-1280x720.png') });
    },
    { ready: false, viewport: { width: 1280, height: 720 } },
  );
});

const PRESETS = [
  'deep-sigmoid',
  'deep-relu-he',
  'deep-selu-lecun',
  'tiny-init',
  'qa-sigmoid',
  'qa-relu',
  'qa-relu-sigmoid',
];

test('each depth, initialisation and Q&A preset loads and runs a few steps on the CPU', async () => {
  await withPage(browser.env, '?backend=cpu', async (s) => {
    for (const name of PRESETS) {
      await s.page.selectOption('#preset', name);
      const qa = name.startsWith('qa-');
      // The Q&A presets switch to the Q&A's six examples (built in).
      await s.page
        .waitForFunction(
          (want) =>
            document.getElementById(`ds-kind-${want}`)?.checked &&
            document.querySelector('.ds-kind.is-loaded input')?.value === want,
          qa ? 'qa' : 'mnist-subset',
          { timeout: 30_000 },
        )
        .catch(async () => {
          if (qa) return; // an MNIST preset keeps the bundled subset loaded
        });
      assert.equal(await s.page.inputValue('#preset'), name, `${name} is selected`);
      assert.match(await s.page.textContent('#preset-description'), /\.$/);
      // The previous preset's progress stays until this run resets it: wait for a new one.
      await s.page.evaluate(() => {
        window.__before = window.playground.progress;
      });
      await s.page.click('#t-play');
      const want = qa ? 200 : 3;
      await s.page.waitForFunction(
        (w) => {
          const p = window.playground.progress;
          return (
            (p && p !== window.__before && p.step >= w) || ['error', 'diverged'].includes(document.body.dataset.state)
          );
        },
        want,
        { timeout: 60_000 },
      );
      const p = await progress(s.page);
      const errors = await s.page.$$eval('.field-error', (els) => els.map((e) => e.textContent).filter(Boolean));
      assert.ok(p?.step >= want, `${name}: ${JSON.stringify(p)} ${await s.page.textContent('#status-text')} ${errors}`);
      if (qa) assert.equal(p.stepsPerEpoch, 1, `${name}: one full batch of six examples per epoch`);
      await s.page.click('#t-stop');
      await waitState(s.page, ['stopped', 'finished'], 30_000);
    }
  });
});

test('the Q&A preset runs its 10,000 full-batch steps to the end on the CPU (time printed)', async () => {
  await withPage(
    browser.env,
    '?preset=qa-sigmoid&backend=cpu',
    async (s) => {
      assert.equal(await s.page.inputValue('#preset'), 'qa-sigmoid');
      assert.equal(
        await s.page.evaluate(() => document.getElementById('ds-kind-qa').checked),
        true,
        'the link loads the Q&A examples',
      );
      const t0 = Date.now();
      await s.page.click('#t-play');
      const final = await waitState(s.page, ['finished', 'diverged', 'error'], 300_000);
      const seconds = (Date.now() - t0) / 1000;
      assert.equal(final, 'finished', await s.page.textContent('#status-text'));
      const p = await progress(s.page);
      assert.equal(p.step, 10_000);
      assert.equal(p.testAcc, 1, 'all six examples right');
      console.log(
        `# Q&A network: 10,000 full-batch steps (stats every 100) in ${seconds.toFixed(1)} s in the page, CPU backend`,
      );
    },
    { problems: false },
  );
});

test('the Q&A with a ReLU output: lecture mode shows the dead output and the stuck loss', async () => {
  await withPage(
    browser.env,
    '?preset=qa-relu&backend=cpu&lecture=1&autostart=1',
    async (s) => {
      await waitState(s.page, ['finished', 'diverged', 'error'], 120_000);
      await s.page.waitForFunction(() => document.querySelectorAll('.plot-box.has-chart').length === 4, null, {
        timeout: 30_000,
      });
      await sleep(1000);
      const health = await s.page.evaluate(() => window.playground.chartLayouts.a.health);
      assert.ok(health && !health.empty);
      await s.page.screenshot({ path: join(ARTIFACTS, 'qa-relu-lecture-1280x720.png') });
    },
    { problems: false, ready: false, viewport: { width: 1280, height: 720 } },
  );
});
