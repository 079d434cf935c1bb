// npm run bench, the TF.js peer (imported by scripts/bench.mjs and scripts/bench-peers.mjs):
//   - tfjsBench: the article's MLP trained with TF.js 4.22 (devDependencies, used by the bench only)
//     on its `webgpu` and `wasm` backends, with the same training loop as this page's Trainer.run:
//     shuffled batches of 32 uploaded per step, relu/sigmoid/relu after all three layers,
//     log-softmax + NLL, SGD lr 0.01 momentum 0.5 (dampening 0: tf.train.momentum is PyTorch's
//     rule), PyTorch-default init U(±1/√fan_in); loss and correct counts stay on the device and are
//     read back once per chunk (4 steps on WebGPU, 25 on the CPU), as the page does.
//   - countGpuCalls / gpuCallsPerStep / formatGpuCalls: the WebGPU calls per step, in TF.js's page
//     or the page's engine worker.
import { chromium } from 'playwright-core';
import { PROFILE_FLAGS, profileDispatches, summarizeKernelProfile } from './bench-kernels.mjs';

export const TF = '/node_modules/@tensorflow';
export const SCRIPTS = {
  webgpu: [`${TF}/tfjs/dist/tf.min.js`, `${TF}/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js`],
  wasm: [`${TF}/tfjs/dist/tf.min.js`, `${TF}/tfjs-backend-wasm/dist/tf-backend-wasm.min.js`],
};

/** Chromium with the bench's flags (and WebGPU when `gpu`). */
export async function launch(flags, gpu, extra = []) {
  return chromium.launch({
    executablePath: flags.chromium,
    headless: true,
    args: [...flags.base, ...(gpu ? ['--enable-unsafe-webgpu'] : []), ...extra],
  });
}

/**
 * Runs in the page or inside its engine worker (scripts/bench.mjs): counts the calls of the WebGPU
 * methods (and the bytes uploaded and mapped for reading) in `self.__gpuCalls`, `apiCalls` all of
 * them together, and keeps the time
 * of the last queue submission in `self.__lastSubmitAt` (scripts/bench-host.mjs); `self.__gpuSettle()`
 * resolves once every device's queue is idle.
 */
export function countGpuCalls() {
  /** @type {Record<string, number>} */
  const calls = {};
  const add = (key, n = 1) => {
    calls[key] = (calls[key] ?? 0) + n;
  };
  const wrap = (cls, names) => {
    const proto = self[cls]?.prototype;
    for (const name of names) {
      const inner = proto?.[name];
      if (typeof inner !== 'function') continue;
      proto[name] = function counted(...args) {
        add(name);
        if (name === 'submit') {
          add('commandBuffers', args[0]?.length ?? 0);
          self.__lastSubmitAt = performance.now();
        }
        // mapAsync(mode, offset, size): the bytes read back (size defaults to the rest of the buffer),
        // and whether more work was submitted before it completed (the queue was not left empty).
        if (name === 'mapAsync') {
          add('mapAsyncBytes', args[2] ?? this.size - (args[1] ?? 0));
          const submitted = calls.submit ?? 0;
          const mapped = inner.apply(this, args);
          mapped.then(
            () => {
              add('mapAsyncDone');
              if ((calls.submit ?? 0) > submitted) add('mapAsyncOverlapped');
            },
            () => {},
          );
          return mapped;
        }
        if (name === 'writeBuffer') {
          const data = args[2];
          const unit = data?.BYTES_PER_ELEMENT ?? 1;
          add('writeBufferBytes', args[4] != null ? args[4] * unit : (data?.byteLength ?? 0) - (args[3] ?? 0) * unit);
        }
        return inner.apply(this, args);
      };
    }
  };
  // Every call into a WebGPU object's methods, as `apiCalls` (each one a crossing from the page's
  // code into the browser: from wasm, through wasm-bindgen's JS, for burn). Wrapped first, so the
  // named ones below count in both.
  for (const cls of Object.keys(Object.getOwnPropertyDescriptors(self)).filter((k) => /^GPU[A-Z]/.test(k))) {
    const proto = self[cls]?.prototype;
    if (!proto) continue;
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name === 'constructor' || typeof d.value !== 'function') continue;
      const inner = d.value;
      proto[name] = function countedCall(...args) {
        add('apiCalls');
        return inner.apply(this, args);
      };
    }
  }
  wrap('GPUQueue', ['submit', 'writeBuffer']);
  wrap('GPUCommandEncoder', ['beginComputePass', 'copyBufferToBuffer']);
  wrap('GPUComputePassEncoder', ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect']);
  wrap('GPUBuffer', ['mapAsync']);
  wrap('GPUDevice', [
    'createBuffer',
    'createBindGroup',
    'createComputePipeline',
    'createComputePipelineAsync',
    'createShaderModule',
    'createCommandEncoder',
  ]);
  self.__gpuCalls = calls;
  // The devices made here, and a wait until each one's queue has run what it was given: the host
  // bench (scripts/bench-host.mjs) times a step with no emulated GPU work beside it.
  /** @type {GPUDevice[]} */
  const devices = [];
  const requestDevice = self.GPUAdapter?.prototype.requestDevice;
  if (requestDevice) {
    self.GPUAdapter.prototype.requestDevice = async function kept(...args) {
      const device = await requestDevice.apply(this, args);
      devices.push(device);
      return device;
    };
  }
  self.__gpuSettle = () => Promise.all(devices.map((d) => d.queue.onSubmittedWorkDone()));
}

/** The calls per step of `countGpuCalls` (differences divided by the steps) in two lines. */
export function formatGpuCalls(per) {
  const f = (k) => (per[k] == null ? '0' : per[k] >= 100 ? per[k].toFixed(0) : per[k].toFixed(2).replace(/\.?0+$/, ''));
  return [
    `compute passes ${f('beginComputePass')}, dispatches ${f('dispatchWorkgroups')}, submits ${f('submit')} (${f('commandBuffers')} command buffers), ` +
      `writeBuffer ${f('writeBuffer')} (${f('writeBufferBytes')} bytes), copyBufferToBuffer ${f('copyBufferToBuffer')}, mapAsync ${f('mapAsync')} (${f('mapAsyncBytes')} bytes)`,
    `createBuffer ${f('createBuffer')}, createBindGroup ${f('createBindGroup')}, createCommandEncoder ${f('createCommandEncoder')}, ` +
      `pipelines created ${f('createComputePipeline')} + ${f('createComputePipelineAsync')} async, shader modules ${f('createShaderModule')}, ` +
      `WebGPU method calls in all ${f('apiCalls')}`,
  ];
}

/** Calls per step between two snapshots of `self.__gpuCalls`. */
export function gpuCallsPerStep(from, to, steps) {
  return Object.fromEntries(
    Object.keys(to)
      .sort()
      .map((k) => [k, (to[k] - (from[k] ?? 0)) / steps]),
  );
}

/**
 * Runs in the page, after TF.js's scripts: `window.__tfjsModel({backend, batch, tfDir})` builds the
 * article's MLP and its loop (see the header) and resolves to `{step, read}`: `step()` trains one
 * batch, leaving its loss and correct count on the device; `read()` reads those of the steps since
 * the last read back and resolves to their mean loss.
 */
export function defineTfjsModel() {
  /* global tf */
  window.__tfjsModel = async ({ backend, batch, tfDir }) => {
    if (backend === 'wasm') tf.wasm.setWasmPaths(`${tfDir}/tfjs-backend-wasm/dist/`);
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} is not available`);
    await tf.ready();
    // The bundled MNIST subset (IDX, gzipped), normalised like the page's parser.
    const load = async (name) =>
      new Uint8Array(
        await new Response(
          (await fetch(`/www/data/mnist-subset/${name}`)).body.pipeThrough(new DecompressionStream('gzip')),
        ).arrayBuffer(),
      );
    const images = (await load('train-images-idx3-ubyte.gz')).subarray(16);
    const labels = (await load('train-labels-idx1-ubyte.gz')).subarray(8);
    const n = labels.length;
    const x = new Float32Array(n * 784);
    for (let i = 0; i < x.length; i++) x[i] = (images[i] / 255 - 0.1307) / 0.3081;

    let seed = 1;
    const random = () => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const uniform = (shape, fanIn) => {
      const k = 1 / Math.sqrt(fanIn);
      return tf.variable(tf.randomUniform(shape, -k, k));
    };
    const W1 = uniform([784, 500], 784);
    const b1 = uniform([500], 784);
    const W2 = uniform([500, 256], 500);
    const b2 = uniform([256], 500);
    const W3 = uniform([256, 10], 256);
    const b3 = uniform([10], 256);
    const optimizer = tf.train.momentum(0.01, 0.5);

    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let cursor = 0;
    let pending = [];
    const step = () => {
      if (cursor + batch > n) cursor = 0;
      const xb = new Float32Array(batch * 784);
      const yb = new Int32Array(batch);
      for (let r = 0; r < batch; r++) {
        const i = order[cursor + r];
        xb.set(x.subarray(i * 784, (i + 1) * 784), r * 784);
        yb[r] = labels[i];
      }
      cursor += batch;
      tf.tidy(() => {
        const xs = tf.tensor2d(xb, [batch, 784]);
        const ys = tf.tensor1d(yb, 'int32');
        let correct;
        const loss = optimizer.minimize(() => {
          // The functional API: tf-core's UMD build has no chained ops (x.matMul).
          const h1 = tf.relu(tf.add(tf.matMul(xs, W1), b1));
          const h2 = tf.sigmoid(tf.add(tf.matMul(h1, W2), b2));
          const logits = tf.relu(tf.add(tf.matMul(h2, W3), b3));
          // Kept: minimize() disposes the forward pass's intermediates.
          correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), ys), 'float32')));
          const logp = tf.logSoftmax(logits);
          return tf.neg(tf.mean(tf.sum(tf.mul(logp, tf.oneHot(ys, 10)), 1)));
        }, true);
        pending.push(tf.keep(tf.stack([loss, correct])));
        correct.dispose();
      });
    };
    const read = async () => {
      const all = tf.stack(pending);
      const data = await all.data();
      tf.dispose([all, ...pending]);
      pending = [];
      let sum = 0;
      for (let i = 0; i < data.length; i += 2) {
        if (!Number.isFinite(data[i])) throw new Error('the loss diverged');
        sum += data[i];
      }
      return sum / (data.length / 2);
    };
    return { step, read };
  };
}

/**
 * Trains `steps` steps after a first step and a warm-up one; `threads`: wasm only, makes the page
 * cross-origin isolated (COOP/COEP headers) so TF.js can use its threaded build.
 * `profile` (webgpu): times every dispatch of the timed steps instead of counting the calls
 * (scripts/bench-kernels.mjs); the result's `kernels` summarises them.
 * Returns {samplesPerSec, msPerStep, steps, firstStepMs, backend, threads, kernels}.
 */
export async function tfjsBench(server, { backend, steps, batch, threads = false, flags, profile = false }) {
  const browser = await launch(flags, backend === 'webgpu', profile ? PROFILE_FLAGS : []);
  try {
    const context = await browser.newContext();
    if (threads) {
      await context.route('**/*', async (route) => {
        const response = await route.fetch();
        await route.fulfill({
          response,
          headers: {
            ...response.headers(),
            'cross-origin-opener-policy': 'same-origin',
            'cross-origin-embedder-policy': 'require-corp',
          },
        });
      });
    }
    const page = await context.newPage();
    if (backend === 'webgpu') await page.addInitScript(profile ? profileDispatches : countGpuCalls);
    await page.goto(`${server.url}bench-blank`, { waitUntil: 'load' });
    for (const src of SCRIPTS[backend]) await page.addScriptTag({ url: src });
    const version = browser.version();
    await page.evaluate(defineTfjsModel);
    const result = await page.evaluate(
      async ({ backend, steps, batch, tfDir }) => {
        const { step, read } = await window.__tfjsModel({ backend, batch, tfDir });
        const chunk = backend === 'webgpu' ? 4 : 25;

        const t0 = performance.now();
        step();
        const firstLoss = await read();
        const firstStepMs = performance.now() - t0;
        step();
        await read(); // warm-up: the backward kernels' second use
        let done = 0;
        let lastLoss = null;
        const calls0 = { ...(self.__gpuCalls ?? {}) };
        if (self.__kernelProfile) self.__kernelProfile.on = true;
        const t1 = performance.now();
        while (done < steps) {
          const k = Math.min(chunk, steps - done);
          for (let i = 0; i < k; i++) step();
          lastLoss = await read();
          done += k;
        }
        const ms = performance.now() - t1;
        const calls1 = { ...(self.__gpuCalls ?? {}) };
        const kernels = self.__readKernelProfile ? await self.__readKernelProfile() : null;
        const info = backend === 'webgpu' ? (await navigator.gpu.requestAdapter())?.info : null;
        return {
          samplesPerSec: (done * batch * 1000) / ms,
          msPerStep: ms / done,
          steps: done,
          firstStepMs,
          firstLoss,
          lastLoss,
          adapter: info ? [info.vendor, info.architecture, info.description].filter(Boolean).join(' · ') : null,
          calls: [calls0, calls1],
          kernels,
          backend: tf.getBackend(),
          threads:
            backend === 'wasm' ? (self.crossOriginIsolated ? (tf.wasm.getThreadsCount?.() ?? 'threaded') : 1) : null,
        };
      },
      { backend, steps, batch, tfDir: TF },
    );
    const [from, to] = result.calls;
    return {
      ...result,
      calls: undefined,
      gpuCallsPerStep: backend === 'webgpu' && !profile ? gpuCallsPerStep(from, to, result.steps) : null,
      kernels: profile ? summarizeKernelProfile(result.kernels, result.steps) : undefined,
      browser: version,
    };
  } finally {
    await browser.close();
  }
}
