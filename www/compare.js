// A/B comparison: the form for the second network (B). B shares everything with A (data, seed,
// batch size, epochs, momentum, backend, statistics interval, depth, widths, initialisation,
// biases, loss) except its activations, its
// BatchNorm placement and its learning rate, so the two runs see the same images in the same
// order from the same initial weights (as far as the layers match) and only the change differs.
// Its fields are named as in a link: b.acts, b.bn, b.lr.
//
// The training loop (engine/loop.js, in the worker) advances both trainers alternately, B in
// lockstep with A's step.

import { $ } from './dom.js';

/** The settings B may differ in; anything else a link sets for B is reported and ignored. */
export const B_FIELDS = ['acts', 'bn', 'lr'];

/** B's activation selects, one per layer of A's network (B has A's depth and widths). */
export let ACT_IDS = ['b-act1', 'b-act2', 'b-act3'];
const INPUTS = { acts: ACT_IDS, bn: ['b-bn'], lr: ['b-lr'] };

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
  INPUTS.acts = ACT_IDS;
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
  for (const [name, text] of settings) {
    if (name === 'acts')
      text.split(',').forEach((act, i) => {
        if (ACT_IDS[i]) $(ACT_IDS[i]).value = act;
      });
    else if (name === 'bn') $('b-bn').value = text;
    else if (name === 'lr') $('b-lr').value = text;
  }
}

/**
 * What B sets differently from A, as `[name, text]` pairs of B's fields (texts as Rust writes
 * them, from `describeConfig`): the heading lists these and nothing else.
 * @param {[string, string][]} a  A's settings @param {[string, string][]} b  B's settings
 * @returns {[string, string][]}
 */
export function differences(a, b) {
  const textA = new Map(a);
  return b.filter(([name, text]) => B_FIELDS.includes(name) && textA.get(name) !== text);
}

/** B's fields as [name, text] pairs (applied over A's settings). */
/** @returns {[string, string][]} */
export function pairs() {
  return [
    ['acts', ACT_IDS.map((id) => $(id).value).join(',')],
    ['bn', $('b-bn').value],
    ['lr', $('b-lr').value],
  ];
}

/** Puts B's messages next to B's fields (errors name acts, bn or lr). */
export function showErrors(/** @type {{field: string, message: string}[]} */ errors) {
  for (const name of B_FIELDS) $(`err-b-${name}`).textContent = '';
  for (const ids of Object.values(INPUTS)) for (const id of ids) $(id).removeAttribute('aria-invalid');
  for (const { field, message } of errors) {
    const key = field.replace(/^b\./, '');
    const target = $(`err-b-${key}`) ?? $('err-b-acts');
    target.textContent = target.textContent ? `${target.textContent} ${message}` : message;
    for (const id of INPUTS[key] ?? []) $(id).setAttribute('aria-invalid', 'true');
  }
}

/**
 * Problems with a link's B side that the page cannot honour: B always shares A's data, seed,
 * batch size, epochs, momentum, backend and statistics interval.
 */
export function ignoredLinkFields(/** @type {any} */ a, /** @type {any} */ b) {
  // Every setting but B's own is shared (a configuration's JSON fields are the settings' names).
  return Object.keys(b)
    .filter((name) => !B_FIELDS.includes(name) && JSON.stringify(b[name]) !== JSON.stringify(a[name]))
    .map((name) => ({
      field: `b.${name}`,
      message: `B always uses A's ${name} (the two runs share data, order and seed); ignored`,
    }));
}
