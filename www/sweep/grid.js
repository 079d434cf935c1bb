// The sweep section's DOM: the settings form, the buttons, the progress and the 16 × 4 heat-map
// with its hover tip. Pure rendering: the grid's layout (rows, cells, colours, verdicts, texts)
// comes from Rust through the engine worker; sweep.js owns the state and the actions.

import { settingControl } from '../controls.js';

/**
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...(Node | string)} children
 */
export const el = (tag, props = {}, ...children) => {
  const node = /** @type {any} */ (document.createElement(tag));
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('aria-') || key === 'role') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const c of children) node.append(c);
  return node;
};

/** The combination pickers' inputs; with the settings' (named by the table), what a running sweep disables. */
export const COMBO_INPUTS = ['combos-mode', 'row1', 'row2', 'column', 'set'];

/**
 * Builds the section's content in `root`; its parts carry data-ref names (a setting's is its
 * name). `form`: the activations in table order and the settings, from Rust's table.
 * @param {HTMLElement} root @param {{activations: string[], settings: {name: string, label: string, help: string, input: string, choices: string[][]}[]}} form
 */
export function build(root, form) {
  const select = (/** @type {string} */ ref, /** @type {string[][]} */ options) =>
    el('select', { dataset: { ref } }, ...options.map(([v, t]) => el('option', { value: v, textContent: t })));
  const acts = form.activations.map((a) => [a, a]);
  const field = (/** @type {string} */ label, /** @type {Node} */ control) =>
    el('label', { className: 'sweep-field' }, el('span', { textContent: label }), control);
  // A setting of the table, its control named (data-ref) by the setting.
  const setting = (/** @type {typeof form.settings[number]} */ s) => {
    const control = settingControl(s);
    control.dataset.ref = s.name;
    const box = field(s.label, control);
    box.title = s.help;
    return box;
  };
  const button = (/** @type {string} */ ref, /** @type {string} */ text, primary = false) =>
    el('button', {
      type: 'button',
      className: primary ? 'btn btn-primary' : 'btn',
      textContent: text,
      dataset: { ref },
    });
  root.classList.add('card', 'sweep');
  root.setAttribute('aria-labelledby', 'sweep-title');
  root.replaceChildren(
    el('h2', { id: 'sweep-title', textContent: 'The article\u2019s table, live' }),
    el('p', {
      className: 'sweep-intro',
      textContent:
        'Train many activation combinations at once (on the CPU in a pool of sweep workers, one per core; on WebGPU stacked into one network per group, in the page\u2019s training worker). Each cell is the test accuracy in percent, mean ± std over the seeds; click or tap a cell for its runs, and open one in the trainer above.',
    }),
    el(
      'div',
      { className: 'sweep-settings' },
      field(
        'Combinations',
        select('combos-mode', [
          ['all', 'all 64'],
          ['row', 'one row'],
          ['column', 'one column'],
          ['set', 'a set'],
        ]),
      ),
      el(
        'span',
        { dataset: { ref: 'row-inputs' }, className: 'sweep-inline' },
        field('Act 1', select('row1', acts)),
        field('Act 2', select('row2', acts)),
      ),
      el(
        'span',
        { dataset: { ref: 'column-inputs' }, className: 'sweep-inline' },
        field('Act 3', select('column', acts)),
      ),
      el(
        'span',
        { dataset: { ref: 'set-inputs' }, className: 'sweep-inline' },
        field(
          'Set',
          el('input', {
            type: 'text',
            placeholder: 'relu-sigmoid-relu,tanh-tanh-tanh',
            spellcheck: false,
            dataset: { ref: 'set' },
          }),
        ),
      ),
      ...form.settings.map(setting),
    ),
    el('p', { className: 'sweep-errors', hidden: true, dataset: { ref: 'errors' }, role: 'alert' }),
    el(
      'div',
      { className: 'sweep-actions' },
      button('start', 'Start sweep', true),
      button('cancel', 'Cancel'),
      button('export-csv', 'Export CSV'),
      button('export-json', 'Export JSON'),
      button('copy-link', 'Copy sweep link'),
      button('clear', 'Clear results'),
    ),
    el('input', { type: 'text', readOnly: true, hidden: true, className: 'sweep-link', dataset: { ref: 'link' } }),
    el(
      'div',
      { className: 'sweep-progress' },
      el('progress', { dataset: { ref: 'progress' }, max: 1, value: 0 }),
      el('span', { dataset: { ref: 'counts' }, 'aria-live': 'polite' }),
    ),
    el('p', { className: 'sweep-status', dataset: { ref: 'status' }, 'aria-live': 'polite' }),
    el(
      'div',
      { className: 'sweep-article-bar' },
      el(
        'label',
        { className: 'sweep-toggle' },
        el('input', { type: 'checkbox', dataset: { ref: 'article-toggle' } }),
        ' Show the article\u2019s numbers',
      ),
      el('span', { className: 'sweep-article-note', dataset: { ref: 'article-note' } }),
    ),
    el('div', { className: 'sweep-grid-wrap' }, el('table', { className: 'sweep-grid', dataset: { ref: 'grid' } })),
    el(
      'div',
      { className: 'sweep-tip', hidden: true, dataset: { ref: 'tip' }, role: 'tooltip' },
      el('p', { className: 'sweep-tip-text', dataset: { ref: 'tip-text' } }),
      el('div', { className: 'sweep-tip-actions', dataset: { ref: 'tip-actions' } }),
    ),
  );
}

/** The tip: the cell's runs on hover or focus; pinned (a click, a tap, Enter) it also offers to open each run. */
const tipOf = (/** @type {HTMLElement} */ root) => /** @type {HTMLElement} */ (root.querySelector('[data-ref="tip"]'));

/** @param {HTMLElement} root @param {HTMLElement} td */
function showTip(root, td) {
  const tip = tipOf(root);
  if (tip.dataset.pinned) return;
  placeTip(root, td);
}

/** @param {HTMLElement} root @param {HTMLElement} td */
function placeTip(root, td) {
  const tip = tipOf(root);
  /** @type {HTMLElement} */ (tip.querySelector('.sweep-tip-text')).textContent = td.dataset.tip ?? '';
  tip.hidden = false;
  const box = td.getBoundingClientRect();
  const host = root.getBoundingClientRect();
  const width = Math.min(tip.offsetWidth || 0, host.width);
  tip.style.left = `${Math.max(0, Math.min(box.left - host.left, host.width - width))}px`;
  tip.style.top = `${box.bottom - host.top + 4}px`;
}

/** @param {HTMLElement} root */
function hideTip(root) {
  const tip = tipOf(root);
  if (!tip.dataset.pinned) tip.hidden = true;
}

/**
 * Pins the tip under `td` with a button per run (its seed), so a run can be opened by mouse,
 * touch or keyboard; Escape or Close unpins it and gives the focus back to the cell.
 * @param {HTMLElement} root @param {HTMLElement} td @param {Cells} cells
 */
function pinTip(root, td, cells) {
  const tip = tipOf(root);
  const acts = (td.dataset.acts ?? '').split(',');
  delete tip.dataset.pinned;
  placeTip(root, td);
  tip.dataset.pinned = '1';
  tip.setAttribute('role', 'group');
  tip.setAttribute('aria-label', `Runs of ${acts.join('-')}`);
  const close = () => {
    unpin(root);
    td.focus();
  };
  const seeds = cells.seeds(acts);
  const actions = /** @type {HTMLElement} */ (tip.querySelector('.sweep-tip-actions'));
  actions.replaceChildren(
    ...seeds.map((seed) =>
      el('button', {
        type: 'button',
        className: 'btn btn-primary',
        textContent: seeds.length > 1 ? `Open seed ${seed}` : 'Open',
        dataset: { seed: String(seed) },
        onclick: () => {
          unpin(root);
          cells.open(acts, seed);
        },
      }),
    ),
    el('button', { type: 'button', className: 'btn', textContent: 'Close', onclick: close }),
  );
  tip.onkeydown = (/** @type {KeyboardEvent} */ e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close();
    }
  };
  placeTip(root, td);
  /** @type {HTMLElement} */ (actions.querySelector('button'))?.focus();
}

/** @param {HTMLElement} root */
function unpin(root) {
  const tip = tipOf(root);
  delete tip.dataset.pinned;
  tip.setAttribute('role', 'tooltip');
  tip.removeAttribute('aria-label');
  /** @type {HTMLElement} */ (tip.querySelector('.sweep-tip-actions')).replaceChildren();
  tip.hidden = true;
}

/** @typedef {{seeds: (acts: string[]) => number[], open: (acts: string[], seed: number) => void}} Cells */

/**
 * Fills the table with Rust's layout of it (`sweepGrid`): headers, rows, and each cell's state,
 * text, colour, verdicts and tip. A trained cell opens its combination on a click.
 * @param {HTMLElement} root
 * @param {any} layout  {corner, columns, rows: [{label, cells: [{acts, state, text, mean, colour, collapsed, outside, article, tip}]}]}
 * @param {Cells} cells  the seeds of a cell's finished runs, and opening one of them
 */
export function fillGrid(root, layout, cells) {
  unpin(root);
  const grid = /** @type {HTMLElement} */ (root.querySelector('[data-ref="grid"]'));
  grid.replaceChildren();
  const head = el('tr', {}, el('th', { scope: 'col', textContent: layout.corner }));
  for (const name of layout.columns) head.append(el('th', { scope: 'col', textContent: name }));
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  for (const row of layout.rows) {
    const tr = el('tr', {}, el('th', { scope: 'row', textContent: row.label }));
    for (const cell of row.cells) tr.append(gridCell(root, cell, cells));
    body.append(tr);
  }
  grid.append(body);
}

/** @param {HTMLElement} root @param {any} cell @param {Cells} cells */
function gridCell(root, cell, cells) {
  const td = el('td', { className: `sweep-cell ${cell.state === 'trained' ? '' : cell.state}`.trim() });
  td.dataset.acts = cell.acts.join(',');
  const article = () => {
    if (cell.article) td.append(el('span', { className: 'sweep-article', textContent: cell.article }));
  };
  if (cell.state === 'off') {
    article();
    return td;
  }
  if (cell.state === 'pending') {
    td.textContent = '…';
    td.title = cell.tip;
    article();
    return td;
  }
  td.append(el('span', { className: 'sweep-live', textContent: cell.text }));
  td.dataset.mean = cell.mean ?? '';
  if (cell.colour) td.style.background = cell.colour;
  if (cell.collapsed) td.classList.add('collapsed');
  if (cell.outside) {
    td.classList.add('outside');
    td.prepend(
      el('span', { className: 'sweep-mark', textContent: '≠', 'aria-label': 'outside the article\u2019s runs' }),
    );
  }
  article();
  td.tabIndex = 0;
  td.setAttribute('role', 'button');
  td.dataset.tip = cell.tip;
  td.addEventListener('mouseenter', () => showTip(root, td));
  td.addEventListener('mouseleave', () => hideTip(root));
  td.addEventListener('focus', () => showTip(root, td));
  td.addEventListener('blur', () => hideTip(root));
  td.addEventListener('click', () => pinTip(root, td, cells));
  td.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      pinTip(root, td, cells);
    }
  });
  return td;
}
