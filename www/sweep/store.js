// Finished sweep runs in IndexedDB, keyed by each run's single-run link, so a reload, a cancel or a
// crashed worker loses nothing and a sweep resumes where it stopped. Used by the training worker's
// sweep (engine/sweep.js: writes) and the page (sweep.js: reads, clears). Each value is
// { key, record } with the record as the wasm produced it.
const DB = 'activation-playground-sweep';
const STORE = 'runs';

/** @returns {Promise<IDBDatabase>} */
function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'key' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB could not be opened'));
    request.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

/** Runs `body(store)` in one transaction; resolves with its result once committed. */
async function transact(mode, body) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      let result;
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
      const request = body(tx.objectStore(STORE));
      if (request)
        request.onsuccess = () => {
          result = request.result;
        };
    });
  } finally {
    db.close();
  }
}

/** Stores finished runs ([{ key, record }]). */
export function putRuns(runs) {
  return transact('readwrite', (store) => {
    for (const run of runs) store.put(run);
  });
}

/** Every stored run ([{ key, record }]). */
export async function allRuns() {
  return (await transact('readonly', (store) => store.getAll())) ?? [];
}

/** Forgets the runs with these keys. */
export function deleteRuns(keys) {
  return transact('readwrite', (store) => {
    for (const key of keys) store.delete(key);
  });
}
