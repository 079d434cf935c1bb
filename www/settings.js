// The settings form. Built from the wasm settings table: each setting has one name, used alike
// for the form element (its `name`), the JSON, the share link and every message. The form is
// read as text and checked once, in Rust (configFromSettings); JS neither parses numbers nor
// edits JSON, and shows the messages next to the fields they name.

import { app, $ } from './state.js';
import * as compare from './compare.js';
import * as datasets from './datasets.js';

export const ACT_IDS = ['act1', 'act2', 'act3'];
/** The element that gets aria-invalid for a setting's error. */
const FIELD_INPUT = { acts: 'act1', backend: 'backend-gpu' };

/** @param {string} name */
function choices(name) {
  return app.settings.find((s) => s.name === name)?.choices ?? [];
}

/** Fills the activation and BatchNorm selects (A and B) from the settings table. */
export function buildForm() {
  const fill = (/** @type {string[]} */ ids, /** @type {[string, string][]} */ options) => {
    for (const id of ids) {
      const select = $(id);
      select.textContent = '';
      for (const [value, label] of options) {
        const option = document.createElement('option');
        option.value = value;
        option.textContent = label;
        select.append(option);
      }
    }
  };
  fill([...ACT_IDS, ...compare.ACT_IDS], choices('acts'));
  fill(['bn', 'b-bn'], choices('bn'));
}

/** The form as `[name, text]` pairs, in the table's order. */
function formPairs() {
  return /** @type {[string, string][]} */ (app.settings.map(({ name }) => {
    if (name === 'dataset') return [name, datasets.currentKind()];
    if (name === 'acts') return [name, ACT_IDS.map((id) => $(id).value).join(',')];
    if (name === 'backend') return [name, /** @type {any} */ (document.querySelector('input[name="backend"]:checked'))?.value ?? 'gpu'];
    return [name, $(name).value];
  }));
}

/**
 * Checks `[name, text]` pairs in Rust. Returns {config, json, errors}: `config` has every valid
 * setting (a wrong one keeps its default) and `errors` names each problem.
 * @param {[string, string][]} pairs
 */
function check(pairs) {
  const { config, errors } = JSON.parse(app.wasm.configFromSettings(JSON.stringify(pairs)));
  return { config, json: JSON.stringify(config), errors };
}

export function readForm() {
  return check(formPairs());
}

/** What Rust says about a configuration: its settings as text, titles, layer sizes. */
export function describe(config) {
  return JSON.parse(app.wasm.describeConfig(JSON.stringify(config)));
}

/** Shows a configuration in the form (the text of each setting comes from Rust). */
export function writeForm(config) {
  const { settings } = describe(config);
  for (const [name, text] of settings) {
    if (name === 'dataset') continue;
    if (name === 'acts') text.split(',').forEach((act, i) => { $(ACT_IDS[i]).value = act; });
    else if (name === 'backend') {
      const wanted = text === 'gpu' && app.gpu.status === 'unavailable' ? 'cpu' : text;
      $(`backend-${wanted}`).checked = true;
    } else $(name).value = text;
  }
  updateNetworkDiagram();
}

function clearFieldErrors() {
  for (const el of document.querySelectorAll('.field-error')) {
    if (!el.id.startsWith('err-b-')) el.textContent = '';
  }
  for (const el of document.querySelectorAll('#settings-fields [aria-invalid]')) {
    if (!/^b-/.test(el.id)) el.removeAttribute('aria-invalid');
  }
}

/** @param {{field: string, message: string}[]} errors */
function showFieldErrors(errors) {
  clearFieldErrors();
  for (const { field, message } of errors) {
    const target = $(`err-${field}`) ?? $('err-config');
    const text = target.id === 'err-config' && field !== 'config' ? `${field}: ${message}` : message;
    target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
    const input = $(FIELD_INPUT[field] ?? field);
    input?.setAttribute('aria-invalid', 'true');
    if (field === 'acts') for (const id of ACT_IDS) $(id).setAttribute('aria-invalid', 'true');
  }
}

/**
 * Validates the form (A and, when comparing, B), shows the messages, and returns
 * {config, json, b: {config, json} | null}, or null while anything is wrong.
 */
export function validateForm() {
  const pairs = formPairs();
  const a = check(pairs);
  showFieldErrors(a.errors);
  let b = null;
  let bErrors = [];
  if (compare.isOn()) {
    const checked = check([...pairs, ...compare.pairs()]);
    // B's own fields only: A's messages already name the rest.
    bErrors = checked.errors.filter((e) => compare.B_FIELDS.includes(e.field));
    b = { config: checked.config, json: checked.json };
  }
  compare.showErrors(bErrors);
  updateCombo(a.config, b?.config);
  return a.errors.length || bErrors.length ? null : { config: a.config, json: a.json, b };
}

/** The combination being trained, in words: the chart toolbar's title (big in lecture mode). */
function updateCombo(config, configB) {
  const a = describe(config);
  const el = $('combo');
  el.textContent = '';
  if (configB) {
    const b = describe(configB);
    const tag = (/** @type {string} */ side) => {
      const t = document.createElement('b');
      t.className = `ab-tag ab-${side}`;
      t.textContent = side.toUpperCase();
      return t;
    };
    const vs = document.createElement('span');
    vs.className = 'combo-vs';
    vs.textContent = 'vs';
    el.append(tag('a'), ` ${a.short} `, vs, ' ', tag('b'), ` ${b.short}`);
    $('ab-head-a').querySelector('span').textContent = `${a.describe} · lr ${config.lr}`;
    $('ab-head-b').querySelector('span').textContent = `${b.describe} · lr ${configB.lr}`;
    $('ab-row-a').querySelector('.ab-name').textContent = a.describe;
    $('ab-row-b').querySelector('.ab-name').textContent = b.describe;
  } else {
    el.textContent = a.describe;
  }
}

/** The network diagram: layer sizes and BatchNorm chips from the configuration and the data. */
export function updateNetworkDiagram() {
  const { config } = readForm();
  const info = describe(config);
  const d = app.dataset;
  const input = d?.inputSize ?? 784;
  const w = d?.imageWidth ?? 28;
  const h = d?.imageHeight ?? 28;
  const channels = Math.round(input / (w * h));
  const sizes = [input, ...info.hidden, info.classes];
  const fmt = new Intl.NumberFormat('en-US');
  $('net-input').textContent = channels > 1
    ? `Input · ${w}×${h}×${channels} = ${fmt.format(input)} values (RGB)`
    : `Input · ${w}×${h} = ${fmt.format(input)} pixels`;
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.net-linear'))) {
    const i = Number(el.dataset.layer);
    el.textContent = `Linear ${sizes[i]} → ${sizes[i + 1]}`;
  }
  for (const chip of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.net-bn'))) chip.hidden = !info.bnLayers[Number(chip.dataset.layer)];
  const digits = /mnist/.test(d?.kind ?? 'mnist') && d?.kind !== 'fashion-mnist';
  $('net-output').textContent = `Softmax cross-entropy over ${info.classes} classes`;
  $('net-summary').textContent = `${input} ${channels > 1 ? 'values' : 'pixels'} → ${info.hidden.map((/** @type {number} */ n) => `Linear ${n}`).join(' → ')} → Linear ${info.classes} ${digits ? 'digits' : 'classes'}`;
  updatePresetSelection();
}

// ------------------------------------------------------------------------------ presets
export function renderPresets() {
  const box = $('presets');
  box.textContent = '';
  if (!app.presets.length) { box.hidden = true; return; }
  const label = document.createElement('label');
  label.className = 'preset-label';
  label.htmlFor = 'preset';
  label.textContent = 'Preset';
  const select = document.createElement('select');
  select.id = 'preset';
  const custom = document.createElement('option');
  custom.value = '';
  custom.textContent = 'Custom settings';
  select.append(custom);
  for (const p of app.presets) {
    const option = document.createElement('option');
    option.value = p.name;
    option.textContent = p.title ?? p.name;
    select.append(option);
  }
  const description = document.createElement('p');
  description.id = 'preset-description';
  description.className = 'preset-description';
  select.addEventListener('change', () => {
    const p = app.presets.find((x) => x.name === select.value);
    if (p) {
      // A preset sets the experiment, not the machine: keep the chosen backend.
      writeForm({ ...p.config, backend: $('backend-cpu').checked ? 'cpu' : 'gpu' });
      validateForm();
    }
    updatePresetSelection();
  });
  box.append(label, select, description);
}

/** The experiment's settings of a configuration (what a preset fixes), as comparable text. */
const experiment = (/** @type {any} */ c) => JSON.stringify([c.acts, c.bn, c.lr, c.momentum, c.batch]);

export function updatePresetSelection() {
  const select = $('preset');
  if (!select) return;
  const { config } = readForm();
  const key = experiment(config);
  const current = app.presets.find((p) => p.name === select.value);
  const match = current && experiment(current.config) === key ? current : app.presets.find((p) => experiment(p.config) === key);
  select.value = match ? match.name : '';
  $('preset-description').textContent = match ? match.description ?? '' : '';
  // The preset's title beside the charts (what the lecturer is showing); A's only when comparing.
  const note = $('combo-note');
  if (note) note.textContent = match ? `Preset: ${match.title}${compare.isOn() ? ' (A)' : ''}` : '';
}
