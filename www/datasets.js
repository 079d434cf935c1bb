// Datasets: the Data card. Picks the dataset (the bundled MNIST subset, MNIST, Fashion-MNIST or
// CIFAR-10), finds the files of the ones that are not bundled (a folder served with the page,
// www/data/<kind>/manifest.json, written by `npm run add-dataset`; or files the user chooses or
// drops), reads them as streams with a progress bar, gunzips them in the browser
// (DecompressionStream) and hands the raw bytes to the wasm parser (Dataset.fromFiles). Then it
// shows what was loaded: counts per split and per class, and some test images.
//
// API for app.js:
//   start(wasm)      → Promise<Dataset|null>: the first load (the kind a share link names, else
//                      the bundled subset); null when a linked dataset must first be supplied.
//   current()        → the wasm Dataset in use (null before one is loaded).
//   currentKind()    → its kind; while none is loaded, the kind that is asked for.
//   ensure(kind)     → Promise<Dataset>, resolved once that kind is loaded (asks for it).
//   waitingText()    → why training cannot start yet ('' once a dataset is loaded).
// Event: `dataset-changed` on document, detail {kind, inputSize, width, height, channels,
// trainCount, testCount}, after a new dataset replaced the old one (which is then freed: a
// Trainer keeps its own reference to the data it trains on).
//
// Rules: a new dataset replaces the current one only once it parsed; file names and messages
// only ever go into the page as textContent.

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const FASHION = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
const CIFAR = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const MNIST_NAMES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

const KINDS = {
  'mnist-subset': { label: 'MNIST subset', classes: DIGITS, noun: 'a handwritten' },
  mnist: { label: 'MNIST (full)', classes: DIGITS, noun: 'a handwritten', source: 'https://yann.lecun.com/exdb/mnist/ or a mirror' },
  'fashion-mnist': { label: 'Fashion-MNIST', classes: FASHION, noun: 'a photo of a', source: 'https://github.com/zalandoresearch/fashion-mnist' },
  cifar10: { label: 'CIFAR-10', classes: CIFAR, noun: 'a photo of a', source: 'https://www.cs.toronto.edu/~kriz/cifar.html (the binary version)' },
};
const BUNDLED = { kind: 'mnist-subset', dir: 'www/data/mnist-subset/', files: MNIST_NAMES.map((n) => `${n}.gz`) };
const DATA_URL = new URL('./data/', import.meta.url);
/** Refuse to gunzip further than this per file (CIFAR-10's whole archive is ~185 MB). */
const MAX_FILE_BYTES = 512 * 1024 * 1024;
const SAMPLES = 20;

const fmtInt = new Intl.NumberFormat('en-US');
const $ = (id) => document.getElementById(id);

const state = {
  wasm: null,
  dataset: null,   // the wasm Dataset in use
  kind: null,      // its kind
  source: '',      // where it came from, for the summary
  selected: 'mnist-subset', // the picker's choice
  wanted: null,    // the kind a share link asked for, until something is loaded
  linked: null,    // the kind the page's link named
  token: 0,        // increases with every load; a load whose token is stale is dropped
  loadingKind: null,
  waiters: [],     // [{kind, resolve}] from ensure()
  wired: false,
};

// ------------------------------------------------------------------------------ public API
export function current() { return state.dataset; }
export function currentKind() { return state.kind ?? state.wanted ?? 'mnist-subset'; }
export function kindLabel(kind) { return KINDS[kind]?.label ?? kind; }

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
  wire();
  const linked = linkedKind(wasm);
  if (linked && linked !== BUNDLED.kind) {
    state.wanted = linked;
    state.linked = linked;
    setPicker(linked);
    await openKind(linked, { fromLink: true });
    return state.dataset;
  }
  await loadBundled({ initial: true });
  return state.dataset;
}

// ------------------------------------------------------------------------------ the card
function wire() {
  if (state.wired) return;
  state.wired = true;
  for (const radio of document.querySelectorAll('input[name="dataset-kind"]')) {
    radio.addEventListener('change', () => { if (radio.checked) pick(radio.value); });
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
  card.addEventListener('dragenter', (e) => { e.preventDefault(); over(true); });
  card.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; over(true); });
  card.addEventListener('dragleave', (e) => { if (!card.contains(e.relatedTarget)) over(false); });
  card.addEventListener('drop', (e) => {
    e.preventDefault();
    over(false);
    if ($('ds-controls').disabled) {
      showError('Stop the run to change the dataset.');
      return;
    }
    droppedFiles(e.dataTransfer).then((files) => {
      if (!files.length) return;
      let kind = state.selected;
      if (kind === BUNDLED.kind) {
        kind = guessKind(files);
        if (!kind) {
          showError('Which dataset are these files? Pick MNIST (full), Fashion-MNIST or CIFAR-10 above, then drop them again.');
          return;
        }
        setPicker(kind);
      }
      loadFiles(kind, files);
    }).catch((err) => showError('Could not read what was dropped.', text(err)));
  });
  $('ds-other').addEventListener('click', () => showChooser(state.selected, { other: true }));
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

/** A new load (or none) supersedes the one in flight, if any. */
function nextToken() {
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
  clearError();
  if (state.wanted && state.wanted !== kind && state.dataset == null) {
    // A link asked for another kind: that request is replaced by the user's choice.
    state.wanted = kind;
  }
  if (state.dataset && state.kind === kind) {
    // Already in use (a newer load of something else, if any, is cancelled).
    nextToken();
    hideProgress();
    showChooser(null);
    renderPicker();
    return;
  }
  if (kind === BUNDLED.kind) loadBundled().catch(() => {});
  else openKind(kind, {});
}

/** Loads a kind that is not bundled: from its served folder, else asks for the files. */
async function openKind(kind, { fromLink }) {
  const token = nextToken();
  showChooser(null);
  setNotice(fromLink ? kind : null);
  let manifest;
  try {
    manifest = await fetchManifest(kind);
  } catch (e) {
    if (token !== state.token) return false;
    showError(`${kindLabel(kind)} could not be loaded from www/data/${kind}/`, text(e));
    showChooser(kind);
    return false;
  }
  if (token !== state.token) return false;
  if (!manifest) {
    showChooser(kind);
    if (!state.dataset) $('data-summary').textContent = `No dataset loaded yet: ${kindLabel(kind)} needs its files.`;
    return false;
  }
  const ok = await load(kind, manifest.files.map((f) => ({
    name: f.name,
    size: f.size,
    open: (signal) => openUrl(new URL(`${kind}/${encodeURIComponent(f.name)}`, DATA_URL), f.name, signal),
  })), `served from www/data/${kind}/`, token);
  if (!ok && token === state.token) showChooser(kind);
  return ok;
}

async function loadBundled({ initial = false } = {}) {
  const token = nextToken();
  showChooser(null);
  setNotice(null);
  const base = new URL(`${BUNDLED.kind}/`, DATA_URL);
  const ok = await load(BUNDLED.kind, BUNDLED.files.map((name) => ({
    name,
    size: null,
    open: (signal) => openUrl(new URL(name, base), name, signal, 'run the build: npm start'),
  })), 'bundled with the page', token, { rethrow: initial });
  return ok;
}

function loadFiles(kind, files) {
  const token = nextToken();
  setNotice(null);
  return load(kind, files.map((file) => ({
    name: file.name,
    size: file.size,
    open: async () => ({ stream: file.stream(), size: file.size }),
  })), 'from your files', token);
}

// ------------------------------------------------------------------------------ loading
class Superseded extends Error {}

/**
 * Reads `sources` ({name, size, open(signal) → {stream, size}}) one after the other, gunzipping
 * what is gzipped, then parses them. Replaces the current dataset only when all went well.
 */
async function load(kind, sources, source, token, { rethrow = false } = {}) {
  const label = kindLabel(kind);
  const abort = new AbortController();
  const stale = () => token !== state.token;
  const t0 = performance.now();
  state.loadingKind = kind;
  renderPicker();
  clearError();
  let total = sources.reduce((sum, s) => sum + (s.size ?? 0), 0);
  let done = 0;
  let lastPaint = 0;
  let verb = 'Reading';
  const paint = (name, force) => {
    const now = performance.now();
    if (!force && now - lastPaint < 60) return;
    lastPaint = now;
    const fraction = total > 0 ? Math.min(1, done / total) : null;
    showProgress(`${verb} ${name}…`, total > 0 ? `${mb(done)} of ${mb(total)}` : mb(done), fraction);
  };
  const names = [];
  let files = [];
  try {
    for (const s of sources) {
      if (stale()) throw new Superseded();
      verb = 'Reading';
      paint(s.name, true);
      const { stream, size } = await s.open(abort.signal);
      if (s.size == null && size != null) total += size;
      const bytes = await readAll(s.name, stream, (n) => {
        if (stale()) { abort.abort(); throw new Superseded(); }
        done += n;
        paint(s.name, false);
      }, () => { verb = 'Reading and decompressing'; paint(s.name, true); });
      names.push(s.name);
      files.push(bytes);
    }
    if (stale()) throw new Superseded();
    const raw = files.reduce((sum, f) => sum + f.byteLength, 0);
    showProgress(`Parsing ${label} (${sources.length} file${sources.length === 1 ? '' : 's'}, ${mb(raw)})…`, '', null);
    await nextFrame();
    if (stale()) throw new Superseded();
    let dataset;
    try {
      dataset = state.wasm.Dataset.fromFiles(kind, names, files);
    } catch (e) {
      throw new LoadError(text(e));
    } finally {
      files = []; // the wasm Dataset holds its own copy; let the JS bytes go
    }
    if (stale()) { dataset.free(); throw new Superseded(); }
    hideProgress();
    console.info(`${label} loaded in ${(performance.now() - t0).toFixed(0)} ms (${sources.length} files, ${mb(raw)} decompressed)`);
    commit(dataset, kind, source);
    return true;
  } catch (e) {
    if (e instanceof Superseded || stale()) return false;
    abort.abort();
    state.loadingKind = null;
    hideProgress();
    renderPicker();
    const title = !state.dataset ? `Could not load ${label}.`
      : state.kind === kind ? `Could not load these ${label} files; the ${label} data loaded before stays in use.`
        : `Could not load ${label}; still using ${kindLabel(state.kind)}.`;
    showError(title, text(e));
    if (rethrow) throw e;
    return false;
  } finally {
    if (!stale()) state.loadingKind = null;
  }
}

class LoadError extends Error {}

async function openUrl(url, name, signal, hint) {
  let response;
  try {
    response = await fetch(url, { signal, cache: 'no-cache' });
  } catch (e) {
    if (signal?.aborted) throw new Superseded();
    throw new LoadError(`${name}: could not download it (${text(e)})`);
  }
  if (!response.ok) {
    throw new LoadError(`${name}: could not download it (HTTP ${response.status})${hint ? `; ${hint}` : ''}`);
  }
  const length = Number(response.headers.get('Content-Length'));
  return { stream: response.body, size: Number.isFinite(length) && length > 0 ? length : null };
}

/** The served folder's manifest, or null when there is none. */
async function fetchManifest(kind) {
  const url = new URL(`${kind}/manifest.json`, DATA_URL);
  let response;
  try {
    response = await fetch(url, { cache: 'no-cache' });
  } catch {
    return null;
  }
  if (response.status === 404 || response.status === 403) return null;
  if (!response.ok) throw new Error(`manifest.json: HTTP ${response.status}`);
  let manifest;
  try {
    manifest = await response.json();
  } catch (e) {
    throw new Error(`manifest.json is not valid JSON (${text(e)}); run npm run add-dataset -- ${kind} DIR again`);
  }
  const files = Array.isArray(manifest?.files) ? manifest.files : [];
  const bad = files.find((f) => typeof f?.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(f.name));
  if (!files.length || bad) {
    throw new Error(`manifest.json lists no usable files; run npm run add-dataset -- ${kind} DIR again`);
  }
  return { files: files.map((f) => ({ name: f.name, size: Number.isFinite(f.size) ? f.size : null })) };
}

/**
 * Reads a byte stream to the end. When it starts with the gzip magic it is decompressed on the
 * way (DecompressionStream; `onGzip()` says so). `onBytes(n)` counts the bytes read from the source.
 */
async function readAll(name, stream, onBytes, onGzip) {
  const reader = stream.getReader();
  let readError = null;
  const pull = async () => {
    try {
      return await reader.read();
    } catch (e) {
      readError = e;
      throw e;
    }
  };
  const first = await pull().catch((e) => { throw readFailure(name, e); });
  if (first.done) return new Uint8Array(0);
  const head = first.value;
  onBytes(head.byteLength);
  const gzipped = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (gzipped) onGzip?.();
  const counted = new ReadableStream({
    start(controller) { controller.enqueue(head); },
    async pull(controller) {
      const { done, value } = await pull();
      if (done) controller.close();
      else {
        onBytes(value.byteLength);
        controller.enqueue(value);
      }
    },
    cancel(reason) { return reader.cancel(reason); },
  });
  const out = (gzipped ? counted.pipeThrough(new DecompressionStream('gzip')) : counted).getReader();
  const chunks = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await out.read();
      if (done) break;
      chunks.push(value);
      length += value.byteLength;
      if (length > MAX_FILE_BYTES) {
        out.cancel().catch(() => {});
        throw new LoadError(`${name}: more than ${mb(MAX_FILE_BYTES)}${gzipped ? ' once decompressed' : ''}, far more than any file of these datasets`);
      }
    }
  } catch (e) {
    if (e instanceof Superseded || e instanceof LoadError) throw e;
    if (readError) throw readFailure(name, readError);
    if (gzipped) {
      throw new LoadError(`${name}: broken gzip data (${text(e).replace(/\.$/, '')}); the file is truncated or corrupt`);
    }
    throw readFailure(name, e);
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) { bytes.set(c, at); at += c.byteLength; }
  chunks.length = 0;
  return bytes;
}

function readFailure(name, e) {
  if (e instanceof Superseded || e instanceof LoadError) return e;
  return new LoadError(`${name}: could not read the file (${text(e)})`);
}

/** CIFAR-10 when dropped files are named like its batches or archive; null when unsure. */
function guessKind(files) {
  const cifar = files.some((f) => /^(data_batch_[1-5]|test_batch)\.bin(\.gz)?$|^cifar-10-binary\.(tar\.gz|tgz|tar)$/i.test(f.name));
  return cifar ? 'cifar10' : null;
}

/** Files from a drop, including the files inside dropped folders (two levels deep). */
async function droppedFiles(transfer) {
  const entries = [...(transfer.items ?? [])]
    .filter((item) => item.kind === 'file')
    .map((item) => item.webkitGetAsEntry?.())
    .filter(Boolean);
  if (!entries.length) return [...transfer.files];
  const files = [];
  const walk = async (entry, depth) => {
    if (entry.isFile) files.push(await new Promise((ok, fail) => entry.file(ok, fail)));
    else if (entry.isDirectory && depth < 2) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child, depth + 1);
      }
    }
  };
  for (const entry of entries) await walk(entry, 0);
  return files;
}

function commit(dataset, kind, source) {
  const old = state.dataset;
  state.dataset = dataset;
  state.kind = kind;
  state.source = source;
  state.wanted = null;
  state.loadingKind = null;
  setNotice(null);
  showChooser(null);
  render();
  const detail = describe(dataset);
  document.dispatchEvent(new CustomEvent('dataset-changed', { detail }));
  const ready = state.waiters.filter((w) => w.kind === kind);
  state.waiters = state.waiters.filter((w) => w.kind !== kind);
  for (const w of ready) w.resolve(dataset);
  // app.js has switched to the new dataset (in its listener); a Trainer holds its own
  // reference to the data, so the old handle can go.
  if (old && old !== dataset) {
    try { old.free(); } catch (e) { console.warn('freeing the previous dataset failed:', e); }
  }
}

function describe(dataset) {
  const width = dataset.imageWidth;
  const height = dataset.imageHeight;
  const inputSize = dataset.inputSize;
  return {
    kind: dataset.kind,
    inputSize,
    width,
    height,
    channels: Math.round(inputSize / (width * height)),
    trainCount: dataset.trainCount,
    testCount: dataset.testCount,
  };
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

// ------------------------------------------------------------------------------ rendering
function render() {
  renderPicker();
  const d = state.dataset;
  if (!d) return;
  const info = describe(d);
  const kind = KINDS[state.kind];
  const colour = info.channels === 3 ? 'colour' : 'grey';
  $('data-summary').textContent =
    `${kind.label} · ${fmtInt.format(info.trainCount)} training and ${fmtInt.format(info.testCount)} test images · ` +
    `${info.width}×${info.height} ${colour} (input ${fmtInt.format(info.inputSize)}) · ${state.source}`;
  $('ds-other').hidden = state.kind === BUNDLED.kind;
  renderClasses(d, kind.classes);
  renderSamples(d, kind, info);
}

function renderPicker() {
  for (const label of document.querySelectorAll('.ds-kind')) {
    const value = label.querySelector('input')?.value;
    const tag = label.querySelector('.ds-kind-state');
    const inUse = state.dataset && state.kind === value;
    const loading = state.loadingKind === value;
    label.classList.toggle('is-loaded', !!inUse);
    if (tag) tag.textContent = loading ? 'loading…' : inUse ? 'in use' : '';
  }
}

function renderClasses(d, names) {
  const table = $('ds-classes');
  table.textContent = '';
  const counts = { train: d.classCounts('train'), test: d.classCounts('test') };
  const head = table.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.textContent = 'Class';
  corner.scope = 'col';
  head.append(corner);
  names.forEach((name) => {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = name;
    head.append(th);
  });
  const body = table.createTBody();
  for (const split of ['train', 'test']) {
    const row = body.insertRow();
    row.dataset.split = split;
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = split === 'train' ? 'Train' : 'Test';
    row.append(th);
    counts[split].forEach((count, i) => {
      const td = row.insertCell();
      td.textContent = fmtInt.format(count);
      td.dataset.class = String(i);
    });
  }
  table.hidden = false;
}

function renderSamples(d, kind, info) {
  const box = $('samples');
  box.textContent = '';
  box.classList.toggle('is-colour', info.channels === 3);
  const count = Math.min(SAMPLES, info.testCount);
  for (let i = 0; i < count; i++) {
    const figure = document.createElement('div');
    figure.className = 'sample';
    const canvas = document.createElement('canvas');
    canvas.width = info.width;
    canvas.height = info.height;
    const rgba = d.sampleRgba('test', i);
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, rgba.byteLength), info.width, info.height), 0, 0);
    const label = document.createElement('span');
    const name = kind.classes[d.label('test', i)] ?? '?';
    label.textContent = name;
    label.title = name;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${kind.noun} ${name}`);
    figure.append(canvas, label);
    box.append(figure);
  }
}

/** Shows (kind) or hides (null) the file chooser with the names of the expected files. */
function showChooser(kind, { other = false } = {}) {
  const panel = $('ds-files');
  if (!kind || KINDS[kind] == null || kind === BUNDLED.kind) {
    panel.hidden = true;
    return;
  }
  const label = kindLabel(kind);
  const title = $('ds-files-title');
  title.textContent = other || (state.dataset && state.kind === kind)
    ? `Load other ${label} files`
    : `Choose or drop the ${label} files`;
  const note = $('ds-files-note');
  note.textContent = state.dataset && state.kind !== kind
    ? `Until they are loaded, training uses ${kindLabel(state.kind)}.`
    : '';
  const list = $('ds-expected');
  list.textContent = '';
  const item = (...parts) => {
    const li = document.createElement('li');
    for (const part of parts) {
      if (typeof part === 'string') li.append(part);
      else {
        const code = document.createElement('code');
        code.textContent = part.code;
        li.append(code);
      }
    }
    list.append(li);
  };
  if (kind === 'cifar10') {
    item({ code: 'data_batch_1.bin' }, ' … ', { code: 'data_batch_5.bin' }, ' (any of them) and ', { code: 'test_batch.bin' }, ', each raw or ', { code: '.gz' });
    item('or the archive ', { code: 'cifar-10-binary.tar.gz' }, ' as downloaded');
  } else {
    item(...MNIST_NAMES.flatMap((n, i) => [i ? ', ' : '', { code: n }]), ' — all four, each raw or ', { code: '.gz' });
  }
  const source = $('ds-source');
  source.textContent = `From ${KINDS[kind].source}.`;
  const serve = $('ds-serve');
  serve.textContent = '';
  const code = document.createElement('code');
  code.textContent = `npm run add-dataset -- ${kind} DIR`;
  serve.append('Or make them part of the page: ', code, ' copies them to ', codeNode(`www/data/${kind}/`), ', then reload.');
  panel.hidden = false;
}

function codeNode(textValue) {
  const code = document.createElement('code');
  code.textContent = textValue;
  return code;
}

/** The notice for a share link whose dataset must be supplied (null hides it). */
function setNotice(kind) {
  const el = $('ds-notice');
  if (!kind) { el.hidden = true; el.textContent = ''; return; }
  const label = kindLabel(kind);
  el.textContent = '';
  const strong = document.createElement('strong');
  strong.textContent = `This link trains on ${label}.`;
  el.append(strong, ` ${label} is not bundled with the page: choose the files below, or run `,
    codeNode(`npm run add-dataset -- ${kind} DIR`), ' where the page is served and reload. Start is enabled once they are loaded.');
  el.hidden = false;
}

function showError(title, detail = '') {
  $('ds-error-title').textContent = title;
  $('ds-error-text').textContent = detail;
  $('ds-error').hidden = false;
}

function clearError() {
  $('ds-error').hidden = true;
  $('ds-error-title').textContent = '';
  $('ds-error-text').textContent = '';
}

function showProgress(label, bytes, fraction) {
  $('ds-progress').hidden = false;
  $('ds-progress-text').textContent = label;
  $('ds-progress-bytes').textContent = bytes;
  const bar = $('ds-progress-bar');
  bar.classList.toggle('is-indeterminate', fraction == null);
  if (fraction == null) {
    bar.removeAttribute('aria-valuenow');
    $('ds-progress-fill').style.width = '';
  } else {
    bar.setAttribute('aria-valuenow', String(Math.round(100 * fraction)));
    $('ds-progress-fill').style.width = `${(100 * fraction).toFixed(1)}%`;
  }
}

function hideProgress() {
  $('ds-progress').hidden = true;
}

// ------------------------------------------------------------------------------ utilities
function mb(bytes) {
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(bytes < 1e4 ? 1 : 0)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function text(e) {
  if (e == null) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message || String(e);
  try { return JSON.stringify(e); } catch { return String(e); }
}

/** Lets the browser paint (the parse that follows is synchronous wasm). */
function nextFrame() {
  return new Promise((resolve) => {
    let done = false;
    const go = () => { if (!done) { done = true; setTimeout(resolve, 0); } };
    requestAnimationFrame(() => requestAnimationFrame(go));
    setTimeout(go, 120); // hidden tabs get no animation frames
  });
}
