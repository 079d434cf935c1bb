// The Data card in fresh pages, with the real files in ../shared/data (never copied into the
// repository): a served folder (npm run add-dataset) and a link naming a dataset load without a
// file chooser or wait for the files (all of CIFAR-10 costs about its own size in wasm memory),
// and a restarted engine whose files are gone falls back to the bundled subset. CIFAR-10 from
// chosen files and archives in one page: datasets-files.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, CIFAR_DIR, MNIST_DIR, skipWithoutShared, setup, openPage, waitReady, setForm } from './helpers.mjs';
import { waitState, realProblems, summary, waitSummary, cells, configDataset, secs, firstSteps } from './helpers.mjs';
import { withPage } from './helpers.mjs';

const noCifar = skipWithoutShared(['cifar-10/data_batch_1.bin.gz', 'cifar-10/test_batch.bin.gz']);
const noMnist = skipWithoutShared(['mnist/train-images-idx3-ubyte.gz']);
const SERVED_MNIST = join(ROOT, 'www', 'data', 'mnist');
const servedCifar = existsSync(join(ROOT, 'www', 'data', 'cifar10', 'manifest.json'));
/** The most wasm memory the engine may have once it holds all of CIFAR-10 (184.4 MB of data). */
const WASM_LIMIT = 260e6;

let env;
let tmp;
let mnistBackup = null;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'ap-datasets-'));
  env = await setup({ webgpu: false });
});
after(async () => {
  await env?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  restoreServedMnist();
});

function restoreServedMnist() {
  rmSync(SERVED_MNIST, { recursive: true, force: true });
  if (mnistBackup && existsSync(mnistBackup)) renameSync(mnistBackup, SERVED_MNIST);
  mnistBackup = null;
}

test('a restarted engine that cannot read the chosen files again says so and falls back to the bundled subset', {
  skip: noCifar,
}, async () => {
  await withPage(
    env,
    '',
    async ({ page, problems }) => {
      await page.check('#ds-kind-cifar10');
      // Copies that can be taken away after loading (as a user might move or delete the files).
      const dir = mkdtempSync(join(tmp, 'gone-'));
      const files = ['data_batch_1.bin.gz', 'test_batch.bin.gz'].map((name) => {
        writeFileSync(join(dir, name), readFileSync(join(CIFAR_DIR, name)));
        return join(dir, name);
      });
      await page.setInputFiles('#ds-input', files);
      await waitSummary(page, /^CIFAR-10 \(full\) · 10,000 training and 10,000 test images/);
      rmSync(dir, { recursive: true, force: true });
      await page.evaluate(() => window.playground.engine.kill('the engine was terminated by the test'));
      await page.waitForSelector('#engine-restart', { state: 'visible', timeout: 10_000 });
      await page.click('#engine-restart');
      await waitState(page, 'idle', 120_000);
      await waitSummary(page, /^MNIST subset · 7,996 training and 2,004 test images/);
      assert.equal(await page.isVisible('#ds-error'), true);
      assert.match(
        await page.textContent('#ds-error-title'),
        /^The restarted engine could not read the CIFAR-10 \(full\) files again; choose them again\. MNIST subset is in use meanwhile\.$/,
      );
      assert.match(await page.textContent('#ds-error-text'), /^data_batch_1\.bin\.gz: could not read the file/);
      assert.equal(await configDataset(page), 'mnist-subset');
      await setForm(page, { acts: ['relu', 'relu', 'relu'], epochs: '1', backend: 'cpu' });
      assert.equal((await firstSteps(page, 1)).totalSteps, Math.ceil(7_996 / 32), 'the engine trains on the subset');
      await page.click('#t-stop');
      await waitState(page, 'stopped', 30_000);
      assert.deepEqual(
        realProblems(problems).filter((m) => !/could not read|NotReadable|NotFound/i.test(m)),
        [],
      );
    },
    { problems: false },
  );
});

test('a served folder (npm run add-dataset) loads MNIST without a file chooser', { skip: noMnist }, async () => {
  if (existsSync(SERVED_MNIST)) {
    mnistBackup = `${SERVED_MNIST}.e2e-backup-${process.pid}`;
    renameSync(SERVED_MNIST, mnistBackup);
  }
  try {
    const out = execFileSync(process.execPath, [join(ROOT, 'scripts', 'add-dataset.mjs'), 'mnist', MNIST_DIR], {
      encoding: 'utf8',
    });
    assert.match(out, /MNIST \(full\) → www\/data\/mnist\//);
    const manifest = JSON.parse(readFileSync(join(SERVED_MNIST, 'manifest.json'), 'utf8'));
    assert.deepEqual(manifest.files.map((f) => f.name).sort(), [
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
    ]);

    await withPage(
      env,
      '',
      async ({ page, problems }) => {
        await page.evaluate(() => {
          window.__chooserShown = false;
          const panel = document.getElementById('ds-files');
          new MutationObserver(() => {
            if (!panel.hidden) window.__chooserShown = true;
          }).observe(panel, { attributes: true });
        });
        const t0 = Date.now();
        await page.check('#ds-kind-mnist');
        await waitSummary(
          page,
          /^MNIST \(full\) · 60,000 training and 10,000 test images · 28×28 grey \(input 784\) · served from www\/data\/mnist\//,
        );
        const seconds = secs(t0);
        assert.equal(await page.evaluate(() => window.__chooserShown), false, 'no file chooser for a served dataset');
        assert.equal(await page.isVisible('#ds-error'), false);
        const test = (await cells(page, 'test')).map((t) => Number(t.replace(/,/g, '')));
        assert.equal(
          test.reduce((a, b) => a + b, 0),
          10_000,
        );
        assert.deepEqual(await page.$$eval('#samples .sample span', (s) => s.slice(0, 5).map((x) => x.textContent)), [
          '7',
          '2',
          '1',
          '0',
          '4',
        ]);
        assert.match(await page.textContent('.net .net-io'), /28×28 = 784 pixels/);
        assert.equal(await configDataset(page), 'mnist');
        assert.equal(await page.isEnabled('#t-play'), true);
        console.log(`# MNIST (60,000 + 10,000) loaded from www/data/mnist/ in ${seconds} s`);
        assert.deepEqual(realProblems(problems), []);
      },
      { problems: false },
    );

    // A link naming a served dataset loads it at once.
    const linked = await openPage(env, '?dataset=mnist');
    try {
      await waitReady(linked.page);
      assert.match(await summary(linked.page), /^MNIST \(full\) · 60,000 training/);
      assert.equal(await linked.page.isChecked('#ds-kind-mnist'), true);
      assert.equal(await linked.page.isEnabled('#t-play'), true);
      assert.deepEqual(realProblems(linked.problems), []);
    } finally {
      await linked.context.close();
    }
  } finally {
    restoreServedMnist();
  }
});

test('?dataset=cifar10 asks for the files; Start waits for them; all 5 batches (50,000 images) load', {
  skip: noCifar || (servedCifar && 'www/data/cifar10 is served here'),
}, async () => {
  await withPage(
    env,
    '?dataset=cifar10',
    async ({ page, problems }) => {
      assert.equal(await page.isChecked('#ds-kind-cifar10'), true);
      const notice = await page.textContent('#ds-notice');
      assert.match(notice, /^This link trains on CIFAR-10 \(full\)\./);
      assert.match(notice, /choose the files below, or run npm run add-dataset -- cifar10 DIR/);
      assert.equal(await page.isVisible('#ds-files'), true);
      assert.match(await page.textContent('#ds-expected'), /data_batch_1\.bin/);
      assert.equal(await page.isDisabled('#t-play'), true, 'Start waits for the files');
      assert.match(
        await page.textContent('#status-text'),
        /This link trains on CIFAR-10 \(full\): choose its files in the Data card to start\./,
      );
      assert.match(await summary(page), /No dataset loaded yet/);
      await page.locator('.card.data').screenshot({ path: join(ROOT, 'artifacts', 'datasets-link.png') });
      assert.equal(await configDataset(page), 'cifar10', 'a copied link keeps the dataset');

      // All five training batches (batch 1's real file under five names) and the test batch.
      const dir = mkdtempSync(join(tmp, 'five-'));
      const files = [1, 2, 3, 4, 5].map((n) => join(dir, `data_batch_${n}.bin.gz`));
      for (const f of files) symlinkSync(join(CIFAR_DIR, 'data_batch_1.bin.gz'), f);
      files.push(join(CIFAR_DIR, 'test_batch.bin.gz'));
      const t0 = Date.now();
      await page.setInputFiles('#ds-input', files);
      await waitSummary(page, /^CIFAR-10 \(full\) · 50,000 training and 10,000 test images/, 90_000);
      const seconds = secs(t0);
      assert.equal(await page.isVisible('#ds-notice'), false);
      assert.equal(await page.isEnabled('#t-play'), true);
      assert.match(await page.textContent('#status-text'), /^Ready\./);
      const train = (await cells(page, 'train')).map((t) => Number(t.replace(/,/g, '')));
      assert.equal(
        train.reduce((a, b) => a + b, 0),
        50_000,
      );
      assert.equal(await configDataset(page), 'cifar10');
      const memory = (await page.evaluate(() => window.playground.engine.memory())).wasmBytes;
      console.log(
        `# CIFAR-10 with 5 training batches (6 × 28 MB .gz) loaded in ${seconds} s; wasm memory ${(memory / 1e6).toFixed(0)} MB`,
      );
      // The 184 MB of images and labels sit in wasm memory once: the files' bytes are not kept
      // there beside them (the page's engine starts at ~25 MB; the old whole-file path needed ~3.5×).
      assert.ok(
        memory < WASM_LIMIT,
        `wasm memory ${(memory / 1e6).toFixed(0)} MB after loading all of CIFAR-10, over ${WASM_LIMIT / 1e6} MB`,
      );
      assert.deepEqual(realProblems(problems), []);
    },
    { problems: false },
  );
});
