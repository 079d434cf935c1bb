#!/usr/bin/env node
// Makes a dataset you already have on disk part of the page: copies (or hard-links) its standard
// files into www/data/<kind>/ and writes www/data/<kind>/manifest.json listing them. The page
// then loads that dataset when it is picked in the Data card (or named by a share link), with no
// file chooser. www/data/ is git-ignored: nothing is committed.
//
//   npm run add-dataset -- <kind> <dir-or-files…>
//   node scripts/add-dataset.mjs mnist ~/data/mnist
//   node scripts/add-dataset.mjs fashion-mnist ~/Downloads/fashion/*.gz
//   node scripts/add-dataset.mjs cifar10 ~/data/cifar-10-batches-bin
//   node scripts/add-dataset.mjs cifar10 ~/Downloads/cifar-10-binary.tar.gz
//   node scripts/add-dataset.mjs --remove cifar10
//
// Kinds and files (each raw or .gz; only the base names matter):
//   mnist, fashion-mnist   train-images-idx3-ubyte, train-labels-idx1-ubyte,
//                          t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte (all four)
//   cifar10                data_batch_1.bin … data_batch_5.bin (any of them) and test_batch.bin,
//                          also inside a cifar-10-batches-bin/ subfolder; or cifar-10-binary.tar.gz
//
// Files are hard-linked where possible (no extra disk space) and copied otherwise; symbolic
// links would not do, as the page's server refuses links that lead out of the repository.
// The headers are checked here (magic numbers, labels, archive format); the page's own parser
// checks everything else when it loads them.

import { promises as fsp, constants as fsc } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, constants as zc } from 'node:zlib';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'www', 'data');

const KINDS = {
  mnist: 'MNIST (full)',
  'fashion-mnist': 'Fashion-MNIST',
  cifar10: 'CIFAR-10',
};
const ALIASES = {
  fashion: 'fashion-mnist',
  fashion_mnist: 'fashion-mnist',
  fashionmnist: 'fashion-mnist',
  'cifar-10': 'cifar10',
  cifar: 'cifar10',
  cifar_10: 'cifar10',
};
const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
];
const IMAGE_MAGIC = 0x803;
const LABEL_MAGIC = 0x801;
const ARCHIVE_DIR = 'cifar-10-batches-bin';

const USAGE = `usage: npm run add-dataset -- <kind> <dir-or-files…>
       npm run add-dataset -- --remove <kind>
kinds: mnist, fashion-mnist (the four IDX files, raw or .gz),
       cifar10 (data_batch_N.bin and test_batch.bin, raw or .gz, or cifar-10-binary.tar.gz)
Copies or hard-links the files into www/data/<kind>/ and writes its manifest.json; the page
then loads that dataset when it is picked, without asking for files.`;

class UsageError extends Error {}
class DataError extends Error {}

function parseKind(text) {
  const wanted = String(text ?? '')
    .trim()
    .toLowerCase();
  const kind = ALIASES[wanted] ?? wanted;
  if (KINDS[kind]) return kind;
  if (kind === 'mnist-subset')
    throw new UsageError(
      'mnist-subset is bundled with the page (scripts/build.sh makes it); pick mnist, fashion-mnist or cifar10',
    );
  throw new UsageError(`unknown dataset ${JSON.stringify(text ?? '')}: expected mnist, fashion-mnist or cifar10`);
}

/** What a file is for, from its base name: {key, gz} or null. */
function roleOf(kind, name) {
  const lower = name.toLowerCase();
  const gz = lower.endsWith('.gz') || lower.endsWith('.tgz');
  const stem = lower.endsWith('.gz') ? lower.slice(0, -3) : lower;
  if (kind === 'cifar10') {
    if (stem === 'test_batch.bin') return { key: 'test_batch.bin', gz };
    const m = /^data_batch_([1-5])\.bin$/.exec(stem);
    if (m) return { key: `data_batch_${m[1]}.bin`, gz };
    if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.tar')) return { key: 'archive', gz };
    return null;
  }
  const role = stem.replace(/\./g, '-');
  return MNIST_FILES.includes(role) ? { key: role, gz } : null;
}

async function listFiles(dir) {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const out = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isFile()) out.push(path);
    else if (e.isSymbolicLink()) {
      const st = await fsp.stat(path).catch(() => null);
      if (st?.isFile()) out.push(path);
    }
  }
  return out.sort();
}

/** The candidate files named by the arguments (directories are listed, one level deep). */
async function gather(kind, args) {
  const files = [];
  for (const arg of args) {
    const path = resolve(arg);
    const st = await fsp.stat(path).catch(() => null);
    if (!st) throw new UsageError(`${arg}: no such file or directory`);
    if (st.isDirectory()) {
      files.push(...(await listFiles(path)));
      const sub = join(path, ARCHIVE_DIR);
      if (kind === 'cifar10' && (await fsp.stat(sub).catch(() => null))?.isDirectory())
        files.push(...(await listFiles(sub)));
    } else if (st.isFile()) {
      files.push(path);
    } else {
      throw new UsageError(`${arg}: not a file or directory`);
    }
  }
  return files;
}

/** The first bytes of a file, decompressed when it is gzipped (a partial gunzip). */
async function head(path, want = 1024) {
  const handle = await fsp.open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const raw = buf.subarray(0, bytesRead);
    if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
      try {
        return { bytes: gunzipSync(raw, { finishFlush: zc.Z_SYNC_FLUSH }).subarray(0, want), gz: true };
      } catch (e) {
        throw new DataError(`${path}: broken gzip data (${e.message})`);
      }
    }
    return { bytes: raw.subarray(0, want), gz: false };
  } finally {
    await handle.close();
  }
}

/** Checks that a file starts like what its name says. */
async function checkHeader(kind, key, path) {
  const { bytes } = await head(path);
  const magic = bytes.length >= 4 ? bytes.readUInt32BE(0) : null;
  const isIdx = magic === IMAGE_MAGIC || magic === LABEL_MAGIC;
  if (bytes.length === 0) throw new DataError(`${path}: the file is empty`);
  if (kind === 'cifar10') {
    if (key.startsWith('archive')) {
      if (bytes.length < 262 || bytes.subarray(257, 262).toString('latin1') !== 'ustar') {
        throw new DataError(`${path}: not a tar archive (expected cifar-10-binary.tar.gz as downloaded)`);
      }
      return;
    }
    if (isIdx) throw new DataError(`${path}: this is an IDX file (MNIST or Fashion-MNIST), not a CIFAR-10 batch`);
    if (bytes[0] > 9)
      throw new DataError(`${path}: does not start like a CIFAR-10 batch (first label byte ${bytes[0]}, expected 0–9)`);
    return;
  }
  const expected = key.includes('images') ? IMAGE_MAGIC : LABEL_MAGIC;
  if (magic !== expected) {
    const what = key.includes('images') ? 'image' : 'label';
    const seen = magic == null ? 'too short' : `magic 0x${magic.toString(16).padStart(8, '0')}`;
    throw new DataError(
      `${path}: not an IDX ${what} file (${seen}, expected 0x${expected.toString(16).padStart(8, '0')})`,
    );
  }
}

/** Picks one file per role (gzipped preferred: smaller to serve) and checks the set is complete. */
function choose(kind, files) {
  const chosen = new Map();
  const ignored = [];
  for (const path of files) {
    const role = roleOf(kind, basename(path));
    if (!role) {
      ignored.push(path);
      continue;
    }
    const key = role.key === 'archive' ? `archive:${basename(path)}` : role.key;
    const before = chosen.get(key);
    if (!before) {
      chosen.set(key, { path, gz: role.gz });
      continue;
    }
    if (resolve(before.path) === resolve(path)) continue;
    if (dirname(before.path) === dirname(path) && before.gz !== role.gz) {
      if (role.gz) {
        ignored.push(before.path);
        chosen.set(key, { path, gz: true });
      } else ignored.push(path);
      continue;
    }
    throw new UsageError(`${key} is given twice: ${before.path} and ${path}; give each file once`);
  }
  const label = KINDS[kind];
  if (kind === 'cifar10') {
    const batches = [...chosen.keys()].filter((k) => !k.startsWith('archive:'));
    const archives = [...chosen.keys()].filter((k) => k.startsWith('archive:'));
    const complete = batches.includes('test_batch.bin') && batches.some((k) => k.startsWith('data_batch_'));
    if (complete) {
      for (const a of archives) {
        ignored.push(chosen.get(a).path);
        chosen.delete(a);
      }
    } else if (archives.length === 1) {
      for (const b of batches) {
        ignored.push(chosen.get(b).path);
        chosen.delete(b);
      }
    } else if (archives.length > 1) {
      throw new UsageError(`several archives given (${archives.map((a) => a.slice(8)).join(', ')}); give one`);
    } else {
      const missing = batches.includes('test_batch.bin')
        ? 'data_batch_1.bin … data_batch_5.bin (at least one)'
        : 'test_batch.bin';
      throw new UsageError(
        `no ${missing} among the files found for ${label}: expected data_batch_N.bin and test_batch.bin (each raw or .gz), or cifar-10-binary.tar.gz` +
          (ignored.length ? `; ignored: ${ignored.map((p) => basename(p)).join(', ')}` : ''),
      );
    }
  } else {
    const missing = MNIST_FILES.filter((f) => !chosen.has(f));
    if (missing.length) {
      const cifar = ignored.some((p) => /data_batch_|test_batch|cifar/i.test(basename(p)));
      throw new UsageError(
        `missing ${missing.map((f) => `${f}[.gz]`).join(', ')} for ${label}` +
          (ignored.length ? `; ignored: ${ignored.map((p) => basename(p)).join(', ')}` : '') +
          (cifar ? '; those look like CIFAR-10 files: use the cifar10 kind for them' : ''),
      );
    }
  }
  return { chosen: [...chosen.entries()].map(([key, v]) => ({ key, path: v.path })), ignored };
}

async function place(from, to) {
  try {
    await fsp.link(from, to);
    return 'linked';
  } catch {
    await fsp.copyFile(from, to, fsc.COPYFILE_FICLONE);
    return 'copied';
  }
}

async function remove(kind) {
  const target = join(DATA, kind);
  const st = await fsp.stat(target).catch(() => null);
  if (!st) {
    console.log(`nothing to remove: ${join('www', 'data', kind)}/ does not exist`);
    return;
  }
  await fsp.rm(target, { recursive: true, force: true });
  console.log(`removed ${join('www', 'data', kind)}/`);
}

async function add(kind, args) {
  if (!args.length) throw new UsageError(`no files or directories given for ${kind}\n${USAGE}`);
  const { chosen, ignored } = choose(kind, await gather(kind, args));
  for (const { key, path } of chosen) await checkHeader(kind, key, path);

  await fsp.mkdir(DATA, { recursive: true });
  const target = join(DATA, kind);
  // Build next to the target, then swap: sources inside the target stay readable meanwhile.
  const tmp = join(DATA, `.${kind}.tmp-${process.pid}`);
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp);
  const files = [];
  try {
    for (const { path } of chosen) {
      const name = basename(path);
      const how = await place(path, join(tmp, name));
      const { size } = await fsp.stat(join(tmp, name));
      files.push({ name, size, how });
    }
    files.sort((a, b) => a.name.localeCompare(b.name));
    const manifest = {
      kind,
      label: KINDS[kind],
      files: files.map(({ name, size }) => ({ name, size })),
      added: new Date().toISOString(),
      by: 'scripts/add-dataset.mjs',
    };
    await fsp.writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const old = join(DATA, `.${kind}.old-${process.pid}`);
    const hadOld = await fsp.stat(target).then(
      () => true,
      () => false,
    );
    if (hadOld) await fsp.rename(target, old);
    await fsp.rename(tmp, target);
    if (hadOld) await fsp.rm(old, { recursive: true, force: true });
  } catch (e) {
    await fsp.rm(tmp, { recursive: true, force: true });
    throw e;
  }

  const total = files.reduce((s, f) => s + f.size, 0);
  const size = (n) => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : `${(n / 1e6).toFixed(1)} MB`);
  console.log(`${KINDS[kind]} → www/data/${kind}/ (${size(total)})`);
  for (const f of files) console.log(`  ${f.how.padEnd(6)} ${f.name} (${size(f.size)})`);
  if (ignored.length) console.log(`  ignored: ${ignored.map((p) => basename(p)).join(', ')}`);
  console.log(`  wrote www/data/${kind}/manifest.json`);
  console.log(
    `Open the page (npm start) and pick ${KINDS[kind]} in the Data card, or use a link with ?dataset=${kind}.`,
  );
}

async function main(argv) {
  if (!argv.length || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return argv.length ? 0 : 2;
  }
  if (argv[0] === '--remove') {
    if (argv.length !== 2) throw new UsageError(USAGE);
    await remove(parseKind(argv[1]));
    return 0;
  }
  const [kindArg, ...rest] = argv;
  await add(parseKind(kindArg), rest);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(`add-dataset: ${e instanceof UsageError || e instanceof DataError ? e.message : (e.stack ?? e)}`);
    process.exitCode = e instanceof UsageError ? 2 : 1;
  },
);
