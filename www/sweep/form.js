// The sweep form: its query composed by Rust from the combinations picker and the settings, and a
// spec (from a link or the stored settings) shown in it. sweep.js parses the query and wires the form.

import { $, ui, call } from './state.js';

/** The form's query, composed by Rust: the picker's combinations and the settings; those without a control here (lr, momentum, batch from a link) are kept. */
export async function formQuery() {
  const picker = {
    mode: $('combos-mode').value,
    row: [$('row1').value, $('row2').value],
    column: $('column').value,
    set: $('set').value,
  };
  const settings = ui.settingNames.map((name) => [name, $(name).value]);
  return call('sweepFormQuery', { query: ui.spec ? ui.spec.query : '', settings: JSON.stringify(settings), picker });
}

/** Shows a spec in the form: Rust's picker for its combinations, and its settings. @param {any} spec */
export function writeForm(spec) {
  const { mode, row, column, set } = spec.picker;
  $('combos-mode').value = mode;
  if (mode === 'row') {
    $('row1').value = row[0];
    $('row2').value = row[1];
  }
  if (mode === 'column') $('column').value = column;
  if (mode === 'set') $('set').value = set;
  const s = Object.fromEntries(spec.settings);
  for (const name of ui.settingNames) $(name).value = s[name];
  showModeInputs();
}

/** Shows the inputs of the picker's mode (a row, a column, a set) only. */
export function showModeInputs() {
  const mode = $('combos-mode').value;
  $('row-inputs').hidden = mode !== 'row';
  $('column-inputs').hidden = mode !== 'column';
  $('set-inputs').hidden = mode !== 'set';
}
