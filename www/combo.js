// The combination being trained, in words: the charts' heading (big in lecture mode), the A/B
// heads and the A/B table's names. Rust describes each configuration (describeConfig); with a
// comparison on, B is named by what it sets differently from A, and by nothing else (abNames).

import { app, $ } from './state.js';

/** @param {string} name */
export function choices(name) {
  return app.settings.find((s) => s.name === name)?.choices ?? [];
}

/** What Rust says about a configuration: its settings as text, titles, layer sizes. */
export function describe(config) {
  return JSON.parse(app.wasm.describeConfig(JSON.stringify(config)));
}

/** The combination being trained, in words: the chart toolbar's title (big in lecture mode). */
export function updateCombo(config, configB) {
  const a = describe(config);
  const el = $('combo');
  el.textContent = '';
  if (configB) {
    const tag = (/** @type {string} */ side) => {
      const t = document.createElement('b');
      t.className = `ab-tag ab-${side}`;
      t.textContent = side.toUpperCase();
      return t;
    };
    const vs = document.createElement('span');
    vs.className = 'combo-vs';
    vs.textContent = 'vs';
    const names = JSON.parse(app.wasm.abNames(JSON.stringify(config), JSON.stringify(configB)));
    el.append(tag('a'), ` ${a.short} `, vs, ' ', tag('b'), ` ${names.bShort}`);
    $('ab-head-a').querySelector('span').textContent = names.a;
    $('ab-head-b').querySelector('span').textContent = names.b;
    $('ab-row-a').querySelector('.ab-name').textContent = a.describe;
    $('ab-row-b').querySelector('.ab-name').textContent = names.b;
  } else {
    el.textContent = a.describe;
  }
}
