// "Inside the network": the four wasm-drawn charts after a short CPU run, hover read-outs, the
// pre/post switch, PNG, SVG and CSV/JSON downloads, and the page as a lecturer would project it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pageForFile, openPage, waitReady, setForm, waitState, screenshot, sleep, ARTIFACTS } from './helpers.mjs';
import { assertNoProblems } from './helpers.mjs';

const CANVASES = ['chart-loss', 'chart-activations', 'chart-gradients', 'chart-health'];

const shared = pageForFile({ webgpu: false });

/** Share of a canvas's pixels that are neither white nor transparent (read in the engine worker, which owns the canvas). */
function inkShare(page, id) {
  return page.evaluate((id) => window.playground.engine.ink(id), id);
}

/** The layout of the chart drawn on canvas `id` (side a). */
const KEY = {
  'chart-loss': 'loss',
  'chart-activations': 'activations',
  'chart-gradients': 'gradients',
  'chart-health': 'health',
};

/** Hovers the middle of a panel (by its layout id) and returns the tooltip's text. */
async function hoverPanel(page, canvasId, side, chartKey, panelId, fx = 0.6, fy = 0.5) {
  await page.locator(`#${canvasId}`).scrollIntoViewIfNeeded();
  const point = await page.evaluate(
    ({ canvasId, side, chartKey, panelId, fx, fy }) => {
      const layout = window.playground.chartLayouts[side][chartKey];
      const panel = layout.panels.find((p) => p.id === panelId);
      const c = document.getElementById(canvasId);
      const r = c.getBoundingClientRect();
      const k = c.clientWidth / layout.width;
      return {
        x: r.left + c.clientLeft + (panel.left + fx * (panel.right - panel.left)) * k,
        y: r.top + c.clientTop + (panel.top + fy * (panel.bottom - panel.top)) * k,
      };
    },
    { canvasId, side, chartKey, panelId, fx, fy },
  );
  // Away first, so the read-out that appears is this position's (the engine answers asynchronously).
  await page.mouse.move(2, 2);
  await page.waitForFunction(() => document.getElementById('chart-tip')?.hidden !== false, null, { timeout: 5_000 });
  await page.mouse.move(point.x - 5, point.y - 5);
  await page.mouse.move(point.x, point.y, { steps: 3 });
  await page.waitForFunction(
    (id) => {
      const tip = document.getElementById('chart-tip');
      return tip && !tip.hidden && tip.dataset.panel === id;
    },
    panelId,
    { timeout: 10_000 },
  );
  await new Promise((r) => setTimeout(r, 150)); // the last pointer position's answer
  return page.textContent('#chart-tip');
}

/** Every setting, with the values the run below trains with. */
const SETTINGS = {
  dataset: 'mnist-subset',
  acts: 'relu,sigmoid,relu',
  bn: 'none',
  lr: '0.01',
  momentum: '0.5',
  batch: '32',
  epochs: '1',
  seed: '1',
  backend: 'cpu',
  stats: '10',
};

test('before any training the exports are disabled: no error, no empty file', async () => {
  const { page } = shared.session;
  // The empty charts are drawn (their trainers exist, with nothing recorded).
  await page.waitForFunction(() => window.playground.chartLayouts.a.loss?.empty === true, null, { timeout: 15_000 });
  for (const selector of ['#dl-csv', '#dl-json', 'figure[data-chart="loss"][data-side="a"] .save-png'])
    assert.equal(await page.isDisabled(selector), true, `${selector} waits for a run`);
  assert.equal(await page.isVisible('#error-banner'), false);
});

test('after a short CPU run every chart has drawn content, sharp on the canvas backing store', async () => {
  const { page, problems } = shared.session;
  await setForm(page, { acts: ['relu', 'sigmoid', 'relu'], epochs: '1', stats: '10', backend: 'cpu' });
  await page.click('#t-play');
  await page.waitForFunction(() => (window.playground.progress?.step ?? 0) >= 60, null, { timeout: 60_000 });
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  await page.waitForFunction(
    () => {
      const l = window.playground.chartLayouts.a;
      return ['loss', 'activations', 'gradients', 'health'].every((k) => l[k] && !l[k].empty && l[k].panels.length > 0);
    },
    null,
    { timeout: 30_000 },
  );
  for (const id of CANVASES) {
    const share = await inkShare(page, id);
    assert.ok(share > 0.02, `#${id}: only ${(100 * share).toFixed(2)}% of its pixels are drawn`);
    const size = await page.evaluate(
      ({ id, key }) => {
        const c = document.getElementById(id);
        const layout = window.playground.chartLayouts.a[key];
        return { w: layout.width, h: layout.height, cw: c.clientWidth, ch: c.clientHeight };
      },
      { id, key: KEY[id] },
    );
    assert.equal(size.w, Math.round(size.cw), `#${id}: backing store = CSS width × devicePixelRatio (1)`);
    assert.equal(size.h, Math.round(size.ch));
  }
  const ids = await page.evaluate(() =>
    Object.fromEntries(
      Object.entries(window.playground.chartLayouts.a).map(([k, l]) => [k, l.panels.map((p) => p.id)]),
    ),
  );
  assert.deepEqual(ids.loss, ['loss', 'accuracy']);
  assert.deepEqual(ids.activations, ['hist-1', 'bands-1', 'hist-2', 'bands-2', 'hist-3', 'bands-3']);
  // The gradient size by depth sits beside the norms and the ratio over time.
  assert.deepEqual(ids.gradients, ['grad', 'ratio', 'depth']);
  assert.deepEqual(ids.health, ['dead', 'saturated']);
  assertNoProblems(problems);
});

test('hovering a chart shows the recorded value under the cursor', async () => {
  const { page } = shared.session;
  const loss = await hoverPanel(page, 'chart-loss', 'a', 'loss', 'loss');
  assert.match(loss, /Step \d+/);
  assert.match(loss, /train \(smoothed\)\s*\d+\.\d+/);
  const acc = await hoverPanel(page, 'chart-loss', 'a', 'loss', 'accuracy');
  assert.match(acc, /\d+\.\d%/);
  const grad = await hoverPanel(page, 'chart-gradients', 'a', 'gradients', 'grad');
  assert.match(grad, /layer 1 · relu\s*[\d.e+-]+/);
  assert.match(grad, /output · relu/);
  const bands = await hoverPanel(page, 'chart-activations', 'a', 'activations', 'bands-2');
  assert.match(bands, /layer 2 · sigmoid/);
  assert.match(bands, /median\s*0\.\d+/);
  const hist = await hoverPanel(page, 'chart-activations', 'a', 'activations', 'hist-1', 0.5, 0.5);
  assert.match(hist, /values in \[/);
  assert.match(hist, /after the activation/);
  const dead = await hoverPanel(page, 'chart-health', 'a', 'health', 'dead');
  assert.match(dead, /images with all outputs 0\s*\d+\.\d%/);
  // The read-out is what the history says at that step: the batch loss of the step in the title.
  const lossTip = await hoverPanel(page, 'chart-loss', 'a', 'loss', 'loss', 0.3, 0.5);
  // The cursor line stands where the values come from (the recorded step, near the pointer at
  // 30% of the panel), from the panel's top to its bottom; in CSS pixels of the canvas.
  const cursor = await page.evaluate(() => {
    const layout = window.playground.chartLayouts.a.loss;
    const panel = layout.panels.find((p) => p.id === 'loss');
    const c = document.getElementById('chart-loss');
    const k = c.clientWidth / layout.width;
    const r = c.getBoundingClientRect();
    const line = /** @type {HTMLElement} */ (c.parentElement.querySelector('.chart-cursor'));
    const at = line.getBoundingClientRect();
    const [left, top] = [r.left + c.clientLeft, r.top + c.clientTop];
    return {
      hidden: line.hidden,
      x: (at.left - left) / k,
      top: (at.top - top) / k,
      bottom: (at.top + at.height - top) / k,
      panel: { left: panel.left, right: panel.right, top: panel.top, bottom: panel.bottom },
    };
  });
  const { panel } = cursor;
  assert.equal(cursor.hidden, false);
  const pointer = panel.left + 0.3 * (panel.right - panel.left);
  assert.ok(Math.abs(cursor.x - pointer) < 0.05 * (panel.right - panel.left), `cursor ${JSON.stringify(cursor)}`);
  assert.ok(Math.abs(cursor.top - panel.top) < 2 && Math.abs(cursor.bottom - panel.bottom) < 2, JSON.stringify(cursor));
  const step = Number(/Step ([\d,]+)/.exec(lossTip)[1].replace(/,/g, ''));
  const shown = Number(/this batch\s*([\d.]+)/.exec(lossTip)[1]);
  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#dl-json')]);
  const history = JSON.parse(await readFile(await json.path(), 'utf8'));
  const record = history.steps.find((s) => s.step === step);
  assert.ok(record, `step ${step} is recorded`);
  assert.equal(shown, Number(record.loss.toFixed(4)), `hover shows the recorded loss of step ${step}`);
  const gradTip = await hoverPanel(page, 'chart-gradients', 'a', 'gradients', 'grad', 0.5, 0.5);
  const probeStep = Number(/Step ([\d,]+)/.exec(gradTip)[1].replace(/,/g, ''));
  const probe = history.probes.find((p) => p.step === probeStep);
  assert.ok(probe, `a probe at step ${probeStep}`);
  const first = /layer 1 · relu\s*([\d.e+-]+)/.exec(gradTip)[1];
  const expected = probe.layers[0].gradNorm;
  assert.ok(
    Math.abs(Number(first) - expected) <= 1e-4 * Math.max(1, Math.abs(expected)) + 0.01 * Math.abs(expected),
    `gradient norm ${first} vs recorded ${expected}`,
  );
  await page.mouse.move(2, 2);
  await page.waitForFunction(() => document.getElementById('chart-tip').hidden);
});

test('the activation chart switches between before and after the activation', async () => {
  const { page } = shared.session;
  const drawn = await page.getAttribute('#chart-activations', 'data-drawn');
  await page.click('#act-stage label:has(input[value="pre"])');
  await page.waitForFunction((n) => document.getElementById('chart-activations').dataset.drawn !== n, drawn);
  const pre = await hoverPanel(page, 'chart-activations', 'a', 'activations', 'hist-2', 0.5, 0.5);
  assert.match(pre, /before the activation/);
  // Before a sigmoid the values are not confined to (0, 1): the x range differs.
  await page.keyboard.press('p');
  await page.waitForFunction(() => document.querySelector('#act-stage input[value="post"]').checked);
  await page.mouse.move(2, 2);
});

test('each chart saves as PNG and SVG; the statistics download as CSV and JSON', async () => {
  const { page } = shared.session;
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.click('figure[data-chart="loss"][data-side="a"] .save-png'),
  ]);
  // The file name names every setting (and the step); the caption under the chart adds rows.
  assert.match(
    png.suggestedFilename(),
    /^activation-playground_relu-sigmoid-relu_bn-none_mnist-subset_lr-0\.01_momentum-0\.5_batch-32_epochs-1_seed-1_cpu_stats-10_step-\d+_loss-accuracy\.png$/,
  );
  const bytes = await readFile(await png.path());
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG file');
  assert.ok(bytes.length > 5_000, `PNG of ${bytes.length} bytes`);
  await writeFile(join(ARTIFACTS, 'export-loss-accuracy.png'), bytes);
  const chart = await page.evaluate(() => {
    const l = window.playground.chartLayouts.a.loss;
    return { w: l.width, h: l.height };
  });
  const [width, height] = [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  assert.equal(width, chart.w, 'the chart at its own width');
  assert.ok(
    height >= chart.h + 3 * 14,
    `a caption of at least three lines below the ${chart.h}-pixel chart (PNG is ${height} tall)`,
  );

  const [act] = await Promise.all([
    page.waitForEvent('download'),
    page.click('figure[data-chart="activations"][data-side="a"] .save-png'),
  ]);
  assert.match(act.suggestedFilename(), /_seed-1_cpu_stats-10_step-\d+_activations-post\.png$/);

  // Every chart also saves as SVG: the same name with .svg, a document the browser parses, at the
  // chart's size, its text as text (the native test checks the text boxes match the canvas's).
  for (const [key, what] of [
    ['loss', 'loss-accuracy'],
    ['activations', 'activations-post'],
    ['gradients', 'gradients'],
    ['health', 'health'],
  ]) {
    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      page.click(`figure[data-chart="${key}"][data-side="a"] .save-svg`),
    ]);
    assert.match(svg.suggestedFilename(), new RegExp(`_seed-1_cpu_stats-10_step-\\d+_${what}\\.svg$`));
    const source = await readFile(await svg.path(), 'utf8');
    assert.ok(source.startsWith('<svg'), `${key}: starts with ${JSON.stringify(source.slice(0, 20))}`);
    await writeFile(join(ARTIFACTS, `export-${what}.svg`), source);
    const parsed = await page.evaluate(
      ([source, key]) => {
        const doc = new DOMParser().parseFromString(source, 'image/svg+xml');
        const l = window.playground.chartLayouts.a[key];
        const texts = [...doc.querySelectorAll('text')].map((t) => t.textContent);
        const root = doc.documentElement;
        const size = [root.getAttribute('width'), root.getAttribute('height')].map(Number);
        return { error: doc.querySelector('parsererror')?.textContent ?? null, root: root.localName, size, texts, l };
      },
      [source, key],
    );
    assert.equal(parsed.error, null, `${key}: the SVG parses`);
    assert.equal(parsed.root, 'svg');
    assert.deepEqual(parsed.size, [parsed.l.width, parsed.l.height], `${key}: at the chart's size`);
    assert.ok(parsed.texts.length > 10 && parsed.texts.every((t) => t.trim()), `${key}: ${parsed.texts.length} texts`);
  }

  const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#dl-csv')]);
  assert.match(csv.suggestedFilename(), /_seed-1_cpu_stats-10_step-\d+_statistics\.csv$/);
  const text = await readFile(await csv.path(), 'utf8');
  const all = text.trim().split('\n');
  // Comment lines first: every setting as `# key=value`, then the share link.
  const comments = all.filter((l) => l.startsWith('#'));
  const pairs = Object.fromEntries(
    comments.map((l) => l.slice(1).trim().split(/=(.*)/s).slice(0, 2)).filter((p) => p.length === 2),
  );
  const { link, ...settings } = pairs;
  assert.deepEqual(settings, SETTINGS, 'the CSV names every setting of the run');
  const url = new URL(link);
  assert.equal(
    url.origin + url.pathname,
    await page.evaluate(() => location.href.replace(/[?#].*$/, '')),
    'the link points at this page',
  );
  assert.deepEqual(Object.fromEntries(url.searchParams), SETTINGS, 'the link reproduces the run');
  // The data rows still parse as before.
  const lines = all.filter((l) => !l.startsWith('#'));
  assert.equal(all.indexOf(lines[0]), comments.length, 'the comments come first');
  assert.equal(lines[0], 'record,step,layer,metric,value');
  assert.ok(
    lines.slice(1).every((l) => l.split(',').length === 5),
    'five fields per row',
  );
  assert.ok(
    lines.some((l) => /^probe,\d+,1,grad_norm,/.test(l)),
    'gradient norms per layer',
  );
  assert.ok(
    lines.some((l) => /^step,1,,loss,\d/.test(l)),
    'the loss of step 1',
  );

  const [json] = await Promise.all([page.waitForEvent('download'), page.click('#dl-json')]);
  assert.match(json.suggestedFilename(), /_statistics\.json$/);
  const history = JSON.parse(await readFile(await json.path(), 'utf8'));
  assert.ok(
    history.steps.length >= 60 && history.probes.length >= 6,
    `${history.steps.length} steps, ${history.probes.length} probes`,
  );
  const config = Object.fromEntries(
    Object.entries(history.config).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
  );
  // The JSON's config is the whole Config: also the network settings a link leaves out at the article's values.
  const { widths, init, gain, bias, loss, ...linked } = config;
  assert.deepEqual(linked, SETTINGS);
  assert.deepEqual(
    { widths, init, gain, bias, loss },
    { widths: '500,256', init: 'pytorch', gain: '1', bias: 'true', loss: 'nll' },
  );
  assert.equal(history.link, link, 'the JSON carries the same link');
  await screenshot(page, 'charts.png');
});

test('lecture mode on a 1920×1080 projector: charts fill the screen, type is big', async () => {
  const { page } = shared.session;
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.keyboard.press('l');
  await page.waitForFunction(() => document.body.classList.contains('lecture'));
  // The charts are redrawn at their new size.
  await page.waitForFunction(
    () => {
      const c = document.getElementById('chart-activations');
      const layout = window.playground.chartLayouts.a.activations;
      return layout && layout.width === c.clientWidth && c.clientHeight > 300;
    },
    null,
    { timeout: 10_000 },
  );
  await sleep(800);
  const geometry = await page.evaluate(() => {
    const r = (id) => document.getElementById(id).getBoundingClientRect();
    return {
      loss: r('chart-loss'),
      health: r('chart-health'),
      combo: getComputedStyle(document.getElementById('combo')).fontSize,
    };
  });
  assert.ok(geometry.health.bottom <= 1080 && geometry.health.right <= 1920, 'all four charts on screen');
  assert.ok(
    geometry.loss.width > 850 && geometry.loss.height > 330,
    `charts are large: ${geometry.loss.width}×${geometry.loss.height}`,
  );
  assert.ok(parseFloat(geometry.combo) >= 32, `combination in large type (${geometry.combo})`);
  await hoverPanel(page, 'chart-gradients', 'a', 'gradients', 'grad');
  await page.screenshot({ path: join(ARTIFACTS, 'lecture-1080p.png') });
  await page.mouse.move(2, 2);
  await page.keyboard.press('l');
  await page.setViewportSize({ width: 1360, height: 900 });
});

test('HiDPI (devicePixelRatio 2): backing store twice the CSS size, drawn at scale 2', async () => {
  const hi = await openPage(shared.env, '', { deviceScaleFactor: 2 });
  try {
    await waitReady(hi.page);
    // Before any run the charts show their empty states, drawn by wasm.
    await hi.page.waitForFunction(() => window.playground.chartLayouts.a.health?.empty === true, null, {
      timeout: 15_000,
    });
    await hi.page.waitForFunction(() => Object.keys(window.playground.chartLayouts.a).length === 4, null, {
      timeout: 15_000,
    });
    const sizes = await hi.page.evaluate(() =>
      [
        ['chart-loss', 'loss'],
        ['chart-activations', 'activations'],
        ['chart-gradients', 'gradients'],
        ['chart-health', 'health'],
      ].map(([id, key]) => {
        const c = document.getElementById(id);
        const layout = window.playground.chartLayouts.a[key];
        return [layout.width, Math.round(c.clientWidth * 2), layout.height, Math.round(c.clientHeight * 2)];
      }),
    );
    for (const [w, cw, h, ch] of sizes) assert.deepEqual([w, h], [cw, ch]);
    assert.equal(await hi.page.evaluate(() => window.playground.chartLayouts.a.loss.scale), 2);
  } finally {
    await hi.context.close();
  }
});
