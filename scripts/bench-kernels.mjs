// npm run bench, part 8: where a WebGPU step's GPU time goes, kernel by kernel, for this page (burn)
// and for TF.js, with the same training loops as the throughput runs (imported by scripts/bench.mjs
// and scripts/bench-tfjs.mjs). `profileDispatches` runs in the page before anything else: it asks
// for the device features `timestamp-query` and `chromium-experimental-timestamp-query-inside-passes`
// (Chromium offers both, also on SwiftShader) and, while `self.__kernelProfile.on`, brackets every
// dispatch with a `writeTimestamp` pair. The timestamps themselves perturb the timing a little, so
// these runs are separate from the throughput runs.

/** Chromium flags for unquantised timestamps. */
export const PROFILE_FLAGS = ['--enable-webgpu-developer-features', '--enable-dawn-features=allow_unsafe_apis'];

/** Runs in the page: installs the profiler (`self.__kernelProfile`, `self.__readKernelProfile()`). */
export function profileDispatches() {
  const SLOTS = 4096; // query slots, two per dispatch (Chromium's maximum per set)
  const state = { on: false, labels: [], n: 0, querySet: null, device: null };
  self.__kernelProfile = state;
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = function withTimestamps(descriptor = {}) {
    const wanted = ['timestamp-query', 'chromium-experimental-timestamp-query-inside-passes'].filter((f) =>
      this.features.has(f),
    );
    const requiredFeatures = [...(descriptor.requiredFeatures ?? []), ...wanted];
    return requestDevice.call(this, { ...descriptor, requiredFeatures }).then((device) => {
      if (wanted.length === 2) state.device = device;
      return device;
    });
  };
  const pass = GPUComputePassEncoder.prototype;
  const setPipeline = pass.setPipeline;
  pass.setPipeline = function labelled(pipeline) {
    this.__kernel = pipeline.label || '(unlabelled)';
    return setPipeline.call(this, pipeline);
  };
  const dispatch = pass.dispatchWorkgroups;
  pass.dispatchWorkgroups = function timed(x, y = 1, z = 1) {
    if (!state.on || !state.device || state.n + 2 > SLOTS) return dispatch.call(this, x, y, z);
    state.querySet ??= state.device.createQuerySet({ type: 'timestamp', count: SLOTS });
    this.writeTimestamp(state.querySet, state.n);
    dispatch.call(this, x, y, z);
    this.writeTimestamp(state.querySet, state.n + 1);
    state.labels.push(`${this.__kernel} [${x},${y},${z}]`);
    state.n += 2;
  };
  /** [label, start ms from the first dispatch, duration ms] of each profiled dispatch, or null. */
  self.__readKernelProfile = async () => {
    const { device, querySet, n, labels } = state;
    if (!device || !querySet || n === 0) return null;
    const resolved = device.createBuffer({
      size: n * 8,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
    const readable = device.createBuffer({ size: n * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = device.createCommandEncoder();
    encoder.resolveQuerySet(querySet, 0, n, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, readable, 0, n * 8);
    device.queue.submit([encoder.finish()]);
    await readable.mapAsync(GPUMapMode.READ);
    const t = new BigInt64Array(readable.getMappedRange().slice(0));
    readable.unmap();
    const ms = (i) => Number(t[i] - t[0]) / 1e6;
    return labels.map((label, k) => [label, ms(2 * k), ms(2 * k + 1) - ms(2 * k)]);
  };
}

/**
 * Per step: the kernels' summed GPU time, the GPU's idle time between consecutive dispatches (work
 * waiting on the CPU), the dispatches, and the kernels by time (a kernel = its pipeline's label and
 * its workgroup counts; TF.js labels its pipelines alike, so only the counts tell its apart).
 */
export function summarizeKernelProfile(dispatches, steps, top = 6) {
  if (!dispatches?.length) return null;
  const gpu = dispatches.reduce((sum, [, , d]) => sum + d, 0);
  let idle = 0;
  for (let i = 1; i < dispatches.length; i++) {
    const [, start] = dispatches[i];
    const [, prevStart, prevDuration] = dispatches[i - 1];
    idle += Math.max(0, start - (prevStart + prevDuration));
  }
  const byKernel = new Map();
  for (const [label, , d] of dispatches) {
    const k = byKernel.get(label) ?? { kernel: label, ms: 0, count: 0 };
    k.ms += d;
    k.count += 1;
    byKernel.set(label, k);
  }
  const kernels = [...byKernel.values()]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, top)
    .map((k) => ({ kernel: k.kernel, msPerStep: k.ms / steps, perStep: k.count / steps }));
  return {
    steps,
    dispatchesPerStep: dispatches.length / steps,
    gpuMsPerStep: gpu / steps,
    idleMsPerStep: idle / steps,
    kernels,
  };
}

/** Lines for the console. */
export function formatKernelProfile(name, p, wallMsPerStep) {
  if (!p) return [`${name}: no timestamps (the adapter offers no timestamp queries inside passes)`];
  const short = (s) => (s.length > 70 ? `${s.slice(0, 55)}…${s.slice(-14)}` : s);
  return [
    `${name}: ${wallMsPerStep.toFixed(1)} ms a step, of which kernels ${p.gpuMsPerStep.toFixed(1)} ms and the GPU idle between ` +
      `dispatches ${p.idleMsPerStep.toFixed(1)} ms; ${p.dispatchesPerStep.toFixed(1)} dispatches (${p.steps} steps)`,
    ...p.kernels.map(
      (k) =>
        `    ${k.msPerStep.toFixed(2).padStart(7)} ms  ×${String(+k.perStep.toFixed(2)).padEnd(5)} ${short(k.kernel)}`,
    ),
  ];
}
