// Share links: the page's address always holds the current settings (a reload restores them),
// "Copy link" hands them on. Parsing and writing are Rust's (parseShareQuery, shareQuery): one
// validation path, and nothing from a link is ever inserted as markup.

import { app, $, errorText } from './state.js';
import * as compare from './compare.js';
import * as lecture from './lecture.js';
import { currentView, setView } from './views.js';
import { validateForm, writeForm, updatePresetSelection, describe } from './settings.js';

/**
 * Applies the page's link (?acts=…&compare=1&b.acts=…&lecture=1&autostart=1&preset=…&lesson=…).
 * Each problem is named in a notice; every other setting still applies. Returns whether the link
 * asks for lecture mode.
 */
export function applyShareQuery() {
  const query = location.search.replace(/^\?/, '');
  if (!query) return false;
  let view;
  try {
    view = JSON.parse(app.wasm.parseShareQuery(query));
  } catch (e) {
    showLinkNotice([{ field: 'link', message: `could not be read (${errorText(e)})` }]);
    return false;
  }
  app.shareFlags.lecture = !!view.lecture;
  app.shareFlags.autostart = !!view.autostart;
  app.shareFlags.embed = !!view.embed;
  showLinkNotice(applyView(view));
  return app.shareFlags.lecture || app.shareFlags.embed;
}

/**
 * Puts a parsed link (Rust's SharedView: settings, B side, preset, chart view, lesson step) into
 * the form and the page. Returns the problems to name (Rust's: bad values, and settings a B side
 * cannot hold).
 */
export function applyView(/** @type {any} */ view) {
  if (view.config) writeForm(view.config);
  if (view.preset && $('preset')) {
    $('preset').value = view.preset;
    updatePresetSelection();
  }
  app.lesson = view.lesson ?? null;
  setView(view.view ?? 'all', () => requestAnimationFrame(() => window.dispatchEvent(new Event('resize'))));
  const problems = [...(view.errors ?? [])];
  compare.setOn(!!view.compare);
  if (view.compare) {
    compare.write(describe(view.compare).settings);
  }
  validateForm();
  return problems;
}

/** @param {{field: string, message: string}[]} problems */
function showLinkNotice(problems) {
  const el = $('link-notice');
  el.textContent = '';
  el.hidden = !problems.length;
  if (!problems.length) return;
  const head = document.createElement('strong');
  head.textContent =
    problems.length === 1
      ? 'One setting in this link was not used'
      : `${problems.length} settings in this link were not used`;
  const rest = document.createElement('span');
  rest.textContent = ' (they keep their preset or default values); everything else was applied:';
  const list = document.createElement('ul');
  list.className = 'link-problems';
  for (const { field, message } of problems) {
    const li = document.createElement('li');
    const name = document.createElement('code');
    name.textContent = String(field);
    li.append(name, `: ${message}`);
    list.append(li);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.className = 'banner-close';
  close.setAttribute('aria-label', 'Dismiss');
  close.textContent = '×';
  close.addEventListener('click', () => {
    el.hidden = true;
  });
  el.append(close, head, rest, list);
}

/** The query for the current settings (A, B when comparing, page flags), or null if invalid. */
function shareQueryNow(
  { lecture: lectureFlag = lecture.isLecture(), autostart = false, embed = app.shareFlags.embed } = {},
  form = validateForm(),
) {
  if (!form) return null;
  try {
    const { lesson } = app;
    const page = new URLSearchParams({
      lecture: lectureFlag ? '1' : '0',
      autostart: autostart ? '1' : '0',
      embed: embed ? '1' : '0',
      view: currentView(),
    });
    if (lesson) {
      page.set('lesson', lesson.name);
      page.set('step', String(lesson.step));
    }
    return app.wasm.shareQuery(form.json, form.b?.json ?? undefined, page.toString());
  } catch (e) {
    console.warn('shareQuery:', e);
    return null;
  }
}

/** The full playground with the current settings (an embed's link out). */
export function fullPlaygroundLink() {
  const query = shareQueryNow({ lecture: false, embed: false });
  return query == null ? null : `${location.origin}${location.pathname}?${query}`;
}

function shareOptions() {
  return { lecture: $('share-lecture').checked, autostart: $('share-autostart').checked };
}

async function copyShareLink() {
  const box = $('share-box');
  if (box.hidden) $('share-lecture').checked = lecture.isLecture();
  const query = shareQueryNow(shareOptions());
  if (query == null) {
    $('share-status').textContent = 'Fix the highlighted settings first: a link carries valid settings only.';
    return;
  }
  const url = `${location.origin}${location.pathname}?${query}`;
  syncUrl();
  box.hidden = false;
  $('share-url').value = url;
  try {
    await navigator.clipboard.writeText(url);
    $('share-status').textContent = 'Link copied to the clipboard: it opens exactly these settings.';
  } catch {
    $('share-status').textContent = 'Copy the link below (the browser did not allow copying).';
    $('share-url').select();
  }
}

/** Keeps the address bar (and an open share box) on the current settings: a reload restores them. */
export function syncUrl() {
  const form = validateForm();
  const query = shareQueryNow({}, form);
  if (query == null) return;
  if (location.search.replace(/^\?/, '') !== query) history.replaceState(null, '', `?${query}`);
  if (!$('share-box').hidden) {
    const full = shareQueryNow(shareOptions(), form);
    if (full != null) $('share-url').value = `${location.origin}${location.pathname}?${full}`;
  }
}

/** @type {any} */
let syncTimer = null;
export function syncUrlSoon() {
  clearTimeout(syncTimer);
  syncTimer = setTimeout(() => {
    if (app.wasm && app.state !== 'loading') syncUrl();
  }, 350);
}

export function wireShareBox() {
  $('share').addEventListener('click', () => {
    copyShareLink().catch((e) => ($('share-status').textContent = errorText(e)));
  });
  $('share-lecture').addEventListener('change', syncUrl);
  $('share-autostart').addEventListener('change', syncUrl);
  $('share-url').addEventListener('keydown', (/** @type {KeyboardEvent} */ event) => {
    if (event.key === 'Enter') event.preventDefault();
  });
  $('share-url').addEventListener('focus', () => $('share-url').select());
}
