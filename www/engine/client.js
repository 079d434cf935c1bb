// The page's side of the engine worker (worker.js; messages in protocol.js): requests as
// promises with time limits, and a single place that notices the worker is gone.
//
// A request may report progress before its answer (`{id, progress}`, e.g. a dataset being read):
// each such message goes to the request's `onProgress` and restarts its time limit.
//
// When the worker dies (a panic, a wasm trap, an error event, or `kill()` from a test), every
// pending request is rejected with an EngineCrashed error and `onCrash(reason)` is called once.
// A new Engine (same compiled module, fresh canvases) restarts it.
//
// While the worker trains (`watch(limit)`), any message from it counts as a sign of life; none
// within the limit means it hangs, and it is stopped as a crash would (the page then offers the
// restart).

/** @typedef {import('./protocol.js').Request} Request */
/** @typedef {import('./protocol.js').LoopEvent} LoopEvent */
/** @typedef {import('./protocol.js').SweepEvent} SweepEvent */

export class EngineCrashed extends Error {}
export class EngineTimeout extends Error {}

const WORKER_URL = new URL('./worker.js', import.meta.url);

export class Engine {
  /**
   * @param {(reason: string) => void} onCrash
   */
  constructor(onCrash) {
    this.worker = new Worker(WORKER_URL, { type: 'module', name: 'engine' });
    this.onCrash = onCrash;
    this.nextId = 1;
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void, timer: any, arm: () => void, onProgress: (p: any) => void}>} */
    this.pending = new Map();
    /** @type {string | null} why the engine is gone; null while it runs */
    this.dead = null;
    /** @type {(event: LoopEvent) => void} the training loop's events (set by run.js) */
    this.onEvent = () => {};
    /** @type {(event: SweepEvent) => void} the sweep's events (set by sweep/sweep.js) */
    this.onSweep = () => {};
    /** the hang limit while watched (ms, 0: not watched) */
    this.watchLimit = 0;
    /** @type {any} */
    this.watchTimer = null;
    this.worker.onmessage = (event) => this.receive(event.data);
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.crash(event.message || 'the engine worker failed to start or stopped with an error');
    };
    this.worker.onmessageerror = () => this.crash('a message from the engine could not be read');
  }

  /** @param {any} msg */
  receive(msg) {
    if (msg?.type === 'fatal') {
      this.crash(msg.reason);
      return;
    }
    if (this.watchLimit) this.watch(this.watchLimit);
    if (msg?.type === 'loop') {
      this.onEvent(msg);
      return;
    }
    if (msg?.type === 'sweep') {
      this.onSweep(msg);
      return;
    }
    const waiter = this.pending.get(msg?.id);
    if (!waiter) return;
    if (msg.progress !== undefined) {
      waiter.arm();
      waiter.onProgress(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    clearTimeout(waiter.timer);
    if (msg.ok) waiter.resolve(msg.result);
    else waiter.reject(new Error(msg.error));
  }

  /**
   * Sends a request; resolves to its result. `timeout` (ms, 0 = none): a request that takes
   * longer (or, with progress, stays silent longer) is reported as hung (the engine is then
   * restarted by the page). `onProgress` gets the request's progress messages.
   * @param {Request['type']} type
   * @param {Record<string, any>} [payload]
   * @param {{transfer?: Transferable[], timeout?: number, onProgress?: (p: any) => void}} [options]
   * @returns {Promise<any>}
   */
  call(type, payload = {}, { transfer = [], timeout = 0, onProgress = () => {} } = {}) {
    if (this.dead) return Promise.reject(new EngineCrashed(this.dead));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject, timer: null, arm: () => {}, onProgress };
      waiter.arm = () => {
        clearTimeout(waiter.timer);
        waiter.timer =
          timeout > 0
            ? setTimeout(() => {
                this.pending.delete(id);
                reject(
                  new EngineTimeout(
                    `the engine did not answer "${type}" within ${Math.round(timeout / 1000)} s (it seems to hang)`,
                  ),
                );
              }, timeout)
            : null;
      };
      waiter.arm();
      this.pending.set(id, waiter);
      this.worker.postMessage({ ...payload, type, id }, transfer);
    });
  }

  /**
   * Expects a message from the worker within `limit` ms (and again after each one); 0 stops
   * watching. Silence beyond it: the worker hangs and is stopped.
   * @param {number} limit
   */
  watch(limit) {
    clearTimeout(this.watchTimer);
    this.watchLimit = this.dead ? 0 : limit;
    this.watchTimer = this.watchLimit
      ? setTimeout(
          () =>
            this.crash(`the engine sent nothing for ${Math.round(limit / 1000)} s while training (it seems to hang)`),
          limit,
        )
      : null;
  }

  /** @param {string} reason */
  crash(reason) {
    if (this.dead) return;
    this.watch(0);
    this.dead = reason || 'the engine stopped';
    this.worker.terminate();
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new EngineCrashed(this.dead));
    }
    this.pending.clear();
    this.onCrash(this.dead);
  }

  /** Ends the worker as a crash would (tests; a hung engine). */
  kill(reason = 'the engine was stopped') {
    this.crash(reason);
  }
}
