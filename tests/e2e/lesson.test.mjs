// Lessons in lecture mode: a clicker's PageDown / PageUp walk through a lesson's steps (each
// loads its settings and trains), the caption bar says "3 / 6 · …", the link follows the step,
// a step past the end is named in the notice, B or . blanks the screen. And the charts' must-show
// numbers (their `keys`), read with the browser's own fonts at 1280×720. CPU backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserForFile, openPage, screenshot } from './helpers.mjs';

const shared = browserForFile({ webgpu: false });

const caption = (page) => page.textContent('#lesson-caption');
/** Whether the screen's centre shows `selector` (in lecture mode the charts cover the page). */
const onScreen = (page, selector) =>
  page.evaluate((sel) => !!document.elementFromPoint(innerWidth / 2, innerHeight / 2)?.closest(sel), selector);
const acts = (page) => page.evaluate(() => window.playground.readConfig().config.acts.length);
const waitRunning = (page) =>
  page.waitForFunction(() => ['running', 'error'].includes(document.body.dataset.state), null, { timeout: 120_000 });

async function open(query, viewport = { width: 1280, height: 720 }) {
  const s = await openPage(shared.env, query, { viewport });
  await s.page.waitForFunction(
    () => window.playground?.progress !== undefined && document.body.dataset.state !== 'loading',
    null,
    {
      timeout: 120_000,
    },
  );
  return s;
}

/** Opens `query`, runs `body` on its page, and closes the page whatever happens. */
async function withOpen(query, body, viewport = undefined) {
  const s = await open(query, viewport);
  try {
    await body(s.page);
  } finally {
    await s.context.close();
  }
}

test('PageDown goes to the next step and trains it, PageUp goes back; the link follows the step', async () => {
  await withOpen('?lesson=vanishing&step=2&lecture=1&backend=cpu', async (page) => {
    assert.match(await caption(page), /^2 \/ 6 · BatchNorm on the last layer/);
    assert.equal(await page.isVisible('#lesson-caption'), true);
    assert.equal(await acts(page), 3);
    await page.keyboard.press('PageDown');
    await page.waitForFunction(() => /^3 \/ 6 · /.test(document.getElementById('lesson-caption').textContent));
    await waitRunning(page);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'running', 'the step trains');
    assert.equal(await acts(page), 8, 'the eight sigmoid layers');
    assert.match(await page.evaluate(() => location.search), /lesson=vanishing&step=3/);
    assert.equal(await page.evaluate(() => document.body.dataset.view), 'gradients');
    await screenshot(page, 'lesson-step-3.png');
    await page.keyboard.press('PageUp');
    await page.waitForFunction(() => /^2 \/ 6 · /.test(document.getElementById('lesson-caption').textContent));
    await page.waitForFunction(() => /lesson=vanishing&step=2/.test(location.search));
    assert.equal(await acts(page), 3);
    await waitRunning(page);
    // B blanks the screen, . brings it back; → still trains one batch (it pauses a running run).
    await page.keyboard.press('b');
    assert.equal(await page.isVisible('#blank-screen'), true);
    await page.keyboard.press('.');
    assert.equal(await page.isVisible('#blank-screen'), false);
  });
});

test('a step past the end is named in the notice, and the last step opens', async () => {
  await withOpen('?lesson=vanishing&step=9&lecture=1&backend=cpu', async (page) => {
    const notice = await page.textContent('#link-notice');
    assert.match(notice, /step: lesson "vanishing" has steps 1 to 6, got 9; step 6 opens/);
    assert.match(await caption(page), /^6 \/ 6 · /);
  });
});

test("the gradient ratio is drawn with the browser's fonts at 1280×720, All four, eight sigmoid layers", async () => {
  await withOpen('?preset=deep-sigmoid&backend=cpu&lecture=1&autostart=1&epochs=1', async (page) => {
    await page.waitForFunction(() => (window.playground.chartLayouts.a.gradients?.keys ?? []).length > 0, null, {
      timeout: 120_000,
    });
    const keys = await page.evaluate(() => window.playground.chartLayouts.a.gradients.keys);
    assert.ok(
      keys.some((k) => /^layer 1 ÷ output \d/.test(k)),
      JSON.stringify(keys),
    );
    const sizes = await page.evaluate(() =>
      [...document.querySelectorAll('.plot canvas')]
        .filter((c) => c.clientWidth)
        .map((c) => [c.id, c.clientWidth, c.clientHeight]),
    );
    console.log('chart boxes at 1280×720, lecture, All four:', JSON.stringify(sizes));
    await screenshot(page, 'lesson-deep-sigmoid-720p.png');
  });
});

test('an embed link shows only its charts and a play/step control, sized to the frame, with a link out', async () => {
  await withOpen(
    '?embed=1&view=loss&backend=cpu&acts=relu,tanh,tanh',
    async (page) => {
      for (const id of ['chart-loss', 't-play', 't-step', 'embed-open']) {
        assert.equal(await page.isVisible(`#${id}`), true, `#${id} is shown`);
      }
      for (const id of [
        'chart-activations',
        'chart-gradients',
        'chart-health',
        'settings',
        't-reset',
        'readout',
        'combo',
      ]) {
        assert.equal(await page.isVisible(`#${id}`), false, `#${id} is hidden in an embed`);
      }
      const box = await page.evaluate(() => {
        const r = document.getElementById('chart-loss').getBoundingClientRect();
        return { right: r.right, bottom: r.bottom, w: r.width, h: r.height };
      });
      assert.ok(box.right <= 640 && box.bottom <= 400 && box.w > 400 && box.h > 200, JSON.stringify(box));
      const href = await page.getAttribute('#embed-open', 'href');
      assert.match(href, /acts=relu,tanh,tanh/);
      assert.match(href, /view=loss/);
      assert.doesNotMatch(href, /embed=/);
      await page.click('#t-step');
      await page.waitForFunction(() => (window.playground.progress?.step ?? 0) === 1, null, { timeout: 60_000 });
      await screenshot(page, 'embed-loss.png');
    },
    { width: 640, height: 400 },
  );
});

test("the Q&A's headline is its mean absolute error beside the squared-error loss, and the verdict says so", async () => {
  await withOpen('?preset=qa-relu&epochs=30&autostart=1', async (page) => {
    await page.waitForFunction(() => document.body.dataset.state === 'finished', null, { timeout: 120_000 });
    const label = await page.evaluate(
      () => document.getElementById('stat-test-acc').previousElementSibling.textContent,
    );
    assert.equal(label, 'Mean absolute error');
    assert.match(await page.textContent('#stat-test-acc'), /^\d\.\d{3}$/);
    const status = await page.textContent('#status-text');
    assert.match(status, /Mean absolute error \d\.\d{3} \(squared-error loss \d/);
    assert.doesNotMatch(status, /Test accuracy/);
  });
});

test('honest links: dataset=qa is applied with its loss; a key repeated 3,000 times gets one line', async () => {
  await withOpen('?dataset=qa&batch=1000&backend=cpu', async (page) => {
    const config = await page.evaluate(() => window.playground.readConfig().config);
    assert.deepEqual([config.dataset, config.batch, config.loss], ['qa', 1000, 'sse']);
    assert.equal(await page.isVisible('#link-notice'), false, 'nothing to report');
  });
  await withOpen(`?${Array(3000).fill('seed=2').join('&')}&backend=cpu`, async (page) => {
    const lines = await page.locator('#link-notice li').allTextContents();
    assert.deepEqual(lines, ['seed: given 3,000 times; the last value applies']);
  });
});

test("the article's lesson: PageDown reaches the live table, which trains in place of the charts; the next step cancels it", async () => {
  await withOpen('?lesson=article&lecture=1&backend=cpu', async (page) => {
    assert.match(await caption(page), /^1 \/ 4 · /);
    assert.equal(await onScreen(page, '#plots'), true, 'lecture mode shows the charts');
    await page.keyboard.press('PageDown');
    await page.waitForFunction(() =>
      /^2 \/ 4 · The live table/.test(document.getElementById('lesson-caption').textContent),
    );
    await page.waitForFunction(() => window.sweepUi.state === 'running', null, { timeout: 60_000 });
    const spec = await page.evaluate(() => ({
      query: window.sweepUi.spec.query,
      runs: window.sweepUi.spec.runs.length,
      trainer: document.body.dataset.state,
    }));
    assert.equal(spec.runs, 64, 'the whole table, one seed');
    assert.match(spec.query, /epochs=1/);
    assert.match(spec.query, /backend=cpu/, "the page's backend");
    assert.notEqual(spec.trainer, 'running', 'the trainer makes room for the sweep');
    assert.equal(await onScreen(page, '#sweep'), true, 'the table fills the screen');
    assert.equal(await page.isVisible('#lesson-caption'), true);
    assert.match(await page.evaluate(() => location.search), /lesson=article&step=2/);
    // It fills in live: the first cell's run finishes while the caption is up.
    await page.waitForFunction(() => document.querySelectorAll('#sweep .sweep-live').length > 0, null, {
      timeout: 180_000,
    });
    await screenshot(page, 'lesson-live-table.png');
    // The trainer's keys do not start a hidden run beside the sweep.
    await page.keyboard.press(' ');
    await page.keyboard.press('ArrowRight');
    assert.notEqual(await page.evaluate(() => document.body.dataset.state), 'running');
    assert.equal(await page.evaluate(() => window.sweepUi.state), 'running');
    await page.keyboard.press('PageDown');
    await page.waitForFunction(() => /^3 \/ 4 · /.test(document.getElementById('lesson-caption').textContent));
    await page.waitForFunction(() => window.sweepUi.state === 'cancelled', null, { timeout: 60_000 });
    assert.equal(await onScreen(page, '#plots'), true, 'the charts are back');
    await waitRunning(page);
  });
});

test("a link to the article lesson's table step opens at the table and trains it", async () => {
  await withOpen('?lesson=article&step=2&lecture=1&backend=cpu', async (page) => {
    await page.waitForFunction(() => window.sweepUi.state === 'running', null, { timeout: 60_000 });
    assert.equal(await onScreen(page, '#sweep'), true);
    assert.match(await caption(page), /^2 \/ 4 · The live table/);
    await page.keyboard.press('PageUp');
    await page.waitForFunction(() => window.sweepUi.state === 'cancelled', null, { timeout: 60_000 });
    await waitRunning(page);
    assert.match(await caption(page), /^1 \/ 4 · /);
  });
});
