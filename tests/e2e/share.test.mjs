// Share links: "Copy link" carries every setting (A, B, lecture), opening it restores every
// control, a bad link names each problem while the rest applies, a link with markup injects
// nothing, presets load by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waitReady, setForm, screenshot, browserForFile, withPage } from './helpers.mjs';

const browser = browserForFile({ webgpu: false });

/** Every control the link must restore. */
function controls(page) {
  return page.evaluate(() => {
    const v = (id) => document.getElementById(id).value;
    return {
      acts: [v('act1'), v('act2'), v('act3')],
      bn: v('bn'),
      lr: v('lr'),
      momentum: v('momentum'),
      batch: v('batch'),
      epochs: v('epochs'),
      seed: v('seed'),
      stats: v('stats'),
      cpu: document.getElementById('backend-cpu').checked,
      compare: document.getElementById('compare').checked,
      b: { acts: [v('b-act1'), v('b-act2'), v('b-act3')], bn: v('b-bn'), lr: v('b-lr') },
      lecture: document.body.classList.contains('lecture'),
    };
  });
}

test('"Copy link" copies every setting (B side and lecture flag too); opening it restores every control', async () => {
  let link;
  let wanted;
  await withPage(
    browser.env,
    '',
    async (a) => {
      await setForm(a.page, {
        acts: ['tanh', 'selu', 'sigmoid'],
        bn: 'all',
        lr: '0.05',
        momentum: '0.9',
        batch: '64',
        epochs: '3',
        seed: '9007199254740991',
        stats: '7',
        backend: 'cpu',
      });
      await a.page.check('#compare');
      await a.page.selectOption('#b-act1', 'relu');
      await a.page.selectOption('#b-act2', 'relu');
      await a.page.selectOption('#b-act3', 'tanh');
      await a.page.selectOption('#b-bn', 'last');
      await a.page.fill('#b-lr', '0.2');
      await a.page.click('#lecture-toggle');
      assert.equal(await a.page.evaluate(() => document.body.classList.contains('lecture')), true);
      wanted = await controls(a.page);
      // Lecture mode hides the form: leave it to reach "Copy link", then copy with the lecture box ticked.
      await a.page.click('#lecture-toggle');
      await a.page.click('#share');
      await a.page.waitForFunction(() => /copied/.test(document.getElementById('share-status').textContent), null, {
        timeout: 5_000,
      });
      await a.page.check('#share-lecture');
      await a.page.click('#share');
      await a.page.waitForFunction(() => document.getElementById('share-url').value.includes('lecture=1'));
      link = await a.page.evaluate(() => navigator.clipboard.readText());
      assert.equal(link, await a.page.inputValue('#share-url'), 'the visible field shows the copied link');
      assert.match(link, /acts=tanh,selu,sigmoid/);
      assert.match(link, /seed=9007199254740991/, 'the largest seed (2^53 − 1) keeps all its digits');
      assert.match(link, /compare=1/);
      assert.match(link, /b\.acts=relu,relu,tanh/);
      assert.match(link, /b\.bn=last/);
      assert.match(link, /b\.lr=0\.2/);
      assert.match(link, /lecture=1/);
      assert.doesNotMatch(link, /autostart/);
      // The address bar follows the settings too (a reload restores them).
      assert.match(a.page.url(), /b\.acts=relu,relu,tanh/);
    },
    { permissions: ['clipboard-read', 'clipboard-write'] },
  );

  await withPage(browser.env, link.slice(link.indexOf('?')), async (b) => {
    assert.deepEqual(await controls(b.page), wanted);
    assert.equal(await b.page.isVisible('#link-notice'), false, 'no problems with a copied link');
    assert.equal(await b.page.isVisible('#t-play'), true);
  });
});

test('a bad link names each problem; the other settings still apply', async () => {
  await withPage(
    browser.env,
    '?acts=relu,swish,relu&lr=-1&batch=abc&seed=42&colour=red&lecture=maybe&compare=1&b.bn=sometimes&b.epochs=9&preset=nope',
    async (s) => {
      assert.equal(await s.page.isVisible('#link-notice'), true);
      const items = await s.page.locator('#link-notice li').allTextContents();
      const fields = items.map((t) => t.split(':')[0]);
      for (const f of ['acts', 'lr', 'batch', 'colour', 'lecture', 'b.bn', 'b.epochs', 'preset']) {
        assert.ok(fields.includes(f), `the notice names ${f}: ${JSON.stringify(items)}`);
      }
      assert.match(
        items.find((t) => t.startsWith('acts')),
        /swish/,
      );
      assert.match(
        items.find((t) => t.startsWith('preset')),
        /collapse/,
        'lists the known presets',
      );
      assert.equal(await s.page.inputValue('#seed'), '42', 'the valid setting applies');
      assert.equal(await s.page.inputValue('#act2'), 'sigmoid', 'a bad value keeps the default');
      assert.equal(await s.page.isChecked('#compare'), true, 'compare=1 applies');
      assert.equal(await s.page.isEnabled('#t-play'), true, 'the page works');
      await screenshot(s.page, 'share-bad-link.png');
    },
  );
});

test('a link carrying markup injects nothing and runs nothing', async () => {
  const payloads = [
    '<script>window.__xss=1</script>',
    '"><img src=x onerror="window.__xss=2">',
    "'><svg onload=alert(3)>",
  ];
  const q = new URLSearchParams();
  q.set('acts', payloads[0]);
  q.set('lr', payloads[1]);
  q.set('preset', payloads[2]);
  q.set('b.acts', payloads[1]);
  q.set(payloads[0], '1');
  q.set('compare', '1');
  const dialogs = [];
  await withPage(
    browser.env,
    `?${q.toString()}`,
    async (s) => {
      s.page.on('dialog', (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });
      await waitReady(s.page);
      const found = await s.page.evaluate(() => ({
        xss: window.__xss ?? null,
        imgs: document.querySelectorAll('img').length,
        svgs: document.querySelectorAll('svg').length,
        scripts: [...document.scripts].map((x) => x.src || x.textContent.slice(0, 20)),
        handlers: [...document.querySelectorAll('*')].filter((el) =>
          [...el.attributes].some((a) => /^on/i.test(a.name)),
        ).length,
        notice: document.getElementById('link-notice').textContent,
      }));
      assert.equal(found.xss, null);
      assert.equal(found.imgs, 0, 'no <img> injected');
      assert.equal(found.svgs, 0, 'no <svg> injected');
      assert.equal(found.handlers, 0, 'no element with an on* attribute');
      const own = ['/www/app.js', '/www/sweep/sweep.js'];
      assert.deepEqual(
        found.scripts.map((src) => (src.startsWith('http') ? new URL(src).pathname : src)),
        own,
        `only the page's own module scripts: ${JSON.stringify(found.scripts)}`,
      );
      assert.ok(found.notice.includes('<script>'), 'the payload is shown as plain text');
      assert.deepEqual(dialogs, []);
      assert.equal(await s.page.inputValue('#act1'), 'relu');
    },
    { ready: false, problems: false },
  );
});

test('presets load by link with their commentary', async () => {
  await withPage(
    browser.env,
    '?preset=all-sigmoid&seed=3',
    async (s) => {
      assert.equal(await s.page.inputValue('#preset'), 'all-sigmoid');
      const commentary = await s.page.textContent('#preset-description');
      assert.match(commentary, /sigmoid → sigmoid → sigmoid/);
      // The checked numbers (tests/presets.rs) are part of what the page shows.
      assert.match(commentary, /Test accuracy after one epoch stays below 20%/);
      assert.deepEqual(await Promise.all(['#act1', '#act2', '#act3'].map((id) => s.page.inputValue(id))), [
        'sigmoid',
        'sigmoid',
        'sigmoid',
      ]);
      assert.equal(await s.page.inputValue('#seed'), '3');
      assert.match(await s.page.textContent('#combo'), /sigmoid → sigmoid → sigmoid/);
      assert.equal(await s.page.isVisible('#link-notice'), false);
    },
    { problems: false },
  );
});
