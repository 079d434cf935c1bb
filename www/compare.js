// A/B comparison: the form for the second network (B). B shares everything with A (data, seed,
// batch size, epochs, momentum, backend, statistics interval) except its activations, its
// BatchNorm placement and its learning rate, so the two runs see the same images in the same
// order from the same initial weights (as far as the layers match) and only the change differs.
//
// The training loop (app.js) advances both trainers alternately, B in lockstep with A's step.

import { parseDecimal } from './form.js';

/** The fields B may differ in; anything else a link sets for B is reported and ignored. */
export const B_FIELDS = ['acts', 'batch_norm', 'lr'];

const SHARED_FIELDS = { momentum: 'momentum', batch_size: 'batch', epochs: 'epochs', seed: 'seed', stats_every: 'stats', backend: 'backend', dataset: 'dataset' };

const $ = (id) => document.getElementById(id);
export const ACT_IDS = ['b-act1', 'b-act2', 'b-act3'];

export function isOn() { return $('compare').checked; }

/** Shows or hides B's fields (and the B columns of the page). */
export function setOn(on) {
  $('compare').checked = on;
  $('compare-fields').hidden = !on;
  document.body.classList.toggle('compare', on);
  for (const el of document.querySelectorAll('.plot-b, .ab-head, #ab-wrap, .dl-b')) el.hidden = !on;
}

export function write(config) {
  const acts = config.acts ?? [];
  ACT_IDS.forEach((id, i) => { if (acts[i]) $(id).value = acts[i]; });
  if (config.batch_norm) $('b-bn').value = config.batch_norm;
  if (config.lr != null) $('b-lr').value = String(config.lr);
}

/** B's starting point when comparison is switched on: A with the other BatchNorm choice. */
export function defaultFrom(configA) {
  return { ...configA, batch_norm: configA.batch_norm === 'none' ? 'last' : 'none' };
}

/**
 * B's configuration from A's JSON and the B fields.
 * Returns {config, json, errors} with errors as {field: 'b.acts' | 'b.bn' | 'b.lr', message}.
 */
export function read(aJson, validate) {
  const errors = [];
  const config = JSON.parse(aJson);
  config.acts = ACT_IDS.map((id) => $(id).value);
  config.batch_norm = $('b-bn').value;
  const lr = parseDecimal($('b-lr').value);
  if (lr === null) errors.push({ field: 'b.lr', message: 'enter a number, e.g. 0.01' });
  else config.lr = lr;
  const json = JSON.stringify(config);
  if (validate && !errors.length) {
    for (const e of JSON.parse(validate(json))) errors.push({ field: `b.${e.field}`, message: e.message });
  }
  return { config, json, errors };
}

/** Puts B's messages next to B's fields (A's fields are handled by the page). */
export function showErrors(errors) {
  const targets = { acts: 'err-b-acts', bn: 'err-b-bn', batch_norm: 'err-b-bn', lr: 'err-b-lr' };
  const inputs = { acts: ACT_IDS, bn: ['b-bn'], batch_norm: ['b-bn'], lr: ['b-lr'] };
  for (const id of new Set(Object.values(targets))) $(id).textContent = '';
  for (const id of [...ACT_IDS, 'b-bn', 'b-lr']) $(id).removeAttribute('aria-invalid');
  for (const { field, message } of errors) {
    const key = field.replace(/^b\./, '');
    const target = $(targets[key] ?? 'err-b-acts');
    const text = targets[key] ? message : `${key}: ${message}`;
    target.textContent = target.textContent ? `${target.textContent} ${text}` : text;
    for (const id of inputs[key] ?? []) $(id).setAttribute('aria-invalid', 'true');
  }
}

/**
 * Problems with a link's B side that the page cannot honour: B always shares A's data, seed,
 * batch size, epochs, momentum, backend and statistics interval.
 */
export function ignoredLinkFields(a, b) {
  const out = [];
  for (const [key, name] of Object.entries(SHARED_FIELDS)) {
    if (b[key] !== undefined && JSON.stringify(b[key]) !== JSON.stringify(a[key])) {
      out.push({ field: `b.${name}`, message: `B always uses A's ${name} (the two runs share data, order and seed); ignored` });
    }
  }
  return out;
}

const BN_TEXT = { all: 'BatchNorm everywhere', last: 'BatchNorm on the last layer' };
const BN_SHORT = { all: 'BN all', last: 'BN last' };

/** "relu → sigmoid → relu", plus BatchNorm, for titles (`short`: "+ BN last"). */
export function describe(config, short = false) {
  const acts = (config.acts ?? []).join(' → ');
  const bn = (short ? BN_SHORT : BN_TEXT)[config.batch_norm];
  return bn ? `${acts} + ${bn}` : acts;
}

/** A short file-name label: relu-sigmoid-relu_bn-last_lr-0.01. */
export function fileLabel(config) {
  const parts = [(config.acts ?? []).join('-')];
  if (config.batch_norm && config.batch_norm !== 'none') parts.push(`bn-${config.batch_norm}`);
  if (config.lr != null) parts.push(`lr-${config.lr}`);
  if (config.seed != null) parts.push(`seed-${config.seed}`);
  return parts.join('_');
}
