// Accessibility (issue 24): axe-core (npm, a dev dependency) finds no WCAG 2 A/AA violation on the
// main page, in lecture mode, on the sweep (its runs shown) and in the phone layout. axe runs in
// the page itself (node_modules/axe-core/axe.min.js injected). CPU backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, waitReady, waitSweepReady, ROOT, browserForFile, withPage } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });
const AXE = readFileSync(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** The WCAG 2 A and AA violations axe finds in the page now, each with its first elements. */
async function violations(page, include = null) {
  await page.addScriptTag({ content: AXE });
  const found = await page.evaluate(async (where) => {
    const context = where ? { include: [where] } : document;
    const result = await /** @type {any} */ (window).axe.run(context, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      help: v.help,
      nodes: v.nodes.slice(0, 4).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n')[1] ?? ''}`),
    }));
  }, include);
  return found;
}

for (const [name, query, options] of [
  ['the main page', '?backend=cpu', { viewport: { width: 1440, height: 900 } }],
  ['lecture mode', '?backend=cpu&lecture=1', { viewport: { width: 1600, height: 900 } }],
  ['the phone layout', '?backend=cpu', { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 }],
])
  test(`axe-core: no WCAG 2 A/AA violation on ${name}`, async () => {
    await withPage(
      browser.env,
      query,
      async (s) => {
        await waitSweepReady(s.page);
        const found = await violations(s.page);
        assert.deepEqual(found, [], JSON.stringify(found, null, 2));
      },
      { problems: false, ...options },
    );
  });

test('axe-core: no WCAG 2 A/AA violation on the sweep, with a cell’s runs shown', async () => {
  const s = await openPage(
    browser.env,
    '#sweep?combos=relu-sigmoid-relu&seeds=1&epochs=1&bn=none&dataset=mnist-subset&backend=cpu',
    { viewport: { width: 1440, height: 900 } },
  );
  const { page } = s;
  try {
    await waitReady(page);
    await waitSweepReady(page);
    await page.click('#sweep [data-ref="start"]');
    await page.waitForFunction(() => document.getElementById('sweep').dataset.state === 'done', null, {
      timeout: 300_000,
    });
    // One seed: the accuracy alone, in percent (no "± 0.00").
    assert.match(
      await page.textContent('#sweep td.sweep-cell[data-acts="relu,sigmoid,relu"] .sweep-live'),
      /^\d+\.\d\d%$/,
    );
    await page.click('#sweep td.sweep-cell[data-acts="relu,sigmoid,relu"]');
    await page.waitForSelector('#sweep [data-ref="tip"] button', { state: 'visible' });
    const found = await violations(page, '#sweep');
    assert.deepEqual(found, [], JSON.stringify(found, null, 2));
  } finally {
    await s.context.close();
  }
});
