// A/B comparison: the form for the second network (B). B shares every setting with A but those
// Rust's table marks `bSide` (src/ab.rs: its activations, BatchNorm placement and learning rate),
// so the two runs see the same images in the same order from the same initial weights and only
// the change differs. Its fields are named as in a link (b.acts, b.bn, b.lr); each but the
// activations is the element `b-<name>`.
//
// The training loop (engine/loop.js, in the worker) advances both trainers alternately, B in
// lockstep with A's step.

import { app, $ } from './state.js';

/** The settings B may set (Rust names the rest a link sets for B, and B keeps A's). */
export const bFields = () => app.settings.filter((s) => s.bSide).map((s) => s.name);

/** B's activation selects, one per layer of A's network (B has A's depth and widths). */
export let ACT_IDS = ['b-act1', 'b-act2', 'b-act3'];
/** The form elements of B's setting `name`. */
const inputs = (/** @type {string} */ name) => (name === 'acts' ? ACT_IDS : [`b-${name}`]);

/**
 * Draws B's activation selects for `depth` layers with `options` ([value, label] from the
 * settings table), keeping the values of those that stay; a new layer starts as B's last one.
 */
export function renderActs(/** @type {number} */ depth, /** @type {[string, string][]} */ options) {
  const row = $('b-acts-row');
  const kept = ACT_IDS.map((id) => $(id)?.value).filter(Boolean);
  row.textContent = '';
  ACT_IDS = [];
  for (let i = 0; i < depth; i++) {
    if (i > 0) {
      const arrow = document.createElement('span');
      arrow.setAttribute('aria-hidden', 'true');
      arrow.textContent = '→';
      row.append(arrow);
    }
    const select = document.createElement('select');
    select.id = `b-act${i + 1}`;
    select.name = 'b.acts';
    select.setAttribute('aria-label', i === depth - 1 ? `B activation ${i + 1} (output)` : `B activation ${i + 1}`);
    select.setAttribute('aria-describedby', 'err-b-acts');
    for (const [value, label] of options) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      select.append(option);
    }
    const value = kept[i] ?? kept[kept.length - 1];
    if (value) select.value = value;
    row.append(select);
    ACT_IDS.push(select.id);
  }
}

export function isOn() {
  return $('compare').checked;
}

/** Shows or hides B's fields (and the B columns of the page). */
export function setOn(/** @type {boolean} */ on) {
  $('compare').checked = on;
  $('compare-fields').hidden = !on;
  document.body.classList.toggle('compare', on);
  const parts = /** @type {NodeListOf<HTMLElement>} */ (
    document.querySelectorAll('.plot-b, .ab-head, #ab-wrap, .dl-b')
  );
  for (const el of parts) el.hidden = !on;
}

/** Shows B's settings; `settings` are [name, text] pairs as Rust writes them. */
export function write(/** @type {[string, string][]} */ settings) {
  const own = bFields();
  for (const [name, text] of settings) {
    if (!own.includes(name)) continue;
    const values = name === 'acts' ? text.split(',') : [text];
    inputs(name).forEach((id, i) => {
      if (values[i] != null) $(id).value = values[i];
    });
  }
}

/** B's fields as [name, text] pairs (applied over A's settings). */
/** @returns {[string, string][]} */
export function pairs() {
  const value = (/** @type {string} */ name) =>
    inputs(name)
      .map((id) => $(id).value)
      .join(',');
  return bFields().map((name) => [name, value(name)]);
}

/** Puts B's messages next to B's fields (errors name acts, bn or lr). */
export function showErrors(/** @type {{field: string, message: string}[]} */ errors) {
  for (const name of bFields()) {
    $(`err-b-${name}`).textContent = '';
    for (const id of inputs(name)) $(id).removeAttribute('aria-invalid');
  }
  for (const { field, message } of errors) {
    const key = field.replace(/^b\./, '');
    const target = $(`err-b-${key}`) ?? $('err-b-acts');
    target.textContent = target.textContent ? `${target.textContent} ${message}` : message;
    if (bFields().includes(key)) for (const id of inputs(key)) $(id).setAttribute('aria-invalid', 'true');
  }
}
