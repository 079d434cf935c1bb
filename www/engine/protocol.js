// The messages between the page (engine/client.js) and the engine worker (engine/worker.js).
// Types only: this file is read by the type checker and by people, never run.
//
// Every request carries an `id`; the worker answers each with one Reply of that id, in the
// order the requests came (the worker handles one request at a time, so a chart is never drawn
// half-way through a training chunk). A `fatal` message means the engine is gone: a Rust panic,
// a wasm trap (out of memory, a lost GPU device), or an error outside any request.
//
// Training runs in the worker (loop.js): `start` begins a run on the trainers made by `create`,
// and the worker trains chunk after chunk on its own, posting LoopEvents (no id) the page only
// renders; pause / resume / step / stop / speed steer it.
//
// A WebGPU sweep (sweep.js) trains in the same worker, on the same wasm instance and device, chunk
// by chunk between the loop's chunks: `sweepStart` begins one and its SweepEvents (no id) follow;
// `sweepCancel`, handled between two chunks, ends it with every finished run already stored.
// A CPU sweep trains in the page's pool of sweep workers instead (www/sweep/pool.js,
// sweep-worker.js: a SweepWorkerStart in, the same SweepEvents out, each with its `worker`);
// `sweepPool` is Rust's plan for it.

/**
 * @typedef {{type: 'start', module: WebAssembly.Module, query: string, doneKeys: string[], shard: string, worker: number}} SweepWorkerStart
 *   To a sweep worker, once: train shard `shard` ("I/N", from `sweepPool`) of the runs of `query`
 *   not in `doneKeys`; its events carry `worker` (the pool's index, 0-based). A `{type: 'fatal',
 *   worker, reason}` from it means its module is unusable.
 *
 * @typedef {'a' | 'b'} Side
 * @typedef {'training' | 'activations' | 'gradients' | 'health'} ChartKind
 *
 * @typedef {{type: 'init', module: WebAssembly.Module, canvases: Record<string, OffscreenCanvas>}} InitRequest
 *   Instantiates the (already compiled) wasm module and takes the chart canvases.
 * @typedef {{type: 'gpu'}} GpuRequest
 *   Starts WebGPU in the worker; resolves to the adapter's description.
 * @typedef {{type: 'warm', json: string}} WarmRequest
 *   After `gpu` and `dataset`: compiles the WebGPU kernels of a run of this configuration (on
 *   the loaded data) with one throw-away step; resolves to {stepMs}. The one request handled
 *   beside the queue: others are answered meanwhile.
 * @typedef {{type: 'warmSkip'}} WarmSkipRequest
 *   A run is starting: the warm-up's passes after its first step are skipped. Answered at once.
 * @typedef {{type: 'dataset', kind: string, sources: import('./reader.js').DataSource[]}} DatasetRequest
 *   Reads a dataset from its sources (Files or URLs; the worker streams them into Rust, see
 *   reader.js), posting DataProgress messages `{id, progress}` as it goes; resolves to a
 *   DatasetSummary, and the new dataset replaces the one in use. A newer `dataset` request or a
 *   `datasetCancel` stops it (it then fails, and nothing is replaced).
 * @typedef {{type: 'datasetCancel'}} DatasetCancelRequest
 *   Stops the dataset load in progress, if any. Answered at once, beside the queue.
 * @typedef {{type: 'create', side: Side, json: string | null}} CreateRequest
 *   A new trainer for a side on the current dataset (null: drop the side's trainer).
 * @typedef {{side: Side, chart: ChartKind, canvas: string, width: number, height: number, scale: number}} DrawTarget
 *   A chart to draw during training, on a canvas resized to width × height (backing store).
 * @typedef {{live: boolean, stage: 'pre' | 'post', targets: DrawTarget[]}} View
 *   What the loop redraws during training, in cycle order (`live` false: nothing).
 * @typedef {{type: 'start', runId: number, gpu: boolean, paused: boolean, steps: number, speed: number, view: View}} StartRequest
 *   Starts the training loop on the current trainers (A, and B in lockstep when there is one).
 *   `paused`: start paused, then train `steps` single batches; `speed`: steps per second at
 *   most (0: full speed). Its events carry `runId`.
 * @typedef {{type: 'view', view: View}} ViewRequest
 *   The page's charts changed size, zoom, stage or sides: a new drawing cycle.
 * @typedef {{type: 'pause' | 'resume' | 'step' | 'stop'}} ControlRequest
 *   Pause after the current chunk; go on; one batch (per side) and stay paused (a running
 *   loop just pauses); end the run (an `ended` event with outcome 'stopped' follows).
 * @typedef {{type: 'speed', speed: number}} SpeedRequest
 * @typedef {{type: 'draw', side: Side, chart: ChartKind, canvas: string, width: number, height: number, scale: number, stage: 'pre' | 'post'}} DrawRequest
 *   Resizes the canvas's backing store and draws the chart; resolves to {layout, ms}.
 * @typedef {{type: 'clear', canvas: string}} ClearRequest
 * @typedef {{type: 'hover', side: Side, chart: ChartKind, px: number, py: number}} HoverRequest
 *   What is under backend pixel (px, py) of the chart as last drawn: a Readout or null.
 * @typedef {{type: 'history', side: Side, format: 'csv' | 'json', base: string, tag: string}} HistoryRequest
 *   The side's statistics with every setting and the share link (`base`: the page's address;
 *   `tag`: 'A' / 'B' when comparing, or ''); resolves to {name, text}. Before any training it
 *   fails with "nothing to export yet".
 * @typedef {{type: 'png', side: Side, chart: ChartKind, canvas: string, what: string, base: string, tag: string}} PngRequest
 *   The chart on `canvas` with the run's caption below it; resolves to {name, blob}.
 * @typedef {{type: 'svg', side: Side, chart: ChartKind, canvas: string, what: string, base: string, tag: string}} SvgRequest
 *   The chart as last drawn on `canvas`, as an SVG document (text measured on `canvas`); resolves to {name, text}.
 * @typedef {{type: 'ink', canvas: string}} InkRequest
 *   Share of the canvas's pixels that are drawn (neither white nor transparent); for tests.
 * @typedef {{type: 'trap'}} TrapRequest
 *   Tests: traps inside wasm, as a panic would; the worker then reports itself `fatal`.
 * @typedef {{type: 'stall', ms: number}} StallRequest
 *   Tests: the worker is busy for `ms` without a word, as a hung engine.
 * @typedef {{type: 'memory'}} MemoryRequest
 *   {wasmBytes, jsHeapBytes} of the worker, and `datasetLoads`: {finished, stopped}, how many
 *   dataset requests replaced the dataset and how many a newer request stopped.
 *
 * @typedef {{type: 'sweepStart', jobId: number, query: string, doneKeys: string[]}} SweepStartRequest
 *   Starts training the sweep of these settings (a link query), but for the runs of `doneKeys`
 *   (already stored); any sweep in progress is dropped. Resolves at once: the data loads and
 *   the runs train in the background, their SweepEvents carrying `jobId` (the page's number).
 * @typedef {{type: 'sweepPool', query: string, doneKeys: string[], cores: number, memory: number | null}} SweepPoolRequest
 *   Rust's plan for a CPU sweep's pool, for its runs not in `doneKeys`, on `cores` cores
 *   (navigator.hardwareConcurrency) and `memory` GiB (navigator.deviceMemory, or null): JSON
 *   {workers, shards: ["1/N", …], runsLeft, workerBytes, why}.
 * @typedef {{type: 'sweepCancel'}} SweepCancelRequest
 *   Ends the sweep in progress between two chunks; resolves to {jobId} (null: none) once it is
 *   gone. Every run that finished before is stored and was reported.
 * @typedef {{type: 'sweepSpec', query: string}} SweepSpecRequest
 *   The sweep settings of a query (never fails): JSON {settings, query, runs: [[runKey, config]],
 *   picker: {mode, row, column, set}, errors}.
 * @typedef {{type: 'sweepGrid', query: string, records: string, article: boolean}} SweepGridRequest
 *   The grid of the sweep of `query` with these runs (JSON list of records), the article's numbers
 *   beside when `article`: JSON {corner, columns, rows: [{label, cells: [{acts, state, text, mean,
 *   colour, collapsed, outside, article, tip}]}], hasArticle, articleNote}.
 * @typedef {{type: 'sweepFormQuery', query: string, settings: string, picker: {mode: string, row: string[], column: string, set: string}}} SweepFormQueryRequest
 *   The sweep form's query: `query` with the form's settings (JSON [[name, value]]) and its
 *   picker's combinations set.
 * @typedef {{type: 'sweepExport', records: string, format: 'csv' | 'json' | 'markdown'}} SweepExportRequest
 *   The runs as a file's text.
 * @typedef {{type: 'sweepLink', config: string}} SweepLinkRequest
 *   The single-run link (query) that reproduces one run (its Config as JSON).
 * @typedef {{type: 'sweepForm'}} SweepFormRequest
 *   What the sweep form shows: {activations (table order), settings: [{name, label, help, input,
 *   choices}], defaultQuery (the first sweep's settings)}.
 * @typedef {SweepStartRequest | SweepPoolRequest | SweepCancelRequest | SweepSpecRequest | SweepGridRequest | SweepFormQueryRequest
 *   | SweepExportRequest | SweepLinkRequest | SweepFormRequest} SweepRequest
 *
 * @typedef {InitRequest | GpuRequest | WarmRequest | WarmSkipRequest | DatasetRequest | DatasetCancelRequest | CreateRequest | StartRequest | ControlRequest | SpeedRequest | ViewRequest | DrawRequest
 *   | ClearRequest | HoverRequest | HistoryRequest | PngRequest | SvgRequest | InkRequest | TrapRequest | StallRequest | MemoryRequest | SweepRequest} Request
 *
 * @typedef {{id: number, ok: true, result: any} | {id: number, ok: false, error: string}} Reply
 * @typedef {{id: number, progress: import('./reader.js').DataProgress}} ProgressMessage
 *   Progress of a request not yet answered (a dataset being read).
 * @typedef {{type: 'fatal', reason: string}} Fatal
 *
 * @typedef {{type: 'loop', runId: number, kind: 'chunk', a: Progress | null, b: Progress | null, ms: number, at: number,
 *   single: boolean, epochs: any[] | null}} ChunkEvent
 *   A chunk was trained (`a` / `b` null: that side had already ended); `ms` its time, `at` the
 *   wall-clock time it ended (timeOrigin + now); `epochs`: A's epoch rows, re-read at an
 *   epoch's end, after a single step and at the end.
 * @typedef {{type: 'loop', runId: number, kind: 'paused', step: number}} PausedEvent
 * @typedef {{type: 'loop', runId: number, kind: 'ended', outcome: 'finished' | 'diverged' | 'compared' | 'stopped' | 'error',
 *   error: string | null, a: string | null, b: string | null}} EndedEvent
 *   The run is over; `a` / `b`: each side's final state ('finished', 'diverged' or null).
 * @typedef {{type: 'loop', runId: number, kind: 'drawn', target: DrawTarget, layout: any, ms: number}} DrawnEvent
 *   The loop drew a chart (between chunks); `layout` as a DrawRequest resolves to.
 * @typedef {ChunkEvent | PausedEvent | EndedEvent | DrawnEvent} LoopEvent
 *
 * @typedef {{type: 'sweep', jobId: number, kind: 'started', backendName: string, groups: number[], keys?: string[]}} SweepStartedEvent
 *   The data is loaded and the job made: `groups`, how many models train at once in each group;
 *   a sweep worker's `keys`: the runs of its share, in its order.
 * @typedef {{type: 'sweep', jobId: number, kind: 'progress', runsDone: number, runsTotal: number, group: number, groups: number,
 *   groupStep: number, groupSteps: number, done: boolean}} SweepProgressEvent
 *   After each chunk (runs of this job; the group being trained, 0-based, and its step).
 * @typedef {{type: 'sweep', jobId: number, kind: 'finished', runs: {key: string, record: any}[]}} SweepFinishedEvent
 *   Runs that ended (finished or diverged), already stored in IndexedDB.
 * @typedef {{type: 'sweep', jobId: number, kind: 'done'}} SweepDoneEvent
 * @typedef {{type: 'sweep', jobId: number, kind: 'error', message: string}} SweepErrorEvent
 *   The sweep stopped (bad data, a failed chunk); the engine goes on.
 * @typedef {SweepStartedEvent | SweepProgressEvent | SweepFinishedEvent | SweepDoneEvent | SweepErrorEvent} SweepEvent
 *
 * @typedef {object} DatasetSummary
 * @property {string} kind
 * @property {number} trainCount
 * @property {number} testCount
 * @property {number} inputSize
 * @property {number} imageWidth
 * @property {number} imageHeight
 * @property {{train: number[], test: number[]}} classCounts
 * @property {{rgba: Uint8Array, label: number}[]} samples  the first test images
 *
 * @typedef {object} Progress
 * @property {string} state
 * @property {number} step
 * @property {number} totalSteps
 * @property {number} epoch
 * @property {number} epochs
 * @property {number} stepInEpoch
 * @property {number} stepsPerEpoch
 * @property {number | null} [trainLoss]
 * @property {number | null} [trainAcc]
 * @property {number | null} [testAcc]
 * @property {number | null} [testError]  mean |y − ŷ| (a single output: the Q&A's)
 * @property {{label: string, value: string, beside: string, verdict: {text: string, tone: string}}} headline
 * @property {string | null} [message]
 *
 * @typedef {{label: string, value: string, color?: string | null, strong?: boolean, note?: boolean}} ReadoutRow
 * @typedef {{panel: string, title: string, rows: ReadoutRow[], cursor: {step: number | null, x: number, top: number, bottom: number}}} Readout
 */

export {};
