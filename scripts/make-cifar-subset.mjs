// Writes the bundled CIFAR-10 subset (data/cifar10-subset/) from the official binary batches:
// the first TRAIN_PER_CLASS images of each class in data_batch_1 … data_batch_5 (in file order)
// and the first TEST_PER_CLASS of each class in test_batch, in the standard binary layout
// (3,073-byte records), gzipped. The subset is committed; this script documents and re-makes it.
//
//   node scripts/make-cifar-subset.mjs [CIFAR_DIR] [OUT_DIR]
//   (defaults: ../shared/data/cifar-10 and data/cifar10-subset)
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync, gzipSync, constants } from 'node:zlib';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

export const TRAIN_PER_CLASS = Number(process.env.TRAIN_PER_CLASS ?? 400);
export const TEST_PER_CLASS = Number(process.env.TEST_PER_CLASS ?? 100);
const RECORD = 3073;

const src = process.argv[2] ?? '../shared/data/cifar-10';
const out = process.argv[3] ?? 'data/cifar10-subset';

/** The first `perClass` records of each class, in file order, over `files`. */
function pick(files, perClass) {
  const counts = new Array(10).fill(0);
  const chosen = [];
  const origin = [];
  for (const file of files) {
    const bytes = gunzipSync(readFileSync(join(src, `${file}.gz`)));
    for (let i = 0; i < bytes.length / RECORD; i++) {
      const label = bytes[i * RECORD];
      if (counts[label] >= perClass) continue;
      counts[label]++;
      chosen.push(bytes.subarray(i * RECORD, (i + 1) * RECORD));
      origin.push(`${file}#${i}`);
    }
    if (counts.every((c) => c === perClass)) break;
  }
  if (!counts.every((c) => c === perClass)) throw new Error(`not enough images per class in ${files.join(', ')}`);
  return { bytes: Buffer.concat(chosen), first: origin[0], last: origin[origin.length - 1] };
}

mkdirSync(out, { recursive: true });
const train = pick(
  [1, 2, 3, 4, 5].map((n) => `data_batch_${n}.bin`),
  TRAIN_PER_CLASS,
);
const test = pick(['test_batch.bin'], TEST_PER_CLASS);
for (const [name, part] of [
  ['data_batch_1.bin', train],
  ['test_batch.bin', test],
]) {
  // mtime 0 in the gzip header (node writes none), so the file is the same on every run.
  const gz = gzipSync(part.bytes, { level: constants.Z_BEST_COMPRESSION });
  writeFileSync(join(out, `${name}.gz`), gz);
  const md5 = createHash('md5').update(part.bytes).digest('hex');
  console.log(
    `${name}.gz: ${part.bytes.length / RECORD} records (${part.first} … ${part.last}), ${gz.length} bytes gzipped, md5 of the raw file ${md5}`,
  );
}
