// The two small helpers every module uses, once: an element by id, and an error's message.
// Safe to import in a worker (nothing touches the document until `$` is called).

/** The page's element of id `id`. @returns {any} */
export const $ = (/** @type {string} */ id) => /** @type {any} */ (document.getElementById(id));

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
