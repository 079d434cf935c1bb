// The settings form. Built from the wasm settings table: each setting has one name, used alike
// for the form element (its `name`), the JSON, the share link and every message. The form is
// read as text and checked once, in Rust (configFromSettings); JS neither parses numbers nor
// edits JSON, and shows the messages next to the fields they name.

import { app, $ } from './state.js';
import * as compare from './compare.js';
import * as datasets from './datasets.js';
import { fillSelect, settingControl } from './controls.js';
import { choices, describe, updateCombo } from './combo.js';

export { describe };

/** The activation selects act1…actN of the layers shown now (N = the network's depth). */
export let ACT_IDS = ['act1', 'act2', 'act3'];
/** The width inputs width1…width(N−1) of the hidden layers (the output's width is the data's). */
let WIDTH_IDS = ['width1', 'width2'];
/** The element that gets aria-invalid for a setting's error. */
const FIELD_INPUT = { acts: 'act1', widths: 'width1', backend: 'backend-gpu' };

/** Replaces the options of the selects `ids` with `[value, label]` pairs. */
function fill(/** @type {string[]} */ ids, /** @type {[string, string][]} */ options) {
  for (const id of ids) fillSelect($(id), options);
}

/** Builds the form from the settings table: the fields, the layers and the depth choice (Rust's limit). */
export function buildForm() {
  // A group's box (`data-settings="training"`) gets a field for each setting the table puts in it.
  for (const group of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-settings]'))) {
    group.replaceChildren(
      ...app.settings
        .filter((s) => s.group === group.dataset.settings)
        .map((s) => {
          const box = document.createElement('div');
          box.className = 'field';
          box.dataset.setting = s.name;
          if (group.dataset.control) box.dataset.control = group.dataset.control;
          return box;
        }),
    );
  }
  for (const box of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-setting]')))
    buildField(box);
  const { maxLayers, headlineSteps } = JSON.parse(app.wasm.networkLimits());
  // The headline loss is what it says it is: not the chart's smoothed line, the recent steps' mean.
  app.headlineSteps = headlineSteps;
  $('stat-loss-sub').textContent = `mean of the last ${headlineSteps} steps`;
  fill(
    ['depth'],
    Array.from({ length: maxLayers }, (_, i) => [String(i + 1), String(i + 1)]),
  );
  renderLayers(3);
  $('depth').addEventListener('change', () => setDepth(Number($('depth').value)));
}

/**
 * One setting's field in `<div data-setting="name" [data-side="b"] [data-control="radio"]>`: its
 * label (the help as a tooltip), a select of its choices (or radios), or a text input, and the
 * line its error messages go to. Its element's name is the setting's (`b.` + it for B's).
 */
function buildField(/** @type {HTMLElement} */ box) {
  const setting = app.settings.find((s) => s.name === box.dataset.setting);
  if (!setting) throw new Error(`no setting ${box.dataset.setting}`);
  const b = box.dataset.side === 'b';
  const id = b ? `b-${setting.name}` : setting.name;
  const name = b ? `b.${setting.name}` : setting.name;
  const error = document.createElement('p');
  error.className = 'field-error';
  error.id = `err-${id}`;
  error.dataset.field = name;
  const title = document.createElement(box.dataset.control === 'radio' ? 'span' : 'label');
  title.className = 'label';
  title.id = `${id}-label`;
  title.textContent = b ? `B ${setting.label}` : setting.label;
  title.title = setting.help;
  let control;
  if (box.dataset.control === 'radio') {
    control = document.createElement('div');
    control.className = 'segmented';
    control.setAttribute('role', 'radiogroup');
    control.setAttribute('aria-labelledby', title.id);
    for (const [value, label] of setting.choices) {
      const option = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { type: 'radio', name, id: `${id}-${value}`, value });
      const text = document.createElement('span');
      text.textContent = label;
      option.append(input, text);
      control.append(option);
    }
    /** @type {HTMLInputElement} */ (control.querySelector('input')).checked = true;
  } else {
    control = settingControl(setting);
    Object.assign(control, { id, name });
    control.setAttribute('aria-describedby', error.id);
    /** @type {HTMLLabelElement} */ (title).htmlFor = id;
  }
  box.replaceChildren(title, control, error);
}

/**
 * Draws one row per Linear layer between the input and the output: the layer's width (hidden
 * layers only) and its activation, ids width1…, act1…; the values of rows that stay are kept.
 */
function renderLayers(depth) {
  const net = $('net');
  const keep = new Map(
    [...net.querySelectorAll('select, input')].map((el) => [el.id, /** @type {HTMLInputElement} */ (el).value]),
  );
  for (const row of [...net.querySelectorAll('.net-layer')]) row.remove();
  const output = $('net-output');
  ACT_IDS = [];
  WIDTH_IDS = [];
  for (let i = 0; i < depth; i++) {
    const last = i === depth - 1;
    const li = document.createElement('li');
    li.className = last ? 'net-layer net-out' : 'net-layer';
    const linear = document.createElement('span');
    linear.className = 'net-linear';
    linear.dataset.layer = String(i);
    const bn = document.createElement('span');
    bn.className = 'net-bn';
    bn.dataset.layer = String(i);
    bn.hidden = true;
    bn.textContent = 'BatchNorm';
    li.append(linear, bn);
    if (!last) {
      const label = document.createElement('label');
      label.className = 'net-width';
      const span = document.createElement('span');
      span.textContent = `units ${i + 1}`;
      const input = document.createElement('input');
      input.id = `width${i + 1}`;
      input.name = 'widths';
      input.type = 'text';
      input.inputMode = 'numeric';
      input.size = 5;
      input.spellcheck = false;
      input.setAttribute('aria-describedby', 'err-widths');
      label.append(span, input);
      li.append(label);
      WIDTH_IDS.push(input.id);
    }
    const label = document.createElement('label');
    label.className = 'net-act';
    const span = document.createElement('span');
    span.textContent = last ? `activation ${i + 1} (output)` : `activation ${i + 1}`;
    const select = document.createElement('select');
    select.id = `act${i + 1}`;
    select.name = 'acts';
    select.setAttribute('aria-describedby', 'err-acts');
    label.append(span, select);
    li.append(label);
    output.before(li);
    ACT_IDS.push(select.id);
  }
  fill(ACT_IDS, choices('acts'));
  for (const id of [...ACT_IDS, ...WIDTH_IDS]) if (keep.has(id)) $(id).value = keep.get(id);
  $('depth').value = String(depth);
  // B has A's depth: one activation per layer of A's network.
  compare.renderActs(depth, choices('acts'));
}

/** A new depth: Rust decides the widths it keeps (see Config::apply_setting), the form shows them. */
function setDepth(depth) {
  const acts = ACT_IDS.map((id) => $(id).value);
  // A deeper network repeats the last activation (the output's) on its new layers.
  while (acts.length < depth) acts.push(acts[acts.length - 1]);
  const pairs = formPairs().map(
    ([name, text]) => /** @type {[string, string]} */ ([name, name === 'acts' ? acts.slice(0, depth).join(',') : text]),
  );
  // The widths go first, so the new depth resizes them.
  const widths = pairs.filter(([name]) => name === 'widths');
  const { config } = check([...widths, ...pairs.filter(([name]) => name !== 'widths')]);
  writeForm({ ...config, backend: $('backend-cpu').checked ? 'cpu' : 'gpu' });
  validateForm();
}

/** The form as `[name, text]` pairs, in the table's order. */
function formPairs() {
  return /** @type {[string, string][]} */ (
    app.settings.map(({ name }) => {
      if (name === 'dataset') return [name, datasets.currentKind()];
      if (name === 'acts') return [name, ACT_IDS.map((id) => $(id).value).join(',')];
      if (name === 'widths') return [name, WIDTH_IDS.map((id) => $(id).value).join(',')];
      if (name === 'backend')
        return [name, /** @type {any} */ (document.querySelector('input[name="backend"]:checked'))?.value ?? 'gpu'];
      return [name, $(name).value];
    })
  );
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

/** Shows a configuration in the form (the text of each setting comes from Rust). */
export function writeForm(config) {
  const { settings } = describe(config);
  for (const [name, text] of settings) {
    if (name === 'dataset') continue;
    if (name === 'acts') {
      const acts = text.split(',');
      renderLayers(acts.length);
      acts.forEach((act, i) => {
        $(ACT_IDS[i]).value = act;
      });
    } else if (name === 'widths') {
      text
        .split(',')
        .filter((w) => w !== '')
        .forEach((w, i) => {
          if (WIDTH_IDS[i]) $(WIDTH_IDS[i]).value = w;
        });
    } else if (name === 'backend') {
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
    if (field === 'widths') for (const id of WIDTH_IDS) $(id).setAttribute('aria-invalid', 'true');
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
    const own = compare.bFields();
    bErrors = checked.errors.filter((e) => own.includes(e.field));
    b = { config: checked.config, json: checked.json };
  }
  compare.showErrors(bErrors);
  updateCombo(a.config, b?.config);
  return a.errors.length || bErrors.length ? null : { config: a.config, json: a.json, b };
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
  $('net-input').textContent =
    channels > 1
      ? `Input · ${w}×${h}×${channels} = ${fmt.format(input)} values (RGB)`
      : `Input · ${w}×${h} = ${fmt.format(input)} pixels`;
  for (const el of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.net-linear'))) {
    const i = Number(el.dataset.layer);
    el.textContent = `Linear ${sizes[i]} → ${sizes[i + 1]}`;
  }
  for (const chip of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.net-bn')))
    chip.hidden = !info.bnLayers[Number(chip.dataset.layer)];
  const digits = /mnist/.test(d?.kind ?? 'mnist') && d?.kind !== 'fashion-mnist';
  const loss = choices('loss').find(([value]) => value === config.loss)?.[1] ?? config.loss;
  $('net-output').textContent = `${loss} over ${info.classes} output${info.classes === 1 ? '' : 's'}`;
  $('net-summary').textContent =
    `${input} ${channels > 1 ? 'values' : 'pixels'} → ${info.hidden.map((/** @type {number} */ n) => `Linear ${n}`).join(' → ')} → Linear ${info.classes} ${digits ? 'digits' : 'classes'}`;
  updatePresetSelection();
}

// ------------------------------------------------------------------------------ presets
export function renderPresets() {
  const box = $('presets');
  box.textContent = '';
  if (!app.presets.length) {
    box.hidden = true;
    return;
  }
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
      // A preset of another dataset (the Q&A's) loads it; the form follows once it is in use.
      if (p.config.dataset !== datasets.currentKind())
        datasets.ensure(p.config.dataset).then(() => {
          validateForm();
          updatePresetSelection();
        });
      validateForm();
    }
    updatePresetSelection();
  });
  box.append(label, select, description);
}

/** The settings a preset leaves to the page: the data, the run's length, its seed and the machine. */
const NOT_EXPERIMENT = ['dataset', 'epochs', 'seed', 'stats', 'backend'];
/** The experiment's settings of a configuration (what a preset fixes), as comparable text. */
const experiment = (/** @type {any} */ c) =>
  JSON.stringify(app.settings.filter((s) => !NOT_EXPERIMENT.includes(s.name)).map((s) => c[s.name]));

export function updatePresetSelection() {
  const select = $('preset');
  if (!select) return;
  const { config } = readForm();
  const key = experiment(config);
  const current = app.presets.find((p) => p.name === select.value);
  const match =
    current && experiment(current.config) === key ? current : app.presets.find((p) => experiment(p.config) === key);
  select.value = match ? match.name : '';
  $('preset-description').textContent = match ? (match.description ?? '') : '';
  // The preset's title beside the charts (what the lecturer is showing); A's only when comparing.
  const note = $('combo-note');
  if (note) note.textContent = match ? `Preset: ${match.title}${compare.isOn() ? ' (A)' : ''}` : '';
}
