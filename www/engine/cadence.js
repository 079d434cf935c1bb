// When the charts are redrawn during training, decided in the worker next to the loop: at most
// one chart after each chunk, cycling through the page's charts, with a pause of several times
// a cycle's cost between cycles (drawing competes with training); a new cycle at once when
// forced (an epoch's end, a new view); in slow motion a cycle for every new step, drawn in the
// spare time between steps. The page says what to draw on (the View: canvas sizes, scale,
// stage) and hears of each drawn chart (a DrawnEvent with its layout, for hover read-outs).

/** @typedef {import('./protocol.js').View} View */
/** @typedef {import('./protocol.js').DrawTarget} DrawTarget */

const CHART_MIN_INTERVAL_MS = 1500;

/**
 * @param {(target: DrawTarget, stage: 'pre' | 'post') => {layout: any, ms: number}} draw
 * @param {(target: DrawTarget, layout: any, ms: number) => void} drawn
 */
export function createCadence(draw, drawn) {
  /** @type {View | null} */
  let view = null;
  /** @type {DrawTarget[]} */
  let queue = [];
  let cycleStart = -Infinity;
  /** @type {string | null} */
  let cycleStep = null;
  let cycleMs = 0;
  let drawMs = 0;
  let failed = false;

  const targets = () => (view?.live ? view.targets : []);

  return {
    /** A new view (sizes, stage, sides): a new cycle at the next chunk. @param {View} next */
    setView(next) {
      view = next;
      queue = [];
      cycleStart = -Infinity;
    },

    /** A new run. */
    reset() {
      queue = [];
      cycleStart = -Infinity;
      cycleStep = null;
      drawMs = 0;
      failed = false;
    },

    /** Whether a chart of step `step` is still to be drawn (slow motion). @param {string} step */
    pending(step) {
      return queue.length > 0 || (targets().length > 0 && step !== cycleStep);
    },

    /**
     * Draws the next chart due, if any. `force` starts a new cycle at once; `slow` (slow
     * motion) whenever the step changed.
     * @param {string} step  both sides' steps, e.g. "120/120"
     */
    tick(step, { force = false, slow = false } = {}) {
      const all = targets();
      if (!all.length || !view) return;
      const now = performance.now();
      if (!queue.length) {
        const interval = Math.max(CHART_MIN_INTERVAL_MS, 6 * drawMs);
        const due = force || (slow ? step !== cycleStep : now - cycleStart >= interval);
        if (!due) return;
        queue = [...all];
        cycleStart = now;
        cycleStep = step;
        cycleMs = 0;
      }
      const target = /** @type {DrawTarget} */ (queue.shift());
      try {
        const { layout, ms } = draw(target, view.stage);
        cycleMs += ms;
        if (!queue.length) drawMs = cycleMs;
        drawn(target, layout, ms);
      } catch (e) {
        // Training goes on without this chart; the page's own redraws report a lasting problem.
        if (!failed) console.warn(`drawing the ${target.chart} chart failed:`, e);
        failed = true;
      }
    },
  };
}
