// Activation playground: the page's start-up and wiring.
//
// The main thread renders the page and forwards input; it never trains or draws a chart. A
// dedicated worker (engine/) owns the wasm engine: the burn device, the data, the trainers,
// the training loop and the charts (OffscreenCanvas). The page keeps a second instance of the same compiled wasm
// module for the settings table, share links and presets (cheap, synchronous calls).
//
// Modules: settings.js (the form, validated in Rust), combo.js (the combination in words), links.js
// (share links), run.js (a run: commands to the worker's training loop, its events shown; its words in
// run-status.js), progress.js (the numbers), charts.js (figures, export; hover in charts/),
// compare.js (the B side), lecture.js (lecture mode, shortcuts), datasets.js (the Data card),
// status.js (state badge, buttons, banners), diagnostics.js (window.playground, for tests and the
// console), engine/ (the worker and its protocol).
//
// Rules: untrusted text (messages from wasm, share links) only ever goes in via textContent;
// every request to the engine has a time limit, and a dead engine is said so in words.

import { app, $, errorText, newGpuState } from './state.js';
import * as charts from './charts.js';
import * as compare from './compare.js';
import * as datasets from './datasets.js';
import { initKinds } from './datasets/kinds.js';
import * as lecture from './lecture.js';
import { initViews, nextView } from './views.js';
import * as host from './engine/host.js';
import { setState, showError, clearError, whenIdle } from './status.js';
import {
  buildForm,
  readForm,
  writeForm,
  validateForm,
  renderPresets,
  updatePresetSelection,
  updateNetworkDiagram,
  describe,
} from './settings.js';
import { applyShareQuery, fullPlaygroundLink, syncUrlSoon, wireShareBox } from './links.js';
import { showEmbed } from './embed.js';
import * as lesson from './lesson.js';
import * as run from './run.js';
import { drawSparkline, updateReadout } from './progress.js';
import { installDiagnostics } from './diagnostics.js';

const PKG_URL = new URL('./pkg/activation_playground.js', import.meta.url);

installDiagnostics();

// ------------------------------------------------------------------------------ the engine
/** The engine died: say so, end the run, and offer a restart that keeps the settings. */
function engineCrashed(/** @type {string} */ reason) {
  app.engineDown = reason;
  // Dying while warming up WebGPU: a restart would only die again, so it trains on the CPU.
  if (app.gpu.warm.state === 'running')
    app.gpuBroken = `the engine stopped while warming up WebGPU (${reason.replace(/\.$/, '')})`;
  run.abandonRun();
  charts.setReady('a', false);
  charts.setReady('b', false);
  charts.showStopped(true);
  $('engine-text').textContent = `${reason.replace(/\.$/, '')}. Nothing was lost but the current run.`;
  $('engine-banner').hidden = false;
  $('engine-restart').disabled = false;
  setState('error', 'The training engine stopped. Press “Restart the engine” to go on with the same settings.', 'bad');
}

async function restartEngine() {
  $('engine-restart').disabled = true;
  $('engine-text').textContent = 'Restarting…';
  setState('loading', 'Restarting the training engine…');
  try {
    await host.start(engineCrashed);
    app.engineDown = null;
    $('engine-banner').hidden = true;
    charts.showStopped(false);
    app.gpu = newGpuState();
    startWebGpu();
    await datasets.reload();
    app.dataset = datasets.current();
    warmUpGpu();
    setState('idle', `The engine is running again. ${run.READY}`);
    validateForm();
    run.drawEmptyCharts();
  } catch (e) {
    if (!app.engineDown) app.engineDown = errorText(e);
    $('engine-text').textContent = `The restart failed: ${errorText(e)}`;
    $('engine-restart').disabled = false;
    setState('error', 'The training engine could not be restarted.', 'bad');
  }
}

function startWebGpu() {
  if (app.gpuBroken) {
    app.gpu.status = 'unavailable';
    app.gpu.reason = app.gpuBroken;
    app.gpu.ready = Promise.resolve();
    gpuUnavailable();
    return;
  }
  app.gpu.ready = host
    .startGpu()
    .then((adapter) => {
      app.gpu.status = 'ready';
      app.gpu.adapter = adapter;
      $('adapter-name').textContent = adapter;
    })
    .catch((e) => {
      app.gpu.status = 'unavailable';
      app.gpu.reason = errorText(e).replace(/\.$/, '');
      console.warn('WebGPU unavailable:', app.gpu.reason);
      gpuUnavailable();
    });
}

/**
 * Compiles the WebGPU kernels in the background once WebGPU and the data are there and the form
 * asks for WebGPU: the engine trains one throw-away step of the form's configuration, so the
 * first step after Start finds them compiled (run.js holds a WebGPU Start until this is done).
 * Not for a CPU form: that step generates the kernels on the engine's thread, which a CPU run
 * started meanwhile waits for (seconds on a slow machine; see docs/benchmarks.md). A warm-up that
 * fails means WebGPU cannot train here: the page says so and trains on the CPU.
 */
async function warmUpGpu() {
  await app.gpu.ready;
  const gpu = app.gpu;
  if (gpu.status !== 'ready' || !app.dataset || gpu.warm.state !== 'none' || app.engineDown) return;
  const form = readForm();
  if (form.config.backend !== 'gpu') return;
  gpu.warm.state = 'running';
  const t0 = performance.now();
  $('adapter-name').textContent = `${gpu.adapter} · warming up (compiling the GPU kernels)…`;
  gpu.warmed = host
    .warmGpu(form.json)
    .then(() => {
      gpu.warm = { state: 'done', ms: performance.now() - t0, error: null };
      if (app.gpu === gpu)
        $('adapter-name').textContent =
          `${gpu.adapter} · ready (kernels compiled in ${(gpu.warm.ms / 1000).toFixed(1)} s)`;
    })
    .catch((e) => {
      gpu.warm = { state: 'failed', ms: performance.now() - t0, error: errorText(e) };
      if (app.gpu !== gpu || app.engineDown) return;
      gpu.status = 'unavailable';
      gpu.reason = `a first WebGPU training step failed: ${errorText(e).replace(/\.$/, '')}`;
      console.warn('WebGPU warm-up failed:', gpu.reason);
      gpuUnavailable();
    });
}

function gpuUnavailable() {
  const notice = $('gpu-notice');
  // The reason may carry its own parentheses: keep the sentence readable.
  const reason = (app.gpu.reason ?? '').replace(/\s*\(([^()]*)\)/g, ' — $1');
  notice.textContent = `WebGPU is not available in this browser (${reason}). Training on the CPU instead.`;
  notice.hidden = false;
  $('adapter-name').textContent = 'none (WebGPU not available)';
  const gpuRadio = $('backend-gpu');
  gpuRadio.disabled = true;
  $('backend-cpu').checked = true;
  gpuRadio.closest('label').title = 'WebGPU is not available in this browser';
  gpuRadio.closest('label').classList.add('unavailable');
}

// ------------------------------------------------------------------------------ view switches
/** The activation chart shows values before or after the activation function. */
function setStage(/** @type {string} */ stage) {
  charts.charts.stage = stage === 'pre' ? 'pre' : 'post';
  for (const input of document.querySelectorAll('#act-stage input')) {
    /** @type {HTMLInputElement} */ (input).checked =
      /** @type {HTMLInputElement} */ (input).value === charts.charts.stage;
  }
  charts.invalidate();
  for (const side of charts.SIDES) charts.drawChart(side, charts.CHARTS[1]);
}

let chartResizeTimer = /** @type {any} */ (null);
function redrawChartsSoon() {
  clearTimeout(chartResizeTimer);
  chartResizeTimer = setTimeout(() => {
    // While a run is going its loop redraws (a new cycle at once); otherwise redraw everything.
    charts.invalidate();
    if (!app.run || app.run.paused) charts.drawAll();
  }, 150);
}

/** Lecture mode on or off: big type, charts full screen (their text larger), URL flag. */
function setLecture(/** @type {boolean} */ on) {
  lecture.setLecture(on, () => {
    charts.setZoom(on ? lecture.LECTURE_CHART_ZOOM : 1);
    drawSparkline();
    // After the new layout has been computed.
    requestAnimationFrame(() => redrawChartsSoon());
    if (app.wasm && app.state !== 'loading') syncUrlSoon();
  });
}

/** The A/B comparison on or off (before a run). */
function setCompare(/** @type {boolean} */ on) {
  if (on && !$('compare-fields').dataset.touched) {
    // First time: B starts identical to A; only what the user then sets differs.
    compare.write(describe(readForm().config).settings);
    $('compare-fields').dataset.touched = '1';
  }
  compare.setOn(on);
  charts.charts.compare = on && charts.hasTrainer('b');
  validateForm();
  updatePresetSelection();
  drawSparkline();
  updateReadout();
  if (!app.run && app.state === 'idle') run.drawEmptyCharts();
  redrawChartsSoon();
}

/**
 * A run opened from elsewhere on the page (a sweep cell, `from`: "the sweep"): its link is in the
 * address bar. The current run is dropped, the link applied, and the page says what it opened,
 * at the charts, with the focus on ▶ Play.
 */
function openLink(/** @type {string} */ from) {
  run.resetThen(() => {
    // One run is opened: no comparison beside it.
    if (compare.isOn()) setCompare(false);
    applyShareQuery();
    lesson.showCaption(); // the opened link names no lesson
    lesson.showTable();
    updateNetworkDiagram();
    const { config } = readForm();
    const epochs = `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`;
    const text = `Opened ${describe(config).describe}, seed ${config.seed}, ${epochs}, from ${from}. ${run.READY}`;
    const shown = () => {
      validateForm();
      setState('idle', text);
      run.drawEmptyCharts();
    };
    if (config.dataset !== datasets.currentKind()) datasets.ensure(config.dataset).then(shown);
    else shown();
    $('plots').scrollIntoView({ block: 'start' });
    $('t-play').focus({ preventScroll: true });
  });
}

// ------------------------------------------------------------------------------ wiring
/** A new chart view: the charts redraw at their new sizes and the address bar follows. */
function viewChanged() {
  requestAnimationFrame(() => redrawChartsSoon());
  if (app.wasm && app.state !== 'loading') syncUrlSoon();
}

function wireEvents() {
  // The form has no submit button (the run controls are the charts' toolbar): Enter starts nothing.
  $('settings').addEventListener('submit', (/** @type {Event} */ event) => event.preventDefault());
  $('t-stop').addEventListener('click', run.stopRun);
  $('error-dismiss').addEventListener('click', clearError);
  $('engine-restart').addEventListener('click', restartEngine);
  // The layer rows are redrawn when the depth changes: listen on their list.
  $('net').addEventListener('change', updatePresetSelection);
  // Re-validate as the user edits; messages appear next to the field.
  let timer = /** @type {any} */ (null);
  $('settings-fields').addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (app.wasm) {
        validateForm();
        // The diagram, summary and row labels show the network that will train (widths included).
        updateNetworkDiagram();
      }
    }, 300);
  });
  // Selects and radios validate at once; text fields only on the (debounced) input event, never
  // on blur: a message appearing on blur would shift the Start button under the pointer.
  $('settings-fields').addEventListener('change', (/** @type {Event} */ event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    if (app.wasm && (target.tagName !== 'INPUT' || target.type === 'radio')) validateForm();
    if (app.wasm && ['bn', 'widths', 'acts', 'depth'].includes(target.name)) updateNetworkDiagram();
    // Choosing WebGPU starts its warm-up, if the page did not (the form said CPU until then).
    if (target.name === 'backend' && target.value === 'gpu' && app.state === 'idle') warmUpGpu();
  });
  window.addEventListener('resize', () => {
    drawSparkline();
    redrawChartsSoon();
  });
  $('act-stage').addEventListener('change', (/** @type {Event} */ event) =>
    setStage(/** @type {HTMLInputElement} */ (event.target).value),
  );

  // The charts' toolbar: play/pause, one step, reset, speed; exports; lecture mode.
  $('t-play').addEventListener('click', run.playPause);
  $('t-step').addEventListener('click', run.stepOnce);
  $('t-reset').addEventListener('click', run.resetRun);
  $('speed').addEventListener('change', (/** @type {Event} */ event) =>
    run.setSpeed(/** @type {HTMLSelectElement} */ (event.target).value),
  );
  $('lecture-toggle').addEventListener('click', () => setLecture(!lecture.isLecture()));
  for (const button of document.querySelectorAll('.save-png, .save-svg')) {
    const { chart: key, side } = /** @type {HTMLElement} */ (button).dataset;
    const chart = charts.CHARTS.find((c) => c.key === key);
    const format = button.classList.contains('save-svg') ? 'svg' : 'png';
    button.addEventListener('click', () => {
      charts.saveChart(side ?? 'a', chart, format).catch((e) => showError(`Saving the chart: ${errorText(e)}`));
    });
  }
  for (const id of ['dl-csv', 'dl-json', 'dl-csv-b', 'dl-json-b']) {
    const button = $(id);
    button.addEventListener('click', () => {
      charts
        .saveHistory(button.dataset.side, button.dataset.format)
        .catch((e) => showError(`Downloading the statistics: ${errorText(e)}`));
    });
  }
  lecture.initShortcuts({
    playPause: lesson.unlessTable(run.playPause),
    step: lesson.unlessTable(run.stepOnce),
    reset: lesson.unlessTable(run.resetRun),
    toggleLecture: (/** @type {boolean} */ on) => setLecture(on),
    faster: () => run.changeSpeed(true),
    slower: () => run.changeSpeed(false),
    toggleStage: () => setStage(charts.charts.stage === 'post' ? 'pre' : 'post'),
    fullscreen: lecture.toggleFullscreen,
    nextView: () => nextView(viewChanged),
    moveStep: lesson.move,
    blank: lesson.toggleBlank,
    pickChart: (/** @type {number} */ n) => {
      document.body.dataset.lectureChart = charts.CHARTS[n - 1]?.key ?? 'activations';
      redrawChartsSoon();
    },
  });
  $('compare').addEventListener('change', () => setCompare($('compare').checked));
  // Every valid change goes into the address bar: a reload (or a copied URL) restores it.
  $('settings-fields').addEventListener('input', syncUrlSoon);
  $('settings-fields').addEventListener('change', syncUrlSoon);
  wireShareBox();
  document.addEventListener('open-link', (event) => openLink(/** @type {CustomEvent} */ (event).detail.from));
  document.addEventListener('dataset-changed', () => {
    app.dataset = datasets.current();
    updateNetworkDiagram();
    syncUrlSoon();
    if (['idle', 'finished', 'stopped', 'diverged'].includes(app.state)) {
      setState(app.state, app.state === 'idle' ? `Ready. ${run.READY}` : undefined);
      validateForm();
    }
    setTimeout(() => {
      if (app.state === 'idle' && !app.run) run.drawEmptyCharts();
    }, 0);
  });
  window.addEventListener('error', (event) => showError(errorText(event.error ?? event.message)));
  window.addEventListener('unhandledrejection', (event) => showError(errorText(event.reason)));
  whenIdle(run.drawEmptyCharts);
}

async function main() {
  charts.buildFigures();
  wireEvents();
  setState('loading', 'Loading the WebAssembly module…');
  try {
    try {
      const [wasm, module] = await Promise.all([import(PKG_URL.href), host.compile()]);
      await wasm.default({ module_or_path: module });
      app.wasm = wasm;
      initKinds(wasm);
      initViews(viewChanged);
    } catch (e) {
      throw new Error(`The WebAssembly module is missing or broken (${errorText(e)}). Build it with: npm start`);
    }
    await host.start(engineCrashed);
    startWebGpu();
    app.settings = JSON.parse(app.wasm.settings());
    app.presets = JSON.parse(app.wasm.presets());
    buildForm();
    renderPresets();
    writeForm(JSON.parse(app.wasm.defaultConfig()));
    $('share').hidden = false;
    if (applyShareQuery()) setLecture(true);
    lesson.showCaption();
    const table = lesson.showTable(); // a lesson's table step trains the sweep instead
    if (app.shareFlags.embed) showEmbed(fullPlaygroundLink());

    setState('loading', 'Loading the data…');
    app.dataset = await datasets.start(app.wasm);
    updateNetworkDiagram();
    setState('idle', app.dataset ? `Ready. ${run.READY}` : datasets.waitingText());
    validateForm();
    warmUpGpu();
    await app.gpu.ready;
    if (app.shareFlags.autostart && !table)
      datasets.ensure(datasets.currentKind()).then(() => {
        if (app.state === 'idle') run.startRun();
      });
  } catch (e) {
    if (app.engineDown) return; // the engine banner says it
    setState('error', 'The page could not start.', 'bad');
    showError(errorText(e));
  }
}

main();
