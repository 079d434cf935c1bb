// Datasets: the Data card. Picks the dataset (the bundled MNIST and CIFAR-10 subsets, MNIST,
// Fashion-MNIST or CIFAR-10), finds the files of the ones that are not bundled (a folder served with the page,
// www/data/<kind>/manifest.json, written by `npm run add-dataset`; or files the user chooses or
// drops) and names them to the engine worker: File objects or URLs, never their bytes. The worker
// reads them as streams into the wasm engine (engine/reader.js), which decompresses and parses
// them as they come, and reports its progress for the progress bar; the page keeps only a summary
// (and the sources, to read them again after an engine restart). Then it shows what was loaded:
// counts per split and per class, and some test images. The loading itself: datasets/load.js.
//
// API for app.js:
//   start(wasm)      → Promise<Dataset|null>: the first load (the kind a share link names, else
//                      the bundled subset); null when a linked dataset must first be supplied.
//   current()        → the summary of the dataset in use (null before one is loaded).
//   currentKind()    → its kind; while none is loaded, the kind that is asked for.
//   ensure(kind)     → Promise<Dataset>, resolved once that kind is loaded (asks for it).
//   waitingText()    → why training cannot start yet ('' once a dataset is loaded).
// Event: `dataset-changed` on document, detail {kind, inputSize, width, height, channels,
// trainCount, testCount}, after a new dataset replaced the old one (in the engine, a trainer
// keeps its own reference to the data it trains on).
//
// Rules: a new dataset replaces the current one only once it parsed; file names and messages
// only ever go into the page as textContent.

import * as host from './engine/host.js';
import { $, errorText as text } from './dom.js';
import { fetchManifest, guessKind, droppedFiles } from './datasets/files.js';
import { EngineCrashed } from './engine/client.js';
import { KINDS, DEFAULT_KIND, kindLabel } from './datasets/kinds.js';
import * as view from './datasets/view.js';
import { load } from './datasets/load.js';

const DATA_URL = new URL('./data/', import.meta.url);

const state = {
  wasm: null,
  dataset: null, // the summary of the dataset in use (engine/protocol.js DatasetSummary)
  kind: null, // its kind
  source: '', // where it came from, for the summary
  selected: '', // the picker's choice (the default, once the kinds are read)
  wanted: null, // the kind a share link asked for, until something is loaded
  linked: null, // the kind the page's link named
  token: 0, // increases with every load; a load whose token is stale is dropped
  loadingKind: null,
  waiters: [], // [{kind, resolve}] from ensure()
  wired: false,
};

// ------------------------------------------------------------------------------ public API
export function current() {
  return state.dataset;
}
export function currentKind() {
  return state.kind ?? state.wanted ?? DEFAULT_KIND;
}
export { kindLabel };

export function waitingText() {
  if (state.dataset) return '';
  const label = kindLabel(currentKind());
  return state.linked === currentKind()
    ? `This link trains on ${label}: choose its files in the Data card to start.`
    : `Load the ${label} files in the Data card to start.`;
}

export function ensure(kind) {
  if (!KINDS[kind]) return Promise.reject(new Error(`unknown dataset ${JSON.stringify(kind)}`));
  if (state.dataset && state.kind === kind) return Promise.resolve(state.dataset);
  const promise = new Promise((resolve) => state.waiters.push({ kind, resolve }));
  if (state.wasm && state.selected !== kind) pick(kind);
  return promise;
}

/** The first load. Throws when the bundled subset cannot be loaded (the page cannot work). */
export async function start(wasm) {
  state.wasm = wasm;
  state.selected ||= DEFAULT_KIND;
  wire();
  const linked = linkedKind(wasm);
  if (linked && KINDS[linked].builtIn) {
    setPicker(linked);
    await loadBuiltIn(linked);
    return state.dataset;
  }
  if (linked && KINDS[linked].bundled && linked !== DEFAULT_KIND) {
    setPicker(linked);
    state.wanted = linked;
    // Without it (a host that left it out, a failed download) the page still works on the default.
    if (await loadBundled(linked)) return state.dataset;
    state.wanted = null;
  }
  if (linked && !KINDS[linked].bundled) {
    state.wanted = linked;
    state.linked = linked;
    setPicker(linked);
    await openKind(linked, { fromLink: true });
    return state.dataset;
  }
  setPicker(DEFAULT_KIND);
  await loadBundled(DEFAULT_KIND, { initial: true });
  return state.dataset;
}

// ------------------------------------------------------------------------------ the card
function wire() {
  if (state.wired) return;
  state.wired = true;
  for (const radio of /** @type {NodeListOf<HTMLInputElement>} */ (
    document.querySelectorAll('input[name="dataset-kind"]')
  )) {
    radio.addEventListener('change', () => {
      if (radio.checked) pick(radio.value);
    });
  }
  const input = $('ds-input');
  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    if (files.length) loadFiles(state.selected, files);
  });
  // Files can be dropped anywhere on the Data card (the chooser panel is highlighted).
  const card = $('ds-files').closest('section') ?? $('ds-files');
  const over = (on) => {
    const panel = $('ds-files');
    panel.classList.toggle('is-over', on && !panel.hidden);
    card.classList.toggle('ds-over', on && panel.hidden);
  };
  card.addEventListener('dragenter', (e) => {
    e.preventDefault();
    over(true);
  });
  card.addEventListener('dragover', (e) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    over(true);
  });
  card.addEventListener('dragleave', (/** @type {DragEvent} */ e) => {
    if (!card.contains(/** @type {Node} */ (e.relatedTarget))) over(false);
  });
  card.addEventListener('drop', (e) => {
    e.preventDefault();
    over(false);
    if ($('ds-controls').disabled) {
      view.showError('Stop the run to change the dataset.');
      return;
    }
    droppedFiles(e.dataTransfer)
      .then((files) => {
        if (!files.length) return;
        let kind = state.selected;
        if (KINDS[kind].bundled || KINDS[kind].builtIn) {
          kind = guessKind(state.wasm, files);
          if (!kind) {
            view.showError(
              'Which dataset are these files? Pick MNIST (full), Fashion-MNIST or CIFAR-10 above, then drop them again.',
            );
            return;
          }
          setPicker(kind);
        }
        loadFiles(kind, files);
      })
      .catch((err) => view.showError('Could not read what was dropped.', text(err)));
  });
  $('ds-other').addEventListener('click', () => view.showChooser(state, state.selected, { other: true }));
  // No dataset changes while a run trains (it keeps its own data, but the card would then
  // describe something else than what is being trained on).
  const follow = () => {
    const busy = ['running', 'paused'].includes(document.body.dataset.state);
    $('ds-controls').disabled = busy;
    $('ds-controls').title = busy ? 'Stop the run to change the dataset' : '';
  };
  new MutationObserver(follow).observe(document.body, { attributes: true, attributeFilter: ['data-state'] });
  follow();
}

/** A new load (or none) supersedes the one in flight, if any (the engine stops reading it). */
function nextToken() {
  if (state.loadingKind) host.cancelDataset();
  state.loadingKind = null;
  return ++state.token;
}

function setPicker(kind) {
  state.selected = kind;
  const radio = $(`ds-kind-${kind}`);
  if (radio) radio.checked = true;
}

/** The picker chose `kind`. */
function pick(kind) {
  setPicker(kind);
  view.clearError();
  if (state.wanted && state.wanted !== kind && state.dataset == null) {
    // A link asked for another kind: that request is replaced by the user's choice.
    state.wanted = kind;
  }
  if (state.dataset && state.kind === kind) {
    // Already in use (a newer load of something else, if any, is cancelled).
    nextToken();
    view.hideProgress();
    view.showChooser(state, null);
    view.renderPicker(state);
    return;
  }
  if (KINDS[kind].bundled) loadBundled(kind).catch(() => {});
  else if (KINDS[kind].builtIn) loadBuiltIn(kind);
  else openKind(kind, {});
}

/** Loads a kind that is not bundled: from its served folder, else asks for the files. */
async function openKind(kind, { fromLink = false } = {}) {
  const token = nextToken();
  view.showChooser(state, null);
  view.setNotice(fromLink ? kind : null);
  let manifest;
  try {
    manifest = await fetchManifest(kind);
  } catch (e) {
    if (token !== state.token) return false;
    view.showError(`${kindLabel(kind)} could not be loaded from www/data/${kind}/`, text(e));
    view.showChooser(state, kind);
    return false;
  }
  if (token !== state.token) return false;
  if (!manifest) {
    view.showChooser(state, kind);
    if (!state.dataset) $('data-summary').textContent = `No dataset loaded yet: ${kindLabel(kind)} needs its files.`;
    return false;
  }
  const ok = await load(
    state,
    kind,
    manifest.files.map((f) => ({
      name: f.name,
      size: f.size,
      url: new URL(`${kind}/${encodeURIComponent(f.name)}`, DATA_URL).href,
    })),
    `served from www/data/${kind}/`,
    token,
  );
  if (!ok && token === state.token) view.showChooser(state, kind);
  return ok;
}

/**
 * Loads a dataset that ships with the page (the MNIST subset at once, the CIFAR-10 subset when
 * chosen) from www/data/<kind>/; the file names are Rust's.
 */
async function loadBundled(kind, { initial = false } = {}) {
  const token = nextToken();
  view.showChooser(state, null);
  view.setNotice(null);
  const base = new URL(`${kind}/`, DATA_URL);
  /** @type {string[]} */
  const names = JSON.parse(state.wasm.bundledFiles(kind));
  const ok = await load(
    state,
    kind,
    names.map((name) => ({
      name,
      url: new URL(name, base).href,
      hint: 'run the build: npm start',
    })),
    'bundled with the page',
    token,
    { rethrow: initial },
  );
  return ok;
}

/** A dataset the engine builds itself (the Q&A's examples): nothing to read. */
function loadBuiltIn(kind) {
  const token = nextToken();
  view.showChooser(state, null);
  view.setNotice(null);
  return load(state, kind, [], 'built into the page', token);
}

function loadFiles(kind, files) {
  const token = nextToken();
  view.setNotice(null);
  return load(
    state,
    kind,
    files.map((file) => ({ name: file.name, file })),
    'from your files',
    token,
  );
}

/**
 * After an engine restart: the new engine reads the dataset in use from its sources again. When
 * they cannot be read any more (a file moved or deleted since), the Data card says so and the
 * bundled subset is loaded instead. Rejects only when the engine itself fails.
 */
export async function reload() {
  try {
    await host.reloadDataset();
  } catch (e) {
    if (e instanceof EngineCrashed || !state.dataset) throw e;
    const label = kindLabel(state.kind);
    state.dataset = null;
    await loadBundled(DEFAULT_KIND).catch(() => {});
    view.showError(
      `The restarted engine could not read the ${label} files again; choose them again. ${kindLabel(state.kind)} is in use meanwhile.`,
      text(e),
    );
  }
}

/** The dataset a share link names (validated by the wasm link parser), or null. */
function linkedKind(wasm) {
  const query = location.search.replace(/^\?/, '');
  if (!query || typeof wasm.parseShareQuery !== 'function') return null;
  try {
    const kind = JSON.parse(wasm.parseShareQuery(query))?.config?.dataset;
    return KINDS[kind] ? kind : null;
  } catch {
    return null;
  }
}
