// The sweep section's shared state (sweep.js and form.js): its element and the lookup of its
// controls, what it knows (the spec, the stored runs, the job), and requests to the page's
// engine worker, which wait for an engine while none runs.

/** @typedef {import('../engine/client.js').Engine} Engine */

export const root = /** @type {HTMLElement} */ (document.getElementById('sweep'));

export const ui = {
  /** @type {Engine | null} the page's engine worker, while it runs */
  engine: null,
  /** @type {((engine: Engine) => void)[]} calls waiting for an engine */
  waiting: [],
  /** @type {any} { settings, query, runs: [[key, config]], picker, errors, fileStem } */
  spec: null,
  records: new Map(), // key → record (runs of any sweep, from IndexedDB)
  state: 'loading',
  /** @type {any} the job: { jobId, started, doneAtStart, total, groups, progress, progressBy, groupsBy, pool, plan } */
  job: null,
  /** @type {Map<string, number>} run key → the pool worker (0-based) that trained it, this session */
  trainedBy: new Map(),
  nextJobId: 1,
  /** @type {string[]} the form's settings, by their one name (Rust's table) */
  settingNames: [],
};
/** @type {any} */ (window).sweepUi = ui; // for the browser test

/** The section's element named `name` (data-ref): inputs, buttons, the grid… @returns {any} */
export const $ = (/** @type {string} */ name) => root.querySelector(`[data-ref="${name}"]`);

/** The engine, once one runs (at start-up and after a restart). @returns {Promise<Engine>} */
export function engine() {
  return ui.engine && !ui.engine.dead ? Promise.resolve(ui.engine) : new Promise((resolve) => ui.waiting.push(resolve));
}

/** @param {import('../engine/protocol.js').SweepRequest['type']} type @param {Record<string, any>} [payload] */
export async function call(type, payload = {}) {
  return (await engine()).call(type, payload);
}

/** The stored runs of the current spec. */
export function specRecords() {
  return ui.spec ? ui.spec.runs.map(([key]) => ui.records.get(key)).filter(Boolean) : [];
}

/** How many runs of the current spec are finished. */
export function countDone() {
  return specRecords().length;
}
