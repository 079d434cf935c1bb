// Form helpers shared by the main settings (app.js) and the B side of a comparison (compare.js).

/** Fills each <select> in `ids` with the activation options ([value, label] pairs). */
export function fillActivationSelects(ids, activations) {
  for (const id of ids) {
    const select = document.getElementById(id);
    for (const [value, label] of activations) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = label;
      select.append(option);
    }
  }
}

/** A plain decimal number (e.g. 0.01, 1e-3), or null: no hex, no "Infinity", no trailing junk. */
export function parseDecimal(text) {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}
