// The Data card's view: what is loaded (counts per split and class, sample images), the file
// chooser, the notices, errors and the progress bar. `state` is datasets.js's.

import { KINDS, MNIST_NAMES, kindLabel } from './kinds.js';
import { $ } from '../dom.js';

const SAMPLES = 20;
const fmtInt = new Intl.NumberFormat('en-US');

/** {kind, inputSize, width, height, channels, trainCount, testCount} of a dataset summary. */
export function describe(/** @type {any} */ dataset) {
  const width = dataset.imageWidth;
  const height = dataset.imageHeight;
  const inputSize = dataset.inputSize;
  return {
    kind: dataset.kind,
    inputSize,
    width,
    height,
    channels: Math.round(inputSize / (width * height)),
    trainCount: dataset.trainCount,
    testCount: dataset.testCount,
  };
}

export function render(state) {
  renderPicker(state);
  const d = state.dataset;
  if (!d) return;
  const info = describe(d);
  const kind = KINDS[state.kind];
  const colour = info.channels === 3 ? 'colour' : 'grey';
  $('data-summary').textContent =
    `${kind.label} · ${fmtInt.format(info.trainCount)} training and ${fmtInt.format(info.testCount)} test images · ` +
    `${info.width}×${info.height} ${colour} (input ${fmtInt.format(info.inputSize)}) · ${state.source}`;
  $('ds-other').hidden = !!kind.bundled;
  renderClasses(d, kind.classes);
  renderSamples(d, kind, info);
}

export function renderPicker(state) {
  for (const label of document.querySelectorAll('.ds-kind')) {
    const value = label.querySelector('input')?.value;
    const tag = label.querySelector('.ds-kind-state');
    const inUse = state.dataset && state.kind === value;
    const loading = state.loadingKind === value;
    label.classList.toggle('is-loaded', !!inUse);
    if (tag) tag.textContent = loading ? 'loading…' : inUse ? 'in use' : '';
  }
}

function renderClasses(d, names) {
  const table = $('ds-classes');
  table.textContent = '';
  const counts = d.classCounts;
  const head = table.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.textContent = 'Class';
  corner.scope = 'col';
  head.append(corner);
  names.forEach((name) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    head.append(th);
  });
  const body = table.createTBody();
  for (const split of ['train', 'test']) {
    const row = body.insertRow();
    row.dataset.split = split;
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = split === 'train' ? 'Train' : 'Test';
    row.append(th);
    counts[split].forEach((count, i) => {
      const td = row.insertCell();
      td.textContent = fmtInt.format(count);
      td.dataset.class = String(i);
    });
  }
  table.hidden = false;
}

function renderSamples(d, kind, info) {
  const box = $('samples');
  box.textContent = '';
  box.classList.toggle('is-colour', info.channels === 3);
  const count = Math.min(SAMPLES, info.testCount, d.samples.length);
  for (let i = 0; i < count; i++) {
    const figure = document.createElement('div');
    figure.className = 'sample';
    const canvas = document.createElement('canvas');
    canvas.width = info.width;
    canvas.height = info.height;
    const { rgba, label: classIndex } = d.samples[i];
    canvas
      .getContext('2d')
      .putImageData(
        new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), info.width, info.height),
        0,
        0,
      );
    const label = document.createElement('span');
    const name = kind.classes[classIndex] ?? '?';
    label.textContent = name;
    label.title = name;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${kind.noun} ${name}`);
    figure.append(canvas, label);
    box.append(figure);
  }
}

/** Shows (kind) or hides (null) the file chooser with the names of the expected files. */
export function showChooser(state, kind = null, { other = false } = {}) {
  const panel = $('ds-files');
  if (!kind || KINDS[kind] == null || KINDS[kind].bundled) {
    panel.hidden = true;
    return;
  }
  const label = kindLabel(kind);
  const title = $('ds-files-title');
  title.textContent =
    other || (state.dataset && state.kind === kind) ? `Load other ${label} files` : `Choose or drop the ${label} files`;
  const note = $('ds-files-note');
  note.textContent =
    state.dataset && state.kind !== kind ? `Until they are loaded, training uses ${kindLabel(state.kind)}.` : '';
  const list = $('ds-expected');
  list.textContent = '';
  const item = (...parts) => {
    const li = document.createElement('li');
    for (const part of parts) {
      if (typeof part === 'string') li.append(part);
      else {
        const code = document.createElement('code');
        code.textContent = part.code;
        li.append(code);
      }
    }
    list.append(li);
  };
  if (kind === 'cifar10') {
    item(
      { code: 'data_batch_1.bin' },
      ' … ',
      { code: 'data_batch_5.bin' },
      ' (any of them) and ',
      { code: 'test_batch.bin' },
      ', each raw or ',
      { code: '.gz' },
    );
    item('or the archive ', { code: 'cifar-10-binary.tar.gz' }, ' as downloaded');
  } else {
    item(...MNIST_NAMES.flatMap((n, i) => [i ? ', ' : '', { code: n }]), ' — all four, each raw or ', { code: '.gz' });
  }
  const source = $('ds-source');
  source.textContent = `From ${KINDS[kind].source}.`;
  const serve = $('ds-serve');
  serve.textContent = '';
  const code = document.createElement('code');
  code.textContent = `npm run add-dataset -- ${kind} DIR`;
  serve.append(
    'Or make them part of the page: ',
    code,
    ' copies them to ',
    codeNode(`www/data/${kind}/`),
    ', then reload.',
  );
  panel.hidden = false;
}

function codeNode(textValue) {
  const code = document.createElement('code');
  code.textContent = textValue;
  return code;
}

/** The notice for a share link whose dataset must be supplied (null hides it). */
export function setNotice(kind) {
  const el = $('ds-notice');
  if (!kind) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  const label = kindLabel(kind);
  el.textContent = '';
  const strong = document.createElement('strong');
  strong.textContent = `This link trains on ${label}.`;
  el.append(
    strong,
    ` ${label} is not bundled with the page: choose the files below, or run `,
    codeNode(`npm run add-dataset -- ${kind} DIR`),
    ' where the page is served and reload. ▶ Play is enabled once they are loaded.',
  );
  el.hidden = false;
}

export function showError(title, detail = '') {
  $('ds-error-title').textContent = title;
  $('ds-error-text').textContent = detail;
  $('ds-error').hidden = false;
}

export function clearError() {
  $('ds-error').hidden = true;
  $('ds-error-title').textContent = '';
  $('ds-error-text').textContent = '';
}

export function showProgress(label, bytes, fraction) {
  $('ds-progress').hidden = false;
  $('ds-progress-text').textContent = label;
  $('ds-progress-bytes').textContent = bytes;
  const bar = $('ds-progress-bar');
  bar.classList.toggle('is-indeterminate', fraction == null);
  if (fraction == null) {
    bar.removeAttribute('aria-valuenow');
    $('ds-progress-fill').style.width = '';
  } else {
    bar.setAttribute('aria-valuenow', String(Math.round(100 * fraction)));
    $('ds-progress-fill').style.width = `${(100 * fraction).toFixed(1)}%`;
  }
}

export function hideProgress() {
  $('ds-progress').hidden = true;
}

// ------------------------------------------------------------------------------ utilities
export function mb(bytes) {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
