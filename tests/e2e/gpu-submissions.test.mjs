// What a WebGPU training step costs the host in WebGPU calls (issue 23): one queue submission per
// step, the read-back's copy included, and hardly a bind group made once the step's have been
// (the vendored cubecl-wgpu keeps them). Counted by wrapping the WebGPU prototypes in a blank page of the
// server's origin (the bench's wrapper), on SwiftShader: a few steps, after a few that compile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserForFile } from './helpers.mjs';
import { countGpuCalls } from '../../scripts/bench-tfjs.mjs';
import { defineLoadSubset } from '../../scripts/bench-browser.mjs';

const shared = browserForFile({ webgpu: true });

/**
 * The article's relu-sigmoid-relu step: 33 dispatches, with the loss one kernel forward and one
 * multiply backward (src/model/cross_entropy.rs), each activation likewise
 * (src/model/per_model_activation.rs), the correct count one kernel and a sum
 * (src/model/correct_count.rs) and SGD's update one kernel per parameter (src/train/sgd_kernel.rs).
 * Any of them as burn's tensor operations again adds at least 5.
 */
const STEP_DISPATCHES = 33;

/**
 * A stacked step of the sweep's models, whatever their number and mix of activations: 44
 * dispatches, each layer's activations one kernel that reads each model's code, the update one
 * kernel per stacked parameter that leaves dead models alone. Activations grouped per kind made it
 * 94 for the first four models of `combos=all`, and more with more kinds.
 */
const STACKED_DISPATCHES = 44;

/** Whether a step made at most one bind group per ten dispatches (without the cache: one each). */
const fewBindGroups = (c) => c.dispatchWorkgroups > 0 && (c.createBindGroup ?? 0) * 10 <= c.dispatchWorkgroups;

/** A blank page (a 404 of the same origin) with the call counter and the subset loader. */
async function blankPage() {
  const page = await shared.env.browser.newPage();
  await page.addInitScript(countGpuCalls);
  await page.addInitScript(defineLoadSubset);
  await page.goto(`${shared.env.server.url}blank`, { waitUntil: 'load' });
  return page;
}

/** In the page: `window.__calls(fn)` runs `fn` and returns the WebGPU calls it made. */
function defineCalls() {
  window.__calls = async (fn) => {
    const before = { ...self.__gpuCalls };
    await fn();
    const out = {};
    for (const [k, v] of Object.entries(self.__gpuCalls)) out[k] = v - (before[k] ?? 0);
    return out;
  };
}

test('a WebGPU step is one queue submission, its read-back included, and hardly makes a bind group once warm', async () => {
  const page = await blankPage();
  try {
    await page.evaluate(defineCalls);
    const counts = await page.evaluate(async () => {
      const { wasm, dataset } = await window.__loadSubset();
      await wasm.initWebGpu();
      const config = JSON.parse(wasm.defaultConfig());
      Object.assign(config, { acts: ['relu', 'sigmoid', 'relu'], epochs: 50, backend: 'gpu', stats: 0 });
      const trainer = new wasm.Trainer(JSON.stringify(config), dataset);
      // Compiles the kernels; the memory pool settles on the buffers a step uses in 6 steps (bind
      // groups made per step, Dec 7: 44, 35, 25, 27, 10, 4, then 0).
      for (let i = 0; i < 7; i++) await trainer.run(1, 1e9, false);
      const out = { now: [], chunk: null, overlapped: [] };
      for (let i = 0; i < 3; i++) out.now.push(await window.__calls(() => trainer.run(1, 1e9, false)));
      out.chunk = await window.__calls(() => trainer.run(3, 1e9, false));
      for (let i = 0; i < 3; i++) out.overlapped.push(await window.__calls(() => trainer.run(1, 1e9, true)));
      out.step = JSON.parse(await trainer.run(0, 1e9, false)).step; // reads in the last one
      return out;
    });
    for (const c of counts.now) {
      assert.ok(c.dispatchWorkgroups <= STEP_DISPATCHES, `dispatches: ${JSON.stringify(c)}`);
      assert.equal(c.submit, 1, `one step read at once: ${JSON.stringify(c)}`);
      assert.equal(c.mapAsync, 1, `its losses, read back: ${JSON.stringify(c)}`);
      assert.equal(c.copyBufferToBuffer, 1, `the read-back's copy: ${JSON.stringify(c)}`);
      assert.ok(fewBindGroups(c), `bind groups made again: ${JSON.stringify(c)}`);
    }
    assert.equal(counts.chunk.submit, 3, `a chunk of 3 steps: ${JSON.stringify(counts.chunk)}`);
    assert.equal(counts.chunk.mapAsync, 1, `a chunk reads back once: ${JSON.stringify(counts.chunk)}`);
    for (const c of counts.overlapped) assert.equal(c.submit, 1, `one step, overlapped: ${JSON.stringify(c)}`);
    assert.equal(counts.step, 7 + 3 + 3 + 3, 'every step was taken');
  } finally {
    await page.close();
  }
});

test('a stacked sweep step is one queue submission too, the same dispatches for 4 or 8 models, and hardly makes a bind group once warm', async () => {
  const page = await blankPage();
  try {
    await page.evaluate(defineCalls);
    const stacks = await page.evaluate(async () => {
      const { wasm, dataset } = await window.__loadSubset();
      await wasm.initWebGpu();
      const out = [];
      for (const parallel of [4, 8]) {
        const query = `combos=all&seeds=1&epochs=50&bn=none&stats=0&dataset=mnist-subset&backend=gpu&parallel=${parallel}`;
        const job = await wasm.SweepJob.create(query, '[]', dataset);
        for (let i = 0; i < 6; i++) await job.run(1, 1e9);
        const calls = [];
        for (let i = 0; i < 2; i++) calls.push(await window.__calls(() => job.run(1, 1e9)));
        out.push({ groups: [...job.groupSizes()], calls });
        // Freed with a read-back under way, as the page does when a sweep is cancelled: the next
        // job must still read its own back (cubecl reuses the staging buffer being mapped).
        job.free();
      }
      return out;
    });
    assert.deepEqual(
      stacks.map((s) => s.groups[0]),
      [4, 8],
      `4, then 8 models stacked: ${JSON.stringify(stacks.map((s) => s.groups))}`,
    );
    for (const { calls } of stacks) {
      for (const c of calls) {
        assert.ok(c.dispatchWorkgroups <= STACKED_DISPATCHES, `stacked dispatches: ${JSON.stringify(c)}`);
        assert.equal(c.submit, 1, `one stacked step: ${JSON.stringify(c)}`);
        assert.ok(fewBindGroups(c), `bind groups made again: ${JSON.stringify(c)}`);
      }
    }
    const dispatches = stacks.flatMap((s) => s.calls.map((c) => c.dispatchWorkgroups));
    assert.equal(new Set(dispatches).size, 1, `the same dispatches for 4 and 8 models: ${dispatches}`);
  } finally {
    await page.close();
  }
});
