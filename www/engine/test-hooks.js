// Requests only the tests send to the engine workers (tests/e2e/engine.test.mjs, sweep-pool):
// a wasm trap, as a Rust panic or running out of memory ends in, and a stalled engine. dist/
// ships an empty object in this file's place (scripts/dist.mjs, TEST_ONLY).

/** A wasm trap: a tiny module running `unreachable`. */
function trap() {
  const bytes = new Uint8Array([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 7, 5, 1, 1, 116, 0, 0, 10, 5, 1, 3, 0, 0, 11,
  ]);
  /** @type {any} */ (new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports).t();
}

/** The worker busy for `ms` between two chunks, as a hung engine. @param {{ms: number}} msg */
function stall({ ms }) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a hung engine */
  }
  return null;
}

/** @type {Record<string, (msg: any) => any>} */
export default { trap, stall };
