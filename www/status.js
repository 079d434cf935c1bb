// The page's state badge, status line, buttons and error banner follow the run's state here.

import { app, $ } from './state.js';
import * as charts from './charts.js';

export function showError(message) {
  $('error-text').textContent = message;
  $('error-banner').hidden = false;
}
export function clearError() {
  $('error-banner').hidden = true;
  $('error-text').textContent = '';
}

export function setState(state, text, tone) {
  app.state = state;
  document.body.dataset.state = state;
  const labels = {
    loading: 'Loading…',
    idle: 'Ready',
    running: 'Training',
    paused: 'Paused',
    finished: 'Finished',
    stopped: 'Stopped',
    diverged: 'Diverged',
    error: 'Error',
  };
  $('state-badge').textContent = labels[state] ?? state;
  if (text !== undefined) {
    const el = $('status-text');
    el.textContent = text;
    el.classList.toggle('is-bad', tone === 'bad');
    el.classList.toggle('is-good', tone === 'good');
  }
  const busy = state === 'running' || state === 'paused';
  $('settings-fields').disabled = busy || state === 'loading';
  // Why the settings are locked, and what to press (the same names as the buttons).
  const lock = $('settings-lock');
  lock.hidden = !busy;
  lock.textContent = busy ? 'The settings are locked during a run: press ↺ Reset (R) or ■ Stop to change them.' : '';
  updateTransport();
}

/** The run controls (play/pause, step, reset, stop) follow the state; the charts' status line mirrors the run's. */
function updateTransport() {
  const state = app.state;
  const busy = state === 'running' || state === 'paused';
  const play = $('t-play');
  const canStart = !!app.dataset && state !== 'loading' && !app.engineDown;
  play.textContent = state === 'running' ? '❚❚ Pause' : '▶ Play';
  play.classList.toggle('is-running', state === 'running');
  play.disabled = !canStart;
  $('t-step').disabled = !canStart;
  $('t-reset').disabled = !canStart;
  // Stop goes with the run: the focus it had goes to ▶ Play, never to nowhere.
  if (!busy && document.activeElement === $('t-stop')) play.focus();
  $('t-stop').hidden = !busy;
  $('t-stop').disabled = false;
  // Nothing to export before a run has recorded something.
  const recorded = busy || ['finished', 'stopped', 'diverged'].includes(state) || (state === 'error' && !!app.lastRun);
  const exports = /** @type {NodeListOf<HTMLButtonElement>} */ (
    document.querySelectorAll('#dl-csv, #dl-json, #dl-csv-b, #dl-json-b, .save-png, .save-svg')
  );
  for (const button of exports) button.disabled = !recorded;
  const status = $('status-text');
  const mirror = $('plots-status');
  mirror.textContent = status.textContent;
  mirror.className = `plots-status ${status.className.replace('status-text', '')}`.trim();
  // Ready and nothing drawn yet (page load): the charts' empty states, once the data is there.
  if (state === 'idle' && app.dataset && !app.run && !charts.hasTrainer('a'))
    setTimeout(() => {
      if (app.state === 'idle' && !app.run && !charts.hasTrainer('a')) onIdle();
    }, 0);
}

/**
 * The banner over the charts for a run that stopped by itself (diverged, failed): what happened
 * and the next action (`action`: its label and what it does). `null` hides it.
 * @param {{title: string, text: string, action: string, onAction: () => void} | null} banner
 */
export function showRunBanner(banner) {
  const el = $('run-banner');
  el.hidden = !banner;
  if (!banner) return;
  $('run-banner-title').textContent = banner.title;
  $('run-banner-text').textContent = banner.text;
  const button = $('run-banner-action');
  button.textContent = banner.action;
  button.onclick = banner.onAction;
}

/** @type {() => void} */
let onIdle = () => {};
/** What to do when the page is idle with nothing drawn (run.js: draw the empty charts). */
export function whenIdle(/** @type {() => void} */ fn) {
  onIdle = fn;
}
