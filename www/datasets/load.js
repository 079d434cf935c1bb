// Loading a dataset into the engine worker for the Data card (datasets.js): the engine reads the
// sources (Files or URLs) while the card shows its progress; a load superseded by a newer one is
// dropped, a failed one leaves the dataset in use as it was, and a finished one replaces it and
// announces it (the `dataset-changed` event).

import * as host from '../engine/host.js';
import { errorText as text } from '../dom.js';
import { Superseded, LoadError } from './files.js';
import { kindLabel } from './kinds.js';
import * as view from './view.js';

/**
 * Has the engine read `sources` (engine/reader.js DataSource: Files or URLs), showing its
 * progress. Replaces the current dataset only when all went well.
 * @param {any} state  the Data card's state (datasets.js)
 * @param {string} kind
 * @param {import('../engine/reader.js').DataSource[]} sources
 * @param {string} source  where the files came from, for the summary
 * @param {number} token
 */
export async function load(state, kind, sources, source, token, { rethrow = false } = {}) {
  const label = kindLabel(kind);
  const stale = () => token !== state.token;
  const t0 = performance.now();
  state.loadingKind = kind;
  view.renderPicker(state);
  view.clearError();
  let lastPaint = 0;
  let read = 0;
  /** @param {import('../engine/reader.js').DataProgress} p */
  const paint = (p) => {
    if (stale()) return;
    if ('parsing' in p) {
      read = p.bytes;
      view.showProgress(
        `Parsing ${label} (${p.files} file${p.files === 1 ? '' : 's'}, ${view.mb(p.bytes)} read)…`,
        '',
        null,
      );
      return;
    }
    const now = performance.now();
    if (p.done > 0 && now - lastPaint < 60) return;
    lastPaint = now;
    const verb = p.gzipped ? 'Reading and decompressing' : 'Reading';
    const fraction = p.total > 0 ? Math.min(1, p.done / p.total) : null;
    view.showProgress(
      `${verb} ${p.name}…`,
      p.total > 0 ? `${view.mb(p.done)} of ${view.mb(p.total)}` : view.mb(p.done),
      fraction,
    );
  };
  try {
    if (sources.length)
      paint({
        name: sources[0].name,
        done: 0,
        total: sources.reduce((sum, s) => sum + (s.file?.size ?? s.size ?? 0), 0),
        gzipped: false,
      });
    let dataset;
    try {
      dataset = await host.loadDataset(kind, sources, paint);
    } catch (e) {
      if (stale()) throw new Superseded();
      throw new LoadError(text(e));
    }
    if (stale()) throw new Superseded();
    view.hideProgress();
    console.info(
      `${label} loaded in ${(performance.now() - t0).toFixed(0)} ms (${sources.length} files, ${view.mb(read)} read)`,
    );
    commit(state, dataset, kind, source);
    return true;
  } catch (e) {
    if (e instanceof Superseded || stale()) return false;
    state.loadingKind = null;
    view.hideProgress();
    view.renderPicker(state);
    const title = !state.dataset
      ? `Could not load ${label}.`
      : state.kind === kind
        ? `Could not load these ${label} files; the ${label} data loaded before stays in use.`
        : `Could not load ${label}; still using ${kindLabel(state.kind)}.`;
    view.showError(title, text(e));
    if (rethrow) throw e;
    return false;
  } finally {
    if (!stale()) state.loadingKind = null;
  }
}

/** The new dataset is in use: the card shows it, the page hears of it, ensure()'s waiters resolve. */
function commit(state, dataset, kind, source) {
  state.dataset = dataset;
  state.kind = kind;
  state.source = source;
  state.wanted = null;
  state.loadingKind = null;
  view.setNotice(null);
  view.showChooser(state, null);
  view.render(state);
  const detail = view.describe(dataset);
  document.dispatchEvent(new CustomEvent('dataset-changed', { detail }));
  const ready = state.waiters.filter((w) => w.kind === kind);
  state.waiters = state.waiters.filter((w) => w.kind !== kind);
  for (const w of ready) w.resolve(dataset);
}
