// The sweep section's DOM: the settings form, the buttons, the progress and the 16 × 4 heat-map
// with its hover tip. Pure rendering: the cells (mean ± std, texts) come from Rust through the
// engine worker; sweep.js owns the state and the actions.

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
  const field = (/** @type {string} */ label, /** @type {Node} */ control) => el('label', { className: 'sweep-field' }, el('span', { textContent: label }), control);
  // A setting of the table, its control named (data-ref) by the setting.
  const setting = (/** @type {typeof form.settings[number]} */ s) => {
    const control = settingControl(s);
    control.dataset.ref = s.name;
    const box = field(s.label, control);
    box.title = s.help;
    return box;
  };
  const button = (/** @type {string} */ ref, /** @type {string} */ text, primary = false) =>
    el('button', { type: 'button', className: primary ? 'btn btn-primary' : 'btn', textContent: text, dataset: { ref } });
  root.classList.add('card', 'sweep');
  root.setAttribute('aria-labelledby', 'sweep-title');
  root.replaceChildren(
    el('h2', { id: 'sweep-title', textContent: 'The article\u2019s table, live' }),
    el('p', { className: 'sweep-intro', textContent: 'Train many activation combinations at once (on the CPU in a pool of sweep workers, one per core; on WebGPU stacked into one network per group, in the page\u2019s training worker). Each cell is the test accuracy, mean ± std over the seeds; hover for the runs, click to open one in the trainer above.' }),
    el('div', { className: 'sweep-settings' },
      field('Combinations', select('combos-mode', [['all', 'all 64'], ['row', 'one row'], ['column', 'one column'], ['set', 'a set']])),
      el('span', { dataset: { ref: 'row-inputs' }, className: 'sweep-inline' }, field('Act 1', select('row1', acts)), field('Act 2', select('row2', acts))),
      el('span', { dataset: { ref: 'column-inputs' }, className: 'sweep-inline' }, field('Act 3', select('column', acts))),
      el('span', { dataset: { ref: 'set-inputs' }, className: 'sweep-inline' }, field('Set', el('input', { type: 'text', placeholder: 'relu-sigmoid-relu,tanh-tanh-tanh', spellcheck: false, dataset: { ref: 'set' } }))),
      ...form.settings.map(setting),
    ),
    el('p', { className: 'sweep-errors', hidden: true, dataset: { ref: 'errors' }, role: 'alert' }),
    el('div', { className: 'sweep-actions' },
      button('start', 'Start sweep', true), button('cancel', 'Cancel'), button('export-csv', 'Export CSV'),
      button('export-json', 'Export JSON'), button('copy-link', 'Copy sweep link'), button('clear', 'Clear results')),
    el('input', { type: 'text', readOnly: true, hidden: true, className: 'sweep-link', dataset: { ref: 'link' } }),
    el('div', { className: 'sweep-progress' },
      el('progress', { dataset: { ref: 'progress' }, max: 1, value: 0 }),
      el('span', { dataset: { ref: 'counts' }, 'aria-live': 'polite' })),
    el('p', { className: 'sweep-status', dataset: { ref: 'status' }, 'aria-live': 'polite' }),
    el('div', { className: 'sweep-article-bar' },
      el('label', { className: 'sweep-toggle' }, el('input', { type: 'checkbox', dataset: { ref: 'article-toggle' } }), ' Show the article\u2019s numbers'),
      el('span', { className: 'sweep-article-note', dataset: { ref: 'article-note' } })),
    el('div', { className: 'sweep-grid-wrap' }, el('table', { className: 'sweep-grid', dataset: { ref: 'grid' } })),
    el('div', { className: 'sweep-tip', hidden: true, dataset: { ref: 'tip' }, role: 'tooltip' }),
  );
}

/** 10% (chance) is red, 100% green. @param {number} mean */
function heat(mean) {
  const t = Math.max(0, Math.min(1, (mean - 0.1) / 0.9));
  return `hsl(${Math.round(120 * t * t)} 70% ${92 - 30 * t * (1 - t)}%)`;
}

/** @param {HTMLElement} root @param {HTMLElement} td */
function showTip(root, td) {
  const tip = /** @type {HTMLElement} */ (root.querySelector('[data-ref="tip"]'));
  tip.textContent = td.dataset.tip ?? '';
  tip.hidden = false;
  const box = td.getBoundingClientRect();
  const host = root.getBoundingClientRect();
  tip.style.left = `${box.left - host.left}px`;
  tip.style.top = `${box.bottom - host.top + 4}px`;
}

/** @param {HTMLElement} root */
function hideTip(root) {
  /** @type {HTMLElement} */ (root.querySelector('[data-ref="tip"]')).hidden = true;
}

/**
 * The article's number under a cell's own, when `article` (its table, from Rust) is shown.
 * @param {HTMLElement} td @param {any} cell the article's cell, if it has one
 */
function addArticle(td, cell) {
  if (!cell) return;
  td.append(el('span', { className: 'sweep-article', textContent: `article ${cell.text}` }));
}

/**
 * Fills the table: rows (act1, act2), columns act3; cells of `cells` (from Rust) as a heat-map,
 * combinations of the sweep not trained yet pending, the others off. With `article` (the
 * article's table for the sweep's settings, or null) each cell also shows the article's value,
 * and a live mean outside the article's runs (Rust's verdict) is marked.
 * @param {HTMLElement} root
 * @param {string[]} acts  activations in table order
 * @param {Set<string>} wanted  the sweep's combinations, 'a-b-c'
 * @param {any[]} cells
 * @param {(acts: string[]) => void} open  a cell's click
 * @param {any} [article]  {title, comparable, cells} shown beside, or null
 */
export function fillGrid(root, acts, wanted, cells, open, article = null) {
  const byPos = new Map(cells.map((c) => [`${c.row}:${c.column}`, c]));
  const articleAt = new Map((article?.cells ?? []).map((/** @type {any} */ c) => [`${c.row}:${c.column}`, c]));
  const grid = /** @type {HTMLElement} */ (root.querySelector('[data-ref="grid"]'));
  grid.replaceChildren();
  const head = el('tr', {}, el('th', { scope: 'col', textContent: 'act1 · act2 \\ act3' }));
  for (const a of acts) head.append(el('th', { scope: 'col', textContent: a }));
  grid.append(el('thead', {}, head));
  const body = el('tbody');
  for (let row = 0; row < 16; row++) {
    const tr = el('tr', {}, el('th', { scope: 'row', textContent: `${acts[row >> 2]} · ${acts[row & 3]}` }));
    for (let column = 0; column < 4; column++) {
      const combo = [acts[row >> 2], acts[row & 3], acts[column]];
      const cell = byPos.get(`${row}:${column}`);
      const inArticle = articleAt.get(`${row}:${column}`);
      const td = el('td', { className: 'sweep-cell' });
      td.dataset.acts = combo.join(',');
      if (!wanted.has(combo.join('-'))) {
        td.classList.add('off');
        addArticle(td, inArticle);
      } else if (!cell) {
        td.classList.add('pending');
        td.textContent = '…';
        td.title = [`${combo.join('-')}: not trained yet`, ...(inArticle?.runsText ?? [])].join('\n');
        addArticle(td, inArticle);
      } else {
        td.append(el('span', { className: 'sweep-live', textContent: cell.text }));
        td.dataset.mean = cell.mean ?? '';
        if (cell.mean != null) td.style.background = heat(cell.mean);
        if (cell.mean != null && cell.mean < 0.6) td.classList.add('collapsed');
        const outside = article && cell.article?.outside === true;
        if (outside) {
          td.classList.add('outside');
          td.prepend(el('span', { className: 'sweep-mark', textContent: '≠', 'aria-label': 'outside the article\u2019s runs' }));
        }
        if (article) addArticle(td, inArticle);
        td.tabIndex = 0;
        td.setAttribute('role', 'button');
        const versus = article && cell.article
          ? [...cell.article.runsText, outside ? 'This mean lies outside the article\u2019s runs: more than noise.' : '']
          : [];
        td.dataset.tip = [combo.join('-'), ...cell.runsText, ...versus.filter(Boolean), 'Click to open this combination in the single-run view.'].join('\n');
        td.addEventListener('mouseenter', () => showTip(root, td));
        td.addEventListener('mouseleave', () => hideTip(root));
        td.addEventListener('focus', () => showTip(root, td));
        td.addEventListener('blur', () => hideTip(root));
        td.addEventListener('click', () => open(combo));
        td.addEventListener('keydown', (/** @type {KeyboardEvent} */ e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(combo); } });
      }
      tr.append(td);
    }
    body.append(tr);
  }
  grid.append(body);
}
