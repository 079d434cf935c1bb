// CIFAR-10 in the Data card from the real files in ../shared/data (never copied into the
// repository), all in one page: through the file input and the official archive; bad files are
// reported by name and the dataset in use stays. The engine worker streams the files into wasm
// (the page holds no copy): a restarted engine reads them again, and a newer choice stops a load
// in progress. Fresh pages (served folders, links, files gone): datasets-served.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, CIFAR_DIR, MNIST_DIR, skipWithoutShared, setup, openPage, waitReady, setForm } from './helpers.mjs';
import { waitState, progress, screenshot, realProblems, summary, waitSummary, cells } from './helpers.mjs';
import { configDataset, secs, firstSteps } from './helpers.mjs';

const CIFAR_FILES = [join(CIFAR_DIR, 'data_batch_1.bin.gz'), join(CIFAR_DIR, 'test_batch.bin.gz')];
const CIFAR_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const noCifar = skipWithoutShared(['cifar-10/data_batch_1.bin.gz', 'cifar-10/test_batch.bin.gz']);
const noMnist = skipWithoutShared(['mnist/train-images-idx3-ubyte.gz']);
const servedCifar = existsSync(join(ROOT, 'www', 'data', 'cifar10', 'manifest.json'));

let env;
let session;
let tmp;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ap-datasets-'));
  env = await setup({ webgpu: false });
  session = await openPage(env);
  await waitReady(session.page);
});
after(async () => {
  await session?.context.close().catch(() => {});
  await env?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Records what the Data card's progress bar showed while loading. */
async function watchProgress(page) {
  await page.evaluate(() => {
    window.__dsProgress = [];
    const seen = window.__dsProgress;
    const bar = document.getElementById('ds-progress-bar');
    const box = document.getElementById('ds-progress');
    new MutationObserver(() => {
      if (!box.hidden)
        seen.push({
          now: bar.getAttribute('aria-valuenow'),
          text: document.getElementById('ds-progress-text').textContent,
        });
    }).observe(box, { attributes: true, childList: true, subtree: true, characterData: true });
  });
}
test('CIFAR-10 from the file input: counts, classes, colour samples, input 3072, CPU training', {
  skip: noCifar,
}, async () => {
  const { page, problems } = session;
  assert.match(await summary(page), /^MNIST subset · 7,996 training and 2,004 test images/);
  await page.check('#ds-kind-cifar10');
  if (!servedCifar) {
    await page.waitForSelector('#ds-files', { state: 'visible', timeout: 10_000 });
    const expected = await page.textContent('#ds-expected');
    assert.match(expected, /data_batch_1\.bin … data_batch_5\.bin/);
    assert.match(expected, /test_batch\.bin/);
    assert.match(expected, /cifar-10-binary\.tar\.gz/);
    assert.match(await page.textContent('#ds-serve'), /npm run add-dataset -- cifar10 DIR/);
    assert.match(await page.textContent('#ds-files-note'), /training uses MNIST subset/);
    assert.equal(await configDataset(page), 'mnist-subset', 'the loaded dataset is still the one the config uses');
  }

  await watchProgress(page);
  const t0 = Date.now();
  await page.setInputFiles('#ds-input', CIFAR_FILES);
  await waitSummary(
    page,
    /^CIFAR-10 \(full\) · 10,000 training and 10,000 test images · 32×32 colour \(input 3,072\) · from your files/,
  );
  const loadSeconds = secs(t0);
  const seen = await page.evaluate(() => window.__dsProgress);
  assert.ok(
    seen.some(
      (s) =>
        s.now !== null &&
        Number(s.now) > 0 &&
        Number(s.now) < 100 &&
        /^Reading and decompressing (data_batch_1|test_batch)\.bin\.gz…$/.test(s.text),
    ),
    `the progress bar showed reading in between: ${JSON.stringify(seen.slice(0, 5))}`,
  );
  assert.ok(
    seen.some((s) => /^Parsing CIFAR-10/.test(s.text)),
    'a parsing step was shown',
  );
  assert.equal(await page.isVisible('#ds-progress'), false);
  assert.equal(await page.isVisible('#ds-error'), false);
  assert.equal(await page.isVisible('#ds-files'), false);

  // Per class: the test batch holds 1,000 of each, batch 1 between 937 and 1,032.
  const header = await page.$$eval('#ds-classes thead th', (ths) => ths.map((th) => th.textContent));
  assert.deepEqual(header, ['Class', ...CIFAR_NAMES]);
  assert.deepEqual(await cells(page, 'test'), Array(10).fill('1,000'));
  const train = (await cells(page, 'train')).map((t) => Number(t.replace(/,/g, '')));
  assert.equal(
    train.reduce((a, b) => a + b, 0),
    10_000,
  );
  assert.ok(
    train.every((n) => n >= 937 && n <= 1032),
    `train counts ${train}`,
  );

  // Samples: 20 colour images with class names as labels.
  const samples = await page.$$eval('#samples .sample', (figures) =>
    figures.map((f) => {
      const canvas = f.querySelector('canvas');
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i] !== px[i + 1] || px[i + 1] !== px[i + 2]) coloured++;
        if (px[i] + px[i + 1] + px[i + 2] > 30) lit++;
      }
      return {
        w: canvas.width,
        h: canvas.height,
        shown: canvas.getBoundingClientRect().width,
        label: f.querySelector('span').textContent,
        coloured,
        lit,
      };
    }),
  );
  assert.equal(samples.length, 20);
  for (const s of samples) {
    assert.equal(s.w, 32);
    assert.equal(s.h, 32);
    assert.ok(s.shown >= 64, `a sample is drawn ${s.shown}px wide`);
    assert.ok(CIFAR_NAMES.includes(s.label), s.label);
    assert.ok(s.lit > 100, 'the sample is not blank');
  }
  assert.ok(samples.filter((s) => s.coloured > 200).length >= 15, 'the samples are in colour');
  assert.equal(samples[0].label, 'cat', 'the first test image of CIFAR-10 is a cat');

  // The network and the config follow the dataset.
  assert.match(await page.textContent('.net .net-io'), /32×32×3 = 3,072/);
  assert.match(await page.textContent('.net .net-linear'), /Linear 3072 → 500/);
  assert.equal(await configDataset(page), 'cifar10');
  assert.match(await page.textContent('#ds-kind-cifar10 ~ .ds-kind-state'), /in use/);

  // A few real training steps on the CPU.
  await setForm(page, { acts: ['relu', 'relu', 'relu'], epochs: '1', backend: 'cpu', stats: '5' });
  const t1 = Date.now();
  await page.click('#t-play');
  await page
    .waitForFunction(() => (window.playground.progress?.step ?? 0) >= 8, null, { timeout: 60_000 })
    .catch(async (e) => {
      const seen = await page.evaluate(() => ({
        state: document.body.dataset.state,
        status: document.getElementById('status-text').textContent,
        error: document.getElementById('error-text').textContent,
        progress: window.playground.progress,
      }));
      throw new Error(`training did not get going: ${JSON.stringify(seen)} (${e.message})`);
    });
  assert.equal(await page.isDisabled('#ds-kind-mnist'), true, 'no dataset changes while training');
  const p = await progress(page);
  assert.ok(Number.isFinite(p.trainLoss), `the loss is finite: ${p.trainLoss}`);
  assert.equal(p.totalSteps, Math.ceil(10_000 / 32));
  await page.waitForFunction((s) => window.playground.progress.step > s, p.step, { timeout: 30_000 });
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  const stepSeconds = (Date.now() - t1) / 1000;
  const last = await progress(page);
  assert.ok(Number.isFinite(last.trainLoss) && last.trainLoss < 5, `loss ${last.trainLoss}`);
  assert.match(await page.textContent('#backend-name'), /CPU/);
  assert.equal(await page.isDisabled('#ds-kind-mnist'), false);
  await page.evaluate(() => window.scrollTo(0, 0));
  await screenshot(page, 'datasets-cifar.png');
  await page.locator('.card.data').screenshot({ path: join(ROOT, 'artifacts', 'datasets-cifar-card.png') });
  console.log(
    `# CIFAR-10 (2 × 28 MB .gz) read, gunzipped and parsed in ${loadSeconds} s; ${last.step} CPU steps in ${stepSeconds.toFixed(1)} s, loss ${last.trainLoss.toFixed(3)}`,
  );
  assert.deepEqual(realProblems(problems), []);
});

test('a restarted engine reads the chosen files again (the page keeps no copy of their bytes)', {
  skip: noCifar,
}, async () => {
  const { page } = session;
  const before = await summary(page);
  assert.match(before, /^CIFAR-10 \(full\) · 10,000 training and 10,000 test images/);
  await page.evaluate(() => window.playground.engine.kill('the engine was terminated by the test'));
  await page.waitForSelector('#engine-restart', { state: 'visible', timeout: 10_000 });
  await page.click('#engine-restart');
  await waitState(page, 'idle', 120_000);
  assert.equal(await summary(page), before);
  assert.equal(await page.isVisible('#ds-error'), false);
  const memory = (await page.evaluate(() => window.playground.engine.memory())).wasmBytes;
  assert.ok(memory > 20_000 * 3072, `the new engine holds the 61 MB of images again (wasm memory ${memory})`);
  // It trains on them: CIFAR-10's input and steps per epoch.
  await setForm(page, { acts: ['relu', 'relu', 'relu'], epochs: '1', backend: 'cpu' });
  assert.equal((await firstSteps(page, 2)).totalSteps, Math.ceil(10_000 / 32));
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
});

test('bad files are named and the dataset in use stays', { skip: noCifar || noMnist }, async () => {
  const { page } = session;
  const before = await summary(page);
  assert.match(before, /^CIFAR-10 \(full\) · 10,000 training/);
  const unchanged = async () => {
    assert.equal(await summary(page), before);
    assert.equal(await configDataset(page), 'cifar10');
    assert.deepEqual(await cells(page, 'test'), Array(10).fill('1,000'));
    assert.equal(await page.locator('#samples canvas').count(), 20);
  };
  const expectError = async (files, ...patterns) => {
    await page.evaluate(() => {
      document.getElementById('ds-error').hidden = true;
    });
    await page.setInputFiles('#ds-input', files);
    await page.waitForSelector('#ds-error', { state: 'visible', timeout: 60_000 });
    const title = await page.textContent('#ds-error-title');
    const detail = await page.textContent('#ds-error-text');
    assert.equal(
      title,
      'Could not load these CIFAR-10 (full) files; the CIFAR-10 (full) data loaded before stays in use.',
    );
    for (const re of patterns) assert.match(detail, re);
    assert.equal(await page.isVisible('#ds-progress'), false);
    await unchanged();
    return detail;
  };

  // A truncated download: the browser's gunzip fails.
  const truncated = join(tmp, 'test_batch.bin.gz');
  writeFileSync(truncated, readFileSync(join(CIFAR_DIR, 'test_batch.bin.gz')).subarray(0, 2_000_000));
  await expectError([truncated], /^test_batch\.bin\.gz: broken gzip data/, /truncated or corrupt/);

  // An MNIST label file given as CIFAR-10 (the Rust parser recognises it).
  await expectError(
    [join(MNIST_DIR, 'train-labels-idx1-ubyte.gz')],
    /train-labels-idx1-ubyte\.gz is an IDX file, i\.e\. MNIST or Fashion-MNIST, not CIFAR-10/,
  );

  // A batch of the wrong size.
  const wrongDir = mkdtempSync(join(tmp, 'wrong-'));
  writeFileSync(join(wrongDir, 'data_batch_1.bin'), Buffer.alloc(3073, 1));
  writeFileSync(join(wrongDir, 'test_batch.bin'), Buffer.alloc(3073 * 2 + 5, 2));
  await expectError(
    [join(wrongDir, 'data_batch_1.bin'), join(wrongDir, 'test_batch.bin')],
    /^test_batch\.bin: 6151 bytes is not a whole number of 3073-byte CIFAR-10 records/,
  );

  // Dropped on the card: a gzip header and nothing else.
  await page.evaluate(() => {
    document.getElementById('ds-error').hidden = true;
    const transfer = new DataTransfer();
    transfer.items.add(
      new File([new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x63])], 'dropped_test_batch.bin.gz'),
    );
    document
      .querySelector('.card.data')
      .dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  });
  await page.waitForSelector('#ds-error', { state: 'visible', timeout: 30_000 });
  assert.match(await page.textContent('#ds-error-text'), /^dropped_test_batch\.bin\.gz: broken gzip data/);
  await unchanged();

  // File names go in as text, never as HTML.
  const evil = join(wrongDir, '<img src=x onerror=window.__xss=1>.bin');
  writeFileSync(evil, Buffer.alloc(10));
  const detail = await expectError([evil], /<img src=x onerror=window\.__xss=1>\.bin/);
  assert.equal(await page.evaluate(() => window.__xss ?? null), null);
  assert.equal(await page.locator('#ds-error img').count(), 0, detail);
  await screenshot(page, 'datasets-error.png');
});

test('the official archive layout (cifar-10-binary.tar.gz) loads; one without a test batch is refused', {
  skip: noCifar,
}, async () => {
  const { page } = session;
  // A small archive in the official layout: the first 1,000 records of each batch.
  const records = (file) => gunzipSync(readFileSync(join(CIFAR_DIR, file))).subarray(0, 1000 * 3073);
  const root = mkdtempSync(join(tmp, 'tar-'));
  mkdirSync(join(root, 'cifar-10-batches-bin'));
  writeFileSync(join(root, 'cifar-10-batches-bin', 'data_batch_1.bin'), records('data_batch_1.bin.gz'));
  writeFileSync(join(root, 'cifar-10-batches-bin', 'test_batch.bin'), records('test_batch.bin.gz'));
  writeFileSync(join(root, 'cifar-10-batches-bin', 'batches.meta.txt'), `${CIFAR_NAMES.join('\n')}\n`);
  const archive = (name, members) => {
    const tarPath = join(root, `${name}.tar`);
    execFileSync('tar', ['-cf', tarPath, '-C', root, ...members]);
    const out = join(mkdtempSync(join(tmp, 'archive-')), 'cifar-10-binary.tar.gz');
    writeFileSync(out, gzipSync(readFileSync(tarPath), { level: 1 }));
    return out;
  };
  const good = archive('good', [
    'cifar-10-batches-bin/batches.meta.txt',
    'cifar-10-batches-bin/data_batch_1.bin',
    'cifar-10-batches-bin/test_batch.bin',
  ]);
  const noTest = archive('no-test', ['cifar-10-batches-bin/batches.meta.txt', 'cifar-10-batches-bin/data_batch_1.bin']);

  const before = await summary(page);
  await page.setInputFiles('#ds-input', [noTest]);
  await page.waitForSelector('#ds-error', { state: 'visible', timeout: 30_000 });
  assert.match(
    await page.textContent('#ds-error-text'),
    /^cifar-10-binary\.tar\.gz: the archive has no cifar-10-batches-bin\/test_batch\.bin/,
  );
  assert.equal(await summary(page), before);

  await page.setInputFiles('#ds-input', [good]);
  await waitSummary(page, /^CIFAR-10 \(full\) · 1,000 training and 1,000 test images · 32×32 colour/);
  assert.equal(await page.isVisible('#ds-error'), false);
  const train = (await cells(page, 'train')).map((t) => Number(t.replace(/,/g, '')));
  assert.equal(
    train.reduce((a, b) => a + b, 0),
    1000,
  );
  assert.equal(await page.textContent('#samples .sample span'), 'cat');
});

test('choosing another dataset while CIFAR-10 is being read stops that read; the choice is what loads', {
  skip: noCifar,
}, async () => {
  const { page, problems } = session;
  await page.check('#ds-kind-cifar10');
  await page.waitForFunction(() => /^CIFAR-10/.test(document.getElementById('data-summary').textContent), null, {
    timeout: 60_000,
  });
  const loads = async () => (await page.evaluate(() => window.playground.engine.memory())).datasetLoads;
  const before = await loads();
  await watchProgress(page);
  // Six 28 MB files (batch 1 under five names): seconds of reading.
  const dir = mkdtempSync(join(tmp, 'cancel-'));
  const files = [1, 2, 3, 4, 5].map((n) => join(dir, `data_batch_${n}.bin.gz`));
  for (const f of files) symlinkSync(join(CIFAR_DIR, 'data_batch_1.bin.gz'), f);
  files.push(join(CIFAR_DIR, 'test_batch.bin.gz'));
  await page.setInputFiles('#ds-input', files);
  await page.waitForFunction(
    // The first file: on a quiet machine the six files are read in about a second, and a later
    // one can be the last before the page chooses again.
    () => window.__dsProgress.some((s) => /^Reading and decompressing data_batch_1\.bin\.gz…$/.test(s.text)),
    null,
    { timeout: 60_000 },
  );
  await page.check('#ds-kind-mnist-subset');
  await waitSummary(page, /^MNIST subset · 7,996 training and 2,004 test images/);
  const after = await loads();
  assert.equal(
    after.stopped,
    before.stopped + 1,
    `the engine stopped reading CIFAR-10: ${JSON.stringify({ before, after })}`,
  );
  assert.equal(after.finished, before.finished + 1, 'only the subset finished loading');
  assert.equal(await page.isVisible('#ds-error'), false);
  assert.equal(await page.isVisible('#ds-progress'), false);
  assert.equal(await configDataset(page), 'mnist-subset');
  await setForm(page, { acts: ['relu', 'relu', 'relu'], epochs: '1', backend: 'cpu' });
  assert.equal((await firstSteps(page, 1)).totalSteps, Math.ceil(7_996 / 32), 'the engine trains on the subset');
  await page.click('#t-stop');
  await waitState(page, 'stopped', 30_000);
  assert.deepEqual(realProblems(problems), []);
});
