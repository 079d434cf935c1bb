// The combination being trained, in words: the charts' heading (big in lecture mode), the A/B
// heads and the A/B table's names. Rust describes each configuration (describeConfig); with a
// comparison on, B is named by what it sets differently from A, and by nothing else.

import { app, $ } from './state.js';
import * as compare from './compare.js';

/** @param {string} name */
export function choices(name) {
  return app.settings.find((s) => s.name === name)?.choices ?? [];
}

/** What Rust says about a configuration: its settings as text, titles, layer sizes. */
export function describe(config) {
  return JSON.parse(app.wasm.describeConfig(JSON.stringify(config)));
}

/**
 * B's differences from A in words: its activations, its BatchNorm placement and its learning
 * rate, each only where it differs; "same as A" where none does. `short`: BatchNorm as Rust's
 * short title has it ("BN all", for the one-line heading), else as the setting's choice label.
 */
function describeDifferences(settingsA, settingsB, configB, short = false) {
  const actsOnly = describe({ ...configB, bn: 'none' }).short;
  const parts = compare.differences(settingsA, settingsB).map(([name, text]) => {
    if (name === 'acts') return actsOnly;
    if (name === 'bn' && short) return describe(configB).short.slice(actsOnly.length).replace(/^ \+ /, '') || 'no BN';
    if (name === 'bn') return `BatchNorm: ${choices('bn').find(([value]) => value === text)?.[1] ?? text}`;
    return `${name} ${text}`;
  });
  if (parts.length) return parts.join(' · ');
  return short ? 'same as A' : 'same as A (set what B changes)';
}

/** The combination being trained, in words: the chart toolbar's title (big in lecture mode). */
export function updateCombo(config, configB) {
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
    // B is named by what it sets differently from A, and by nothing else.
    const diff = describeDifferences(a.settings, b.settings, configB);
    el.append(
      tag('a'),
      ` ${a.short} `,
      vs,
      ' ',
      tag('b'),
      ` ${describeDifferences(a.settings, b.settings, configB, true)}`,
    );
    $('ab-head-a').querySelector('span').textContent = `${a.describe} · lr ${config.lr}`;
    $('ab-head-b').querySelector('span').textContent = diff;
    $('ab-row-a').querySelector('.ab-name').textContent = a.describe;
    $('ab-row-b').querySelector('.ab-name').textContent = diff;
  } else {
    el.textContent = a.describe;
  }
}
