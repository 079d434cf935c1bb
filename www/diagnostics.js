// window.playground: a read-only view of the page's state for the browser tests, the bench and
// curious people in the console, plus diagnostics and test requests answered by the engine worker
// (ink, memory, trap, stall, kill, chart timings). Nothing of the page depends on it.

import { app } from './state.js';
import * as charts from './charts.js';
import * as compare from './compare.js';
import * as lecture from './lecture.js';
import { readForm } from './settings.js';
import * as run from './run.js';

/** Sets window.playground (app.js, at start-up). */
export function installDiagnostics() {
  /** @type {any} */ (window).playground = {
    get state() {
      return app.state;
    },
    get progress() {
      return app.progress;
    },
    get lossLog() {
      return app.lossLog.slice();
    },
    get epochs() {
      return app.epochs.slice();
    },
    get gpu() {
      return { ...app.gpu, ready: undefined, warmed: undefined, warm: { ...app.gpu.warm } };
    },
    get backendName() {
      return app.run?.backendName ?? null;
    },
    /** Loop timing of the current (or last) run, and the charts' drawing times in the worker. */
    get loopStats() {
      const r = app.run ?? app.lastRun;
      return r
        ? {
            chunks: r.chunks,
            activeMs: r.activeMs,
            maxChunkMs: r.maxChunkMs,
            wallMs: (r.endedAt ?? performance.now()) - r.startedAt,
            recentChunks: r.recentChunks.slice(),
            chartDrawMs: charts.charts.drawMs,
            chartMs: { ...charts.charts.lastMs },
          }
        : null;
    },
    readConfig: () => readForm(),
    get progressB() {
      return app.progressB;
    },
    get lossLogB() {
      return app.lossLogB.slice();
    },
    get compare() {
      return compare.isOn();
    },
    get lecture() {
      return lecture.isLecture();
    },
    get speed() {
      return app.speed;
    },
    get engineDown() {
      return app.engineDown;
    },
    /** false: no chart is drawn (the bench's baseline for the cost of drawing). */
    get chartsLive() {
      return charts.charts.live;
    },
    set chartsLive(on) {
      charts.charts.live = !!on;
      charts.invalidate();
    },
    /** The layout of each drawn chart (panels in backing-store pixels), by side and chart. */
    get chartLayouts() {
      /** @type {Record<string, any>} */
      const out = {};
      for (const side of charts.SIDES) out[side] = { ...charts.charts.sides[side].layouts };
      return out;
    },
    /** Diagnostics and tests: requests answered by the engine worker. */
    engine: {
      /** Share of a chart canvas's pixels that are drawn. */
      ink: (/** @type {string} */ canvas) => app.engine?.call('ink', { canvas }),
      /** {wasmBytes, jsHeapBytes, datasetLoads: {finished, stopped}} of the worker. */
      memory: () => app.engine?.call('memory'),
      /** Makes the worker trap inside wasm, as a panic would (tests the fatal path). */
      trap: () => app.engine?.call('trap').catch(() => {}),
      /** Tests: the worker busy for `ms` between two chunks, as a hung engine; `limit`: the hang limit (ms) to use. */
      stall: (/** @type {number} */ ms, /** @type {number} */ limit) => {
        run.setHangLimit(limit);
        return app.engine?.call('stall', { ms }).catch(() => {});
      },
      /** Ends the worker as a crash would (tests the message and the restart). */
      kill: (reason = 'stopped from the console') => app.engine?.kill(reason),
      /** Draws every chart once and reports the worker's milliseconds per chart. */
      async timeCharts() {
        /** @type {Record<string, number>} */
        const out = {};
        for (const chart of charts.CHARTS) {
          await charts.drawChart('a', chart);
          out[chart.kind] = charts.charts.lastMs[chart.kind];
        }
        return out;
      },
    },
  };
}
