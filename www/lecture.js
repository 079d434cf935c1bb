// Lecture mode (?lecture=1 or the L key): big type, every control hidden except play/pause,
// step, reset and speed, the current combination in large letters and the charts filling the
// screen in a 2×2 grid. Also the page's keyboard shortcuts and their help overlay.

import { $ } from './dom.js';

/** Text zoom of the wasm-drawn charts in lecture mode (bigger labels for the back row). */
export const LECTURE_CHART_ZOOM = 1.5;

export function isLecture() {
  return document.body.classList.contains('lecture');
}

/** Switches lecture mode; `onChange(on)` lets the page redraw the charts at their new size. */
export function setLecture(on, onChange) {
  const was = isLecture();
  document.body.classList.toggle('lecture', on);
  const button = $('lecture-toggle');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'Leave lecture mode' : 'Lecture mode';
  if (was !== on) onChange?.(on);
}

function isHelpOpen() {
  return !$('help').hidden;
}

function setHelp(open) {
  const help = $('help');
  if (open === !help.hidden) return;
  help.hidden = !open;
  if (open) {
    help.dataset.returnFocus = document.activeElement?.id ?? '';
    $('help-close').focus();
  } else {
    const back = help.dataset.returnFocus && $(help.dataset.returnFocus);
    if (back) back.focus();
  }
}

/**
 * Whether `key` belongs to the focused control (typing, a select, a checkbox's space…): Space
 * and Enter press whatever control has the focus, so play/pause is the shortcut only when none has.
 */
function typingInto(/** @type {any} */ target, /** @type {string} */ key) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const focusedControl = target !== document.body && (target.tabIndex >= 0 || target.matches('a[href], button'));
  if (focusedControl && (key === ' ' || key === 'Spacebar' || key === 'Enter')) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const { type } = /** @type {HTMLInputElement} */ (target);
    if (type === 'checkbox' || type === 'radio') return key === ' ' || key.startsWith('Arrow');
    return !['button', 'submit', 'reset'].includes(type);
  }
  return false;
}

/**
 * Wires the shortcuts. `actions`: {playPause, step, reset, toggleLecture, faster, slower,
 * toggleStage, fullscreen, pickChart(n), nextView, moveStep(by), blank}. Keys typed into a text field
 * or a select are left alone. In lecture mode a clicker's PageDown / PageUp move through a lesson
 * (`moveStep` returns false without one: the keys scroll as usual), B or . blanks the screen.
 */
export function initShortcuts(actions) {
  $('help-toggle').addEventListener('click', () => setHelp(!isHelpOpen()));
  $('help-close').addEventListener('click', () => setHelp(false));
  $('help').addEventListener('click', (event) => {
    if (event.target === $('help')) setHelp(false);
  });

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (key === 'Escape') {
      if (isHelpOpen()) {
        setHelp(false);
        event.preventDefault();
      } else if (isLecture()) {
        actions.toggleLecture(false);
        event.preventDefault();
      }
      return;
    }
    if (typingInto(event.target, key)) return;
    if (isHelpOpen() && key !== '?') {
      // Tab stays inside the dialog; everything else is ignored while it is open.
      if (key === 'Tab') {
        event.preventDefault();
        $('help-close').focus();
      }
      return;
    }
    const run = (fn) => {
      event.preventDefault();
      fn();
    };
    // Letters work in either case.
    switch (key.length === 1 ? key.toLowerCase() : key) {
      case ' ':
      case 'Spacebar':
        return run(actions.playPause);
      case 'ArrowRight':
        return run(actions.step);
      case 'r':
        return run(actions.reset);
      case 'l':
        return run(() => actions.toggleLecture(!isLecture()));
      case '?':
        return run(() => setHelp(!isHelpOpen()));
      case '+':
      case '=':
        return run(actions.faster);
      case '-':
      case '_':
        return run(actions.slower);
      case 'p':
        return run(actions.toggleStage);
      case 'f':
        return run(actions.fullscreen);
      case '2':
      case '3':
      case '4':
        return run(() => actions.pickChart(Number(key)));
      case 'v':
        return run(actions.nextView);
      case 'PageDown':
      case 'PageUp':
        if (isLecture() && actions.moveStep?.(key === 'PageDown' ? 1 : -1)) event.preventDefault();
        return;
      case 'b':
      case '.':
        if (isLecture()) run(actions.blank);
        return;
      default:
    }
  });
}

/** Browser full screen on and off (on a user gesture). */
export async function toggleFullscreen() {
  try {
    if (document.fullscreenElement) await document.exitFullscreen();
    else await document.documentElement.requestFullscreen();
  } catch {
    /* refused (e.g. inside a frame): nothing to do */
  }
}
