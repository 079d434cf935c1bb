// The pool of sweep workers a CPU sweep trains in (www/engine/sweep-worker.js): one per share of
// the runs left, as Rust planned it (`sweepPool`: how many workers, each one's shard). This file
// only starts them, forwards their events to the sweep section and notices when one is gone; the
// workers train, and store each finished run before they report it.
//
// A worker that crashes (a wasm trap, an error) or is terminated loses only the run it was
// training: the others go on, and once every worker has ended the pool says which stopped.
// `cancel()` terminates them all (every run they reported is already stored).

/** @typedef {import('../engine/protocol.js').SweepEvent} SweepEvent */

const WORKER_URL = new URL('../engine/sweep-worker.js', import.meta.url);

/**
 * What each worker is doing, for the page and the tests.
 * @typedef {{worker: Worker, state: 'loading' | 'training' | 'done' | 'crashed', keys: string[], finished: string[],
 *   training: string | null, reason: string | null}} Member
 */

export class Pool {
  /**
   * Starts one worker per shard on the compiled module.
   * @param {{module: WebAssembly.Module, query: string, doneKeys: string[], shards: string[],
   *   onEvent: (event: SweepEvent & {worker: number}) => void,
   *   onCrash: (worker: number, reason: string, lost: string | null) => void,
   *   onEnd: (crashed: {worker: number, reason: string, lost: string | null}[]) => void}} options
   */
  constructor({ module, query, doneKeys, shards, onEvent, onCrash, onEnd }) {
    this.onEvent = onEvent;
    this.onCrash = onCrash;
    this.onEnd = onEnd;
    this.ended = false;
    /** @type {Member[]} */
    this.members = shards.map((shard, i) => {
      const worker = new Worker(WORKER_URL, { type: 'module', name: `sweep ${i + 1}/${shards.length}` });
      worker.onmessage = (event) => this.receive(i, event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        this.kill(i, event.message || 'the sweep worker stopped with an error');
      };
      worker.onmessageerror = () => this.kill(i, 'a message from the sweep worker could not be read');
      worker.postMessage({ type: 'start', module, query, doneKeys, shard, worker: i });
      return { worker, state: 'loading', keys: [], finished: [], training: null, reason: null };
    });
  }

  /** @param {number} i @param {any} msg */
  receive(i, msg) {
    const m = this.members[i];
    if (m.state === 'crashed' || m.state === 'done') return;
    if (msg?.type === 'fatal') {
      this.kill(i, msg.reason);
      return;
    }
    if (msg?.type !== 'sweep') return;
    switch (msg.kind) {
      case 'started':
        m.state = 'training';
        m.keys = msg.keys;
        m.training = m.keys[0] ?? null;
        break;
      case 'finished':
        for (const { key } of msg.runs) m.finished.push(key);
        // One model at a time: the next of its share is the one in training.
        m.training = m.keys.find((key) => !m.finished.includes(key)) ?? null;
        break;
      case 'done':
        m.state = 'done';
        m.worker.terminate();
        break;
      case 'error':
        this.kill(i, msg.message);
        return;
      default:
    }
    this.onEvent({ ...msg, worker: i });
    if (msg.kind === 'done') this.checkEnd();
  }

  /**
   * Ends worker `i` as a crash: it is terminated and the run it was training is lost; the others
   * go on. Tests call it to terminate a worker mid-sweep.
   * @param {number} i @param {string} [reason]
   */
  kill(i, reason = 'the sweep worker was terminated') {
    const m = this.members[i];
    if (!m || m.state === 'crashed' || m.state === 'done' || this.ended) return;
    m.worker.terminate();
    m.state = 'crashed';
    m.reason = reason;
    this.onCrash(i, reason, m.training);
    this.checkEnd();
  }

  /** Sends a worker a wasm trap (tests). @param {number} i */
  trap(i) {
    this.members[i]?.worker.postMessage({ type: 'trap' });
  }

  checkEnd() {
    if (this.ended || this.members.some((m) => m.state === 'loading' || m.state === 'training')) return;
    this.ended = true;
    const crashed = this.members.flatMap((m, worker) =>
      m.state === 'crashed' ? [{ worker, reason: m.reason ?? '', lost: m.training }] : [],
    );
    this.onEnd(crashed);
  }

  /** Stops every worker now: what they reported is stored; what they were training is dropped. */
  cancel() {
    this.ended = true;
    for (const m of this.members) m.worker.terminate();
  }

  /** How many workers are still training. */
  get active() {
    return this.members.filter((m) => m.state === 'loading' || m.state === 'training').length;
  }
}
