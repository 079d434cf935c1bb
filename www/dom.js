// The two small helpers every module uses, once: an element by id, and an error's message.
// Safe to import in a worker (nothing touches the document until `$` is called).

/** The page's element of id `id`. @returns {any} */
export const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

/**
 * The page's element of id `id`, made on first use: a `tag` of class `className`, set up by
 * `init` and appended to `parent` (the body by default).
 * @returns {any}
 */
export function ensureElement(id, tag, className, init = (/** @type {any} */ _el) => {}, parent = document.body) {
  let el = $(id);
  if (!el) {
    el = document.createElement(tag);
    el.id = id;
    el.className = className;
    init(el);
    parent.append(el);
  }
  return el;
}

/** An error's message, whatever was thrown. @param {unknown} e */
export function errorText(e) {
  if (e == null) return 'unknown error';
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message || String(e);
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}
