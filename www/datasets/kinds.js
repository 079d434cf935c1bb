// The datasets the page knows, from Rust (wasm.datasetKinds): labels, class names, what a sample
// is, where to get the files, which ship with the page (their file names: wasm.bundledFiles) or
// are built in, the first load's dataset and the MNIST-style files' names. Read once, by
// `initKinds`, as soon as the page has the wasm module.

/** @typedef {{name: string, label: string, classes: string[], noun: string, source: string | null, bundled: boolean, builtIn: boolean}} Kind */

/** @type {Record<string, Kind>} */
export const KINDS = {};
/** The standard names of the four MNIST-style files. @type {string[]} */
export const MNIST_NAMES = [];
/** The dataset of the first load. */
export let DEFAULT_KIND = '';

/** Reads Rust's table of datasets. @param {any} wasm */
export function initKinds(wasm) {
  const table = JSON.parse(wasm.datasetKinds());
  for (const kind of table.kinds) KINDS[kind.name] = kind;
  MNIST_NAMES.splice(0, MNIST_NAMES.length, ...table.mnistFiles);
  DEFAULT_KIND = table.default;
}

export function kindLabel(/** @type {string} */ kind) {
  return KINDS[kind]?.label ?? kind;
}
