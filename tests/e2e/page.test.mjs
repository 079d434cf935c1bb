// The page itself: defaults, validation, divergence. WebGPU is enabled (as in a normal browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pageForFile, openPage, waitReady, setForm, formValues, state, waitState, screenshot } from './helpers.mjs';

const shared = pageForFile({ webgpu: true });

test('loads with the article defaults, the data and no console errors', async () => {
  const { page, problems } = shared.session;
  assert.equal(await state(page), 'idle');
  const values = await formValues(page, ['act1', 'act2', 'act3', 'bn', 'lr', 'momentum', 'batch', 'epochs', 'seed']);
  assert.deepEqual(values, {
    act1: 'relu',
    act2: 'sigmoid',
    act3: 'relu',
    bn: 'none',
    lr: '0.01',
    momentum: '0.5',
    batch: '32',
    epochs: '10',
    seed: '1',
  });
  assert.equal(await page.isChecked('#backend-gpu'), true, 'WebGPU is the default backend');
  assert.equal(await page.isVisible('#gpu-notice'), false, 'no fallback notice when WebGPU works');
  assert.match(await page.textContent('#adapter-name'), /WebGPU/);
  assert.match(await page.textContent('#data-summary'), /7,996 training and 2,004 test images/);
  assert.equal(await page.locator('#samples canvas').count(), 20);
  assert.equal(await page.isVisible('#error-banner'), false);
  for (const id of ['chart-loss', 'chart-activations', 'chart-gradients', 'chart-health']) {
    assert.equal(await page.locator(`canvas#${id}`).count(), 1, `placeholder #${id}`);
  }
  assert.equal(await page.isEnabled('#t-play'), true);
  await screenshot(page, 'page-loaded.png');
  assert.deepEqual(problems, []);
});

test('invalid settings are refused with clear messages next to the fields', async () => {
  const { page } = shared.session;
  await setForm(page, { lr: '0', batch: '0' });
  await page.click('#t-play');
  await page.waitForFunction(() => document.getElementById('err-lr').textContent !== '');
  assert.equal(await state(page), 'idle', 'no run starts');
  assert.match(await page.textContent('#err-lr'), /learning rate must be > 0/);
  assert.match(await page.textContent('#err-batch'), /batch size must be between 1 and/);
  assert.equal(await page.getAttribute('#lr', 'aria-invalid'), 'true');
  await setForm(page, { epochs: 'ten', momentum: '1.5' });
  await page.click('#t-play');
  await page.waitForFunction(() => document.getElementById('err-epochs').textContent !== '');
  assert.match(await page.textContent('#err-epochs'), /whole number/);
  assert.match(await page.textContent('#err-momentum'), /momentum must be in \[0, 1\)/);
  await screenshot(page, 'invalid-settings.png');
  // Fixing them clears the messages.
  await setForm(page, { lr: '0.01', batch: '32', epochs: '10', momentum: '0.5' });
  await page.waitForFunction(() => [...document.querySelectorAll('.field-error')].every((e) => e.textContent === ''));
  assert.equal(await state(page), 'idle');
});

test('a diverging run (lr 10) is stopped and reported without a crash', async () => {
  const { page, problems } = shared.session;
  await setForm(page, { acts: ['relu', 'relu', 'relu'], lr: '10', epochs: '1', backend: 'cpu' });
  await page.click('#t-play');
  const final = await waitState(page, ['diverged', 'finished', 'error'], 60_000);
  assert.equal(final, 'diverged', `state: ${final}; status: ${await page.textContent('#status-text')}`);
  const status = await page.textContent('#status-text');
  assert.match(status, /diverged at step \d+/);
  assert.match(status, /smaller learning rate/);
  assert.equal(await page.isVisible('#error-banner'), false, 'no error banner for a diverged run');
  assert.equal(await page.isEnabled('#t-play'), true, 'a new run can be started');
  assert.equal(await page.isEnabled('#lr'), true, 'the settings are editable again');
  // The last finite loss of a run at lr 10 is huge: read out in exponent form, inside its card.
  const loss = await page.$eval('#stat-loss', (e) => {
    const text = document.createRange();
    text.selectNodeContents(e);
    return {
      text: e.textContent,
      fits: text.getBoundingClientRect().right <= e.parentElement.getBoundingClientRect().right,
    };
  });
  assert.doesNotMatch(loss.text, /\d{7}/, `a short loss read-out, got ${loss.text}`);
  assert.ok(loss.fits, `the loss read-out ${loss.text} fits its card`);
  assert.doesNotMatch(await page.textContent('#readout'), /\d{7}/, 'a short loss in the header');
  await screenshot(page, 'diverged.png');
  assert.deepEqual(problems, []);
});

test('a share link fills the form; bad values in it are named, the rest applies', async () => {
  const good = await openPage(
    shared.env,
    '?acts=selu,tanh,sigmoid&bn=last&lr=0.1&batch=64&epochs=3&seed=7&backend=cpu',
  );
  try {
    await waitReady(good.page);
    const values = await formValues(good.page, ['act1', 'act2', 'act3', 'bn', 'lr', 'batch', 'epochs', 'seed']);
    assert.deepEqual(values, {
      act1: 'selu',
      act2: 'tanh',
      act3: 'sigmoid',
      bn: 'last',
      lr: '0.1',
      batch: '64',
      epochs: '3',
      seed: '7',
    });
    assert.equal(await good.page.isChecked('#backend-cpu'), true);
    assert.equal(await good.page.isVisible('#link-notice'), false);
    assert.deepEqual(good.problems, []);
  } finally {
    await good.context.close();
  }

  const bad = await openPage(shared.env, '?lr=abc&acts=relu,gelu,relu&seed=5&preset=selu');
  try {
    await waitReady(bad.page);
    assert.equal(await bad.page.isVisible('#link-notice'), true);
    const message = await bad.page.textContent('#link-notice');
    assert.match(message, /lr: /);
    assert.match(message, /gelu/);
    assert.equal(await bad.page.inputValue('#seed'), '5', 'the valid setting still applies');
    assert.equal(await bad.page.inputValue('#act1'), 'selu', 'the preset applies where the link was bad');
    assert.equal(await bad.page.inputValue('#preset'), 'selu');
    assert.match(await bad.page.textContent('#preset-description'), /SELU|selu/);
    await screenshot(bad.page, 'share-link-errors.png');
  } finally {
    await bad.context.close();
  }
});
