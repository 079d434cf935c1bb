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

test('the wasm runs its static constructors once: wasm-ld wrapped no export in a constructor call', () => {
  const module = new WebAssembly.Module(readFileSync(join(ROOT, 'www/pkg/activation_playground_bg.wasm')));
  const [names] = WebAssembly.Module.customSections(module, 'name');
  assert.ok(names, 'the development wasm has a name section');
  const text = Buffer.from(names).toString('latin1');
  assert.ok(text.includes('__wasm_call_ctors'), 'the module has static constructors (else this test checks nothing)');
  const wrapped = text.split('.command_export').length - 1;
  assert.equal(wrapped, 0, `${wrapped} exports re-run every static constructor on each call`);
});
