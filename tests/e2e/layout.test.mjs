// The page's layout at the sizes people use: the first screen of a laptop (1440×900) holds the
// settings, Start and the live charts; lecture mode at 1280×720 and 1920×1080 (single and A/B)
// fills the screen with readable charts and a one-line status; a phone (390×844) shows the
// controls and one chart at a time, nothing wider than the screen. CPU backend, a few steps.
// Screenshots in artifacts/layout-*.png; the chart sizes are printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ARTIFACTS, browserForFile, withPage } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

const RUN = '?acts=relu,sigmoid,relu&epochs=10&stats=5&backend=cpu';

/** Every visible chart canvas: id, CSS box, and whether its chart said it is too small. */
async function chartBoxes(page) {
  return page.evaluate(() => {
    const layouts = window.playground.chartLayouts ?? {};
    return [...document.querySelectorAll('.plot canvas')]
      .map((c) => {
        const r = c.getBoundingClientRect();
        const fig = c.closest('.plot');
        const side = fig?.dataset.side ?? 'a';
        const layout = layouts[side]?.[fig?.dataset.chart ?? ''];
        return {
          id: c.id,
          x: Math.round(r.left),
          y: Math.round(r.top),
          pageY: Math.round(r.top + window.scrollY),
          w: Math.round(r.width),
          h: Math.round(r.height),
          visible: r.width > 0 && r.height > 0 && getComputedStyle(fig).display !== 'none',
          tooSmall: !!layout?.tooSmall,
          clashes: layout?.clashes ?? [],
        };
      })
      .filter((b) => b.visible);
  });
}

/** The charts' text, measured by the browser's fonts: nothing drawn over other text. */
function assertNoClashes(boxes) {
  for (const b of boxes) assert.deepEqual(b.clashes, [], `${b.id}: text drawn over text`);
}

async function noHorizontalOverflow(page) {
  const { scroll, inner } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }));
  assert.ok(scroll <= inner, `the page is ${scroll} px wide in a ${inner} px window`);
}

async function shot(page, name, fullPage = false) {
  await page.screenshot({ path: join(ARTIFACTS, `layout-${name}.png`), fullPage });
}

async function trainSome(page, steps = 12) {
  await page.waitForFunction((n) => (window.playground.progress?.step ?? 0) >= n, steps, { timeout: 60_000 });
  // Pause, so the screenshot and the geometry hold still; the charts catch up with the pause.
  await page.keyboard.press(' ');
  await page.waitForFunction(() => document.body.dataset.state === 'paused', null, { timeout: 15_000 });
  await page.waitForTimeout(1200);
}

for (const [W, H] of [
  [1440, 900],
  [1280, 800],
])
  test(`${W}×${H}: the settings, ▶ Play and a live chart are on the first screen`, async () => {
    await withPage(
      browser.env,
      RUN,
      async ({ page }) => {
        const start = await page.evaluate(() => {
          const r = document.getElementById('t-play').getBoundingClientRect();
          const a = document.getElementById('act1').getBoundingClientRect();
          return { top: r.top, bottom: r.bottom, right: r.right, act: a.bottom };
        });
        assert.ok(start.bottom <= H && start.right <= W, `▶ Play is at y=${start.top}`);
        // (at 1280×800 a preset's long commentary pushes the activations just below the fold)
        if (H >= 900) assert.ok(start.act <= H, `the activation settings are on screen (y=${start.act})`);
        await page.click('#t-play');
        await trainSome(page);
        await shot(page, `first-screen-${W}x${H}`);
        const boxes = await chartBoxes(page);
        console.log(`${W}×${H} charts:`, JSON.stringify(boxes));
        assertNoClashes(boxes);
        const loss = boxes.find((b) => b.id === 'chart-loss');
        assert.ok(loss && loss.y + loss.h <= H, `the loss chart is inside the viewport: ${JSON.stringify(loss)}`);
        assert.ok(loss.w >= 380 && loss.h >= 300, `the loss chart is readable: ${loss.w}×${loss.h}`);
        for (const b of boxes) assert.equal(b.tooSmall, false, `${b.id} has room for its labels: ${JSON.stringify(b)}`);
        assert.equal(await page.evaluate(() => window.scrollY), 0, 'no scrolling needed');
        await noHorizontalOverflow(page);
      },
      { problems: false, viewport: { width: W, height: H } },
    );
  });

test('1440×900 with no banner showing (a browser with WebGPU, a plain link): the settings and charts still come first, the sweep below them', async () => {
  await withPage(
    browser.env,
    '',
    async ({ page }) => {
      // This browser has no WebGPU, so its notice shows; a browser with WebGPU shows none.
      const at = await page.evaluate(() => {
        for (const b of document.querySelectorAll('main > .banner')) b.hidden = true;
        const box = (id) => document.getElementById(id).getBoundingClientRect();
        return {
          start: box('t-play').bottom,
          plots: box('plots').top,
          plotsBottom: box('plots').bottom,
          sweep: box('sweep').top,
        };
      });
      assert.ok(at.start <= 900, `▶ Play is on the first screen (y=${at.start})`);
      assert.ok(at.plots < 300, `the charts start near the top (y=${at.plots})`);
      assert.ok(at.sweep >= at.plotsBottom, `the sweep comes after the charts (${at.sweep} vs ${at.plotsBottom})`);
    },
    { problems: false, viewport: { width: 1440, height: 900 } },
  );
});

for (const [w, h] of [
  [1280, 720],
  [1920, 1080],
]) {
  for (const ab of [false, true]) {
    test(`lecture mode at ${w}×${h}${ab ? ', A/B' : ''}: the charts fill the screen, the status is one line`, async () => {
      const query = `${RUN}&lecture=1&autostart=1${ab ? '&compare=1&b.bn=all' : ''}`;
      await withPage(
        browser.env,
        query,
        async ({ page }) => {
          await page.waitForFunction(() => ['running', 'error'].includes(document.body.dataset.state), null, {
            timeout: 120_000,
          });
          await trainSome(page);
          await shot(page, `lecture-${w}x${h}${ab ? '-ab' : ''}`);
          const boxes = await chartBoxes(page);
          console.log(`lecture ${w}×${h}${ab ? ' A/B' : ''} charts:`, JSON.stringify(boxes));
          assertNoClashes(boxes);
          // Four charts (A/B: the loss and one more of each side), all on screen, none too small.
          assert.equal(boxes.length, 4);
          // At least a third of the height; at least 42 % of the width (on 720p without A/B, the
          // activations take a tall right column and gradients and health share the row under the loss).
          const minH = ab ? Math.round(h * 0.3) : Math.round(h * 0.33);
          const minW = ab || h > 800 ? Math.round(w * 0.42) : Math.round(w * 0.3);
          for (const b of boxes) {
            assert.ok(
              b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h,
              `${b.id} is on screen: ${JSON.stringify(b)}`,
            );
            assert.ok(b.w >= minW && b.h >= minH, `${b.id} is big: ${b.w}×${b.h} (at least ${minW}×${minH})`);
            // The activations stack a row of panels per layer: beside B's on a 720p screen they
            // say that they are too small (the one-view choice below shows them large).
            if (!(ab && h < 800 && b.id.startsWith('chart-activations')))
              assert.equal(b.tooSmall, false, `${b.id} has room for its labels`);
          }
          // The status is one line long.
          const status = await page.evaluate(() => {
            const s = document.getElementById('plots-status');
            return {
              h: s.getBoundingClientRect().height,
              line: parseFloat(getComputedStyle(s).lineHeight) || 24,
              text: s.textContent,
            };
          });
          assert.ok(status.h <= status.line * 1.3, `the status is one line: ${JSON.stringify(status)}`);
          if (ab) {
            // A/B stay in step: after the pause both sides' charts show the paused step.
            const steps = await page.evaluate(() => ({
              a: window.playground.chartLayouts.a?.loss?.panels?.[0]?.xMax,
              b: window.playground.chartLayouts.b?.loss?.panels?.[0]?.xMax,
              step: window.playground.progress.step,
              stepB: window.playground.progressB.step,
            }));
            assert.equal(steps.stepB, steps.step, 'B is at the paused step');
            assert.equal(steps.a, steps.step, `A's chart shows the paused step: ${JSON.stringify(steps)}`);
            assert.equal(steps.b, steps.step, `B's chart shows the paused step: ${JSON.stringify(steps)}`);
          }
          // Two views: the loss and the activations side by side, readable (A/B: the activations
          // of A and B side by side).
          await page.click(`.view-tab[data-view="${ab ? 'activations' : 'loss+activations'}"]`);
          await page.waitForTimeout(1200);
          const two = await chartBoxes(page);
          assertNoClashes(two);
          console.log(`lecture ${w}×${h}${ab ? ' A/B' : ''}, two views:`, JSON.stringify(two));
          await shot(page, `lecture-${w}x${h}${ab ? '-ab' : ''}-two`);
          assert.equal(two.length, 2);
          for (const b of two)
            assert.equal(b.tooSmall, false, `${b.id} is readable in the two-view layout: ${JSON.stringify(b)}`);
          // One view large: the loss fills the chart area.
          await page.click('.view-tab[data-view="loss"]');
          await page.waitForTimeout(800);
          const one = await chartBoxes(page);
          assert.equal(one.length, ab ? 2 : 1);
          for (const b of one) assert.ok(b.h >= h * 0.6, `one view is large: ${JSON.stringify(b)}`);
          // The choice is a link setting: the address bar carries it, and the link opens with it.
          await page.waitForFunction(() => /[?&]view=loss(&|$)/.test(location.search), null, { timeout: 5000 });
          // V steps to the next view.
          await page.keyboard.press('v');
          assert.equal(await page.evaluate(() => document.body.dataset.view), 'activations');
          await shot(page, `lecture-${w}x${h}${ab ? '-ab' : ''}-one`);
        },
        { problems: false, ready: false, viewport: { width: w, height: h } },
      );
    });
  }
}

test('390×844 phone: the run controls and the chart first, one chart at a time, nothing wider than the screen', async () => {
  await withPage(
    browser.env,
    RUN,
    async ({ page }) => {
      await noHorizontalOverflow(page);
      const start = await page.evaluate(
        () => document.getElementById('t-play').getBoundingClientRect().bottom + window.scrollY,
      );
      assert.ok(start <= 844, `▶ Play is on the first screen (y=${start})`);
      const settings = await page.evaluate(
        () => document.getElementById('act1').getBoundingClientRect().top + window.scrollY,
      );
      await page.click('#t-play');
      await trainSome(page);
      await shot(page, 'phone-390x844', true);
      await shot(page, 'phone-390x844-top');
      await page.evaluate(() => document.getElementById('plots').scrollIntoView());
      await shot(page, 'phone-390x844-chart');
      let boxes = await chartBoxes(page);
      console.log('390×844 charts:', JSON.stringify(boxes));
      assertNoClashes(boxes);
      assert.equal(boxes.length, 1, 'one chart at a time');
      assert.ok(boxes[0].pageY < settings, `the chart comes before the settings (${boxes[0].pageY} vs ${settings})`);
      for (const b of boxes) {
        assert.ok(b.w >= 340 && b.h >= 280 && b.x >= 0 && b.x + b.w <= 390, `a readable chart: ${JSON.stringify(b)}`);
        assert.equal(b.tooSmall, false);
      }
      // The tabs switch charts; the activations get a taller box.
      await page.click('.view-tab[data-view="activations"]');
      await page.waitForTimeout(800);
      boxes = await chartBoxes(page);
      assert.deepEqual(
        boxes.map((b) => b.id),
        ['chart-activations'],
      );
      assertNoClashes(boxes);
      assert.ok(boxes[0].h >= 400 && !boxes[0].tooSmall, JSON.stringify(boxes[0]));
      await noHorizontalOverflow(page);
      await page.evaluate(() => document.getElementById('plots').scrollIntoView());
      await shot(page, 'phone-390x844-activations');
    },
    { problems: false, viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 },
  );
});
