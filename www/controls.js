// The control of one setting of Rust's settings table (`{name, label, help, input, choices}`):
// a select of its choices, or a text input whose on-screen keyboard suits its kind. The trainer's
// form (settings.js) and the sweep's (sweep/grid.js) both build their fields with it.

/** Fills `select` with `[value, label]` options, replacing what it had. */
export function fillSelect(/** @type {HTMLSelectElement} */ select, /** @type {string[][]} */ options) {
  select.textContent = '';
  for (const [value, label] of options) {
    const option = document.createElement('option');
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
}

/** @param {{input: string, choices: string[][]}} setting @returns {HTMLSelectElement | HTMLInputElement} */
export function settingControl(setting) {
  if (setting.input === 'choice') {
    const select = document.createElement('select');
    fillSelect(select, setting.choices);
    return select;
  }
  const input = document.createElement('input');
  const keyboard = { integer: 'numeric', number: 'decimal' };
  Object.assign(input, {
    type: 'text',
    inputMode: keyboard[/** @type {'integer' | 'number'} */ (setting.input)] ?? 'text',
    spellcheck: false,
  });
  return input;
}
