// A/B comparison: two trainers on the same data order and seed, advanced alternately in
// lockstep; both show progress and loss; their charts sit side by side on the same step axis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, waitReady, waitState, screenshot, sleep, browserForFile, assertNoProblems } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

const steps = (page) =>
  page.evaluate(() => [window.playground.progress?.step ?? 0, window.playground.progressB?.step ?? 0]);

test('a link with compare=1 trains A and B side by side, in lockstep, and charts both', async () => {
  const s = await openPage(browser.env, '?acts=relu,sigmoid,relu&epochs=1&stats=10&backend=cpu&compare=1&b.bn=last');
  const { page } = s;
  try {
    await waitReady(page);
    assert.equal(await page.isChecked('#compare'), true);
    assert.equal(await page.inputValue('#b-bn'), 'last');
    assert.deepEqual(await Promise.all(['#b-act1', '#b-act2', '#b-act3'].map((id) => page.inputValue(id))), [
      'relu',
      'sigmoid',
      'relu',
    ]);
    // B is named by what it sets differently from A, and by nothing else.
    assert.equal((await page.textContent('#combo')).trim(), 'A relu → sigmoid → relu vs B BN last');
    assert.equal((await page.textContent('#ab-head-b')).trim(), 'B BatchNorm: After the last Linear layer only');
    assert.equal(await page.isVisible('#chart-loss-b'), true, 'B has its own column of charts');

    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 40, null, { timeout: 60_000 });
    await page.keyboard.press(' ');
    await page.waitForFunction(() => /^Paused at step/.test(document.getElementById('status-text').textContent), null, {
      timeout: 15_000,
    });
    const [a, b] = await steps(page);
    assert.equal(b, a, 'B is at the same step as A (lockstep)');
    // One step: one batch for each.
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(
      (n) => window.playground.progress.step === n + 1 && window.playground.progressB?.step === n + 1,
      a,
      { timeout: 10_000 },
    );

    const rows = await page.evaluate(() =>
      ['a', 'b'].map((side) => ({
        step: document.querySelector(`#ab-row-${side} .ab-step`).textContent,
        loss: document.querySelector(`#ab-row-${side} .ab-loss`).textContent,
      })),
    );
    for (const row of rows) {
      assert.match(row.step, /^\d+ \/ 250$/);
      assert.match(row.loss, /^\d+\.\d{4}$/);
    }
    assert.notEqual(rows[0].loss, rows[1].loss, 'BatchNorm changes the loss');
    const logs = await page.evaluate(() => [window.playground.lossLog.length, window.playground.lossLogB.length]);
    assert.ok(logs[0] > 1 && logs[1] > 1, `both loss logs grow: ${logs}`);

    await page.click('#t-stop');
    await waitState(page, 'stopped', 15_000);
    await page.waitForFunction(
      () => {
        const { a, b } = window.playground.chartLayouts;
        return ['loss', 'activations', 'gradients', 'health'].every((k) => a[k] && !a[k].empty && b[k] && !b[k].empty);
      },
      null,
      { timeout: 30_000 },
    );
    // The same step axis on both sides.
    const axes = await page.evaluate(() => {
      const { a, b } = window.playground.chartLayouts;
      return [a.loss.panels[0].xMax, b.loss.panels[0].xMax, a.gradients.panels[0].xMax, b.gradients.panels[0].xMax];
    });
    assert.equal(axes[0], axes[1]);
    assert.equal(axes[2], axes[3]);
    const ink = await page.evaluate(() =>
      Promise.all(
        ['chart-loss-b', 'chart-activations-b', 'chart-gradients-b', 'chart-health-b'].map((id) =>
          window.playground.engine.ink(id),
        ),
      ),
    );
    for (const share of ink) assert.ok(share > 0.02, `B chart drawn (${(100 * share).toFixed(1)}% ink)`);
    // B's statistics download on their own.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv-b')]);
    assert.match(csv.suggestedFilename(), /^activation-playground_B_relu-sigmoid-relu_bn-last_/);
    await screenshot(page, 'compare.png');
    assertNoProblems(s.problems);
  } finally {
    await s.context.close();
  }
});

test('B identical to A gives identical losses: same data order, same seed', async () => {
  const s = await openPage(browser.env, '?acts=relu,tanh,tanh&epochs=1&stats=0&backend=cpu&compare=1');
  const { page } = s;
  try {
    await waitReady(page);
    // compare=1 alone: B is A.
    assert.equal(await page.inputValue('#b-bn'), 'none');
    await page.click('#t-play');
    await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 30, null, { timeout: 60_000 });
    await page.click('#t-stop');
    await waitState(page, 'stopped', 15_000);
    const [a, b] = await page.evaluate(() => [window.playground.lossLog, window.playground.lossLogB]);
    assert.ok(a.length > 1);
    assert.deepEqual(b, a, 'B repeats A exactly');
  } finally {
    await s.context.close();
  }
});

test('comparison is switched on in the form; B starts identical to A and the heading lists only what is set', async () => {
  const s = await openPage(browser.env);
  const { page } = s;
  try {
    await waitReady(page);
    assert.equal(await page.isVisible('#b-act1'), false);
    await page.check('#compare');
    assert.equal(await page.isVisible('#b-act1'), true);
    // B is A: the same activations, BatchNorm and learning rate, and the heading says so.
    const a = await page.evaluate(() =>
      ['act1', 'act2', 'act3', 'bn', 'lr'].map((id) => document.getElementById(id).value),
    );
    const b = await page.evaluate(() =>
      ['b-act1', 'b-act2', 'b-act3', 'b-bn', 'b-lr'].map((id) => document.getElementById(id).value),
    );
    assert.deepEqual(b, a, 'B starts identical to A');
    assert.match(await page.textContent('#combo'), /vs B same as A$/);
    assert.match(await page.textContent('#ab-head-b'), /same as A \(set what B changes\)/);
    assert.doesNotMatch(await page.textContent('#combo'), /BN|BatchNorm/);
    await page.screenshot({ path: 'artifacts/compare-b-equals-a.png' });
    // Only what the user sets is listed.
    await page.selectOption('#b-act2', 'tanh');
    await page.waitForFunction(
      () => /vs B relu → tanh → relu$/.test(document.getElementById('combo').textContent),
      null,
      {
        timeout: 5_000,
      },
    );
    await page.fill('#b-lr', 'fast');
    await page.waitForFunction(() => document.getElementById('err-b-lr').textContent !== '', null, { timeout: 5_000 });
    await page.click('#t-play');
    await sleep(300);
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'idle', 'no run with an invalid B');
    await page.fill('#b-lr', '0.05');
    await page.waitForFunction(() => document.getElementById('err-b-lr').textContent === '', null, { timeout: 5_000 });
    await page.waitForFunction(() => /compare=1/.test(location.search) && /b\.lr=0\.05/.test(location.search), null, {
      timeout: 5_000,
    });
    await page.uncheck('#compare');
    assert.equal(await page.isVisible('#chart-loss-b'), false);
  } finally {
    await s.context.close();
  }
});
