// The wasm module's linkage (www/pkg, the development build, which keeps its function names).
// cubecl and pliron register their types with `inventory`, i.e. static constructors. A module that
// never calls `__wasm_call_ctors` itself is linked by wasm-ld "command-style": every exported
// function is wrapped in a `<name>.command_export` that re-runs all the constructors first, and a
// WebGPU step enters the module hundreds of times (every promise callback, every JS value handed
// in). That cost ~¾ of a WebGPU step's wall time. `web::start` calls them once; this test fails if
// the wrappers come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.mjs';

/** The function names of a wasm binary's "name" custom section (subsection 1). */
function functionNames(bytes) {
  let at = 8; // magic + version
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  const text = (len) => new TextDecoder().decode(bytes.subarray(at, (at += len)));
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 0) {
      const name = text(leb());
      if (name === 'name') {
        while (at < end) {
          const sub = bytes[at++];
          const subEnd = leb() + at;
          if (sub === 1) {
            const names = [];
            for (let n = leb(); n > 0; n--) {
              leb(); // function index
              names.push(text(leb()));
            }
            return names;
          }
          at = subEnd;
        }
      }
    }
    at = end;
  }
  return null;
}

test('the wasm runs its static constructors once: wasm-ld wrapped no export in a constructor call', () => {
  const names = functionNames(readFileSync(join(ROOT, 'www/pkg/activation_playground_bg.wasm')));
  assert.ok(names, 'the development wasm has a name section');
  assert.ok(names.includes('__wasm_call_ctors'), 'the module has static constructors (else this test checks nothing)');
  const wrapped = names.filter((n) => n.endsWith('.command_export'));
  assert.deepEqual(wrapped.slice(0, 5), [], `${wrapped.length} exports re-run every static constructor on each call`);
});
