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
  $('start').hidden = busy;
  $('start').disabled = state === 'loading' || !app.dataset || !!app.engineDown;
  $('start').textContent = state === 'idle' || state === 'loading' ? 'Start' : 'Start again';
  $('pause').hidden = state !== 'running';
  $('resume').hidden = state !== 'paused';
  $('stop').hidden = !busy;
  $('pause').disabled = false;
  $('stop').disabled = false;
  updateTransport();
}

/** The chart toolbar's play/pause, step and reset follow the state; its status line mirrors the run's. */
function updateTransport() {
  const state = app.state;
  const play = $('t-play');
  const canStart = !!app.dataset && state !== 'loading' && !app.engineDown;
  play.textContent = state === 'running' ? '❚❚ Pause' : state === 'paused' ? '▶ Resume' : '▶ Play';
  play.classList.toggle('is-running', state === 'running');
  play.disabled = !canStart;
  $('t-step').disabled = !canStart;
  $('t-reset').disabled = !canStart;
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

/** @type {() => void} */
let onIdle = () => {};
/** What to do when the page is idle with nothing drawn (run.js: draw the empty charts). */
export function whenIdle(/** @type {() => void} */ fn) {
  onIdle = fn;
}
