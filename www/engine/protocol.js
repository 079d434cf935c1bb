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

/**
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
 * @typedef {{type: 'dataset', kind: string, names: string[], files: ArrayBuffer[]}} DatasetRequest
 *   Parses a dataset's files (transferred); resolves to a DatasetSummary.
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
 * @typedef {{type: 'ink', canvas: string}} InkRequest
 *   Share of the canvas's pixels that are drawn (neither white nor transparent); for tests.
 * @typedef {{type: 'trap'}} TrapRequest
 *   Tests: traps inside wasm, as a panic would; the worker then reports itself `fatal`.
 * @typedef {{type: 'stall', ms: number}} StallRequest
 *   Tests: the worker is busy for `ms` without a word, as a hung engine.
 * @typedef {{type: 'memory'}} MemoryRequest
 *   {wasmBytes, jsHeapBytes} of the worker.
 *
 * @typedef {InitRequest | GpuRequest | WarmRequest | WarmSkipRequest | DatasetRequest | CreateRequest | StartRequest | ControlRequest | SpeedRequest | ViewRequest | DrawRequest
 *   | ClearRequest | HoverRequest | HistoryRequest | PngRequest | InkRequest | TrapRequest | StallRequest | MemoryRequest} Request
 *
 * @typedef {{id: number, ok: true, result: any} | {id: number, ok: false, error: string}} Reply
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
 * @property {string | null} [message]
 *
 * @typedef {{label: string, value: string, color?: string | null, strong?: boolean, note?: boolean}} ReadoutRow
 * @typedef {{panel: string, title: string, rows: ReadoutRow[], step: number | null, cursorX: number, top: number, bottom: number}} Readout
 */

export {};
