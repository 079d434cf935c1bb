// npm run bench, parts 1, 1a, 1c and 5: natively, through the CLI (target/release/train): burn's
// CPU backend, PyTorch on the same steps (the CLI's peer), `train sweep --jobs`, and the sweep
// engine's stacked models. Imported by scripts/bench.mjs, which prints the table.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs the native parts not in `skip`.
 * @param {{record: Function, root: string, batch: number, nativeSteps: number, sweepSteps: number, skip: Set<string>}} ctx
 */
export function nativeBenches({
  record,
  root: ROOT,
  batch: BATCH,
  nativeSteps: NATIVE_STEPS,
  sweepSteps: SWEEP_STEPS,
  skip,
}) {
  // The CLI's benchmark: BATCH-sized steps of relu-sigmoid-relu on the bundled subset, on the CPU.
  function benchArgv() {
    return [
      '--bench',
      String(NATIVE_STEPS),
      '--dataset',
      'mnist-subset',
      '--data',
      join(ROOT, 'www/data/mnist-subset'),
      '--acts',
      'relu,sigmoid,relu',
      '--batch',
      String(BATCH),
      '--backend',
      'cpu',
    ];
  }

  // The CLI's samples/s without statistics, `env` added to the environment; null if it gave none.
  function cliRate(env) {
    const bin = join(ROOT, 'target', 'release', 'train');
    const run = spawnSync(bin, benchArgv(), { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
    for (const line of (run.stdout ?? '').split('\n')) {
      try {
        const j = JSON.parse(line.trim());
        if (j.statsEvery === 0 && j.samplesPerSec) return j.samplesPerSec;
      } catch {
        /* not JSON */
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ 1. native CPU via the CLI
  function nativeBench() {
    const bin = join(ROOT, 'target', 'release', 'train');
    console.error('[bench] cargo build --release --bin train');
    const build = spawnSync('cargo', ['build', '--release', '--bin', 'train'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if (build.status !== 0 || !existsSync(bin)) {
      return record('native CPU (burn Flex)', { note: 'could not build target/release/train' });
    }
    let help = '';
    try {
      help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
    } catch (e) {
      help = String(e.stdout ?? '');
    }
    if (!/--bench\b/.test(help)) {
      return record('native CPU (burn Flex)', { note: 'target/release/train has no --bench flag' });
    }
    const argv = benchArgv();
    console.error(`[bench] target/release/train ${argv.join(' ')}`);
    const run = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8' });
    const lines = [];
    for (const line of (run.stdout ?? '').split('\n')) {
      const t = line.trim();
      if (t.startsWith('{')) {
        try {
          lines.push(JSON.parse(t));
        } catch {
          /* not JSON */
        }
      }
    }
    if (run.status !== 0 || !lines.length || !lines.every((j) => j.samplesPerSec)) {
      const out = `${run.stdout}\n${run.stderr}`.trim().slice(-400);
      return record('native CPU (burn Flex)', { note: `the CLI gave no number (exit ${run.status}): ${out}` });
    }
    for (const j of lines) {
      const name = j.statsEvery ? `  + statistics every ${j.statsEvery} steps` : 'native CPU (burn Flex)';
      record(name, { samplesPerSec: j.samplesPerSec, msPerStep: (1000 * j.seconds) / j.steps, steps: j.steps });
      if (j.statsOverheadPercent != null)
        console.log(`${''.padEnd(34)} statistics cost ${j.statsOverheadPercent.toFixed(1)}% of throughput`);
    }
  }

  // ------------------------------------------------------------------ 1a. PyTorch, the CLI's peer, on the same steps
  // scripts/bench-pytorch.py trains the same network, data and batch. Per core: burn with its matrix
  // products on one thread (RAYON_NUM_THREADS=1; Flex spreads the largest over every core otherwise)
  // against PyTorch with 1 thread, PAIRS times in turn, so that a busy machine slows both alike: the
  // median of the pairwise ratios is the figure. Then PyTorch with every core, once. Skipped, with a
  // line saying so, where `import torch` fails (BENCH_PYTHON names another interpreter, e.g. a
  // virtual environment's).
  function pytorchBench() {
    const PAIRS = 3;
    const python = process.env.BENCH_PYTHON || 'python3';
    const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status !== 0) {
      return record('PyTorch CPU (peer)', {
        note: `skipped: ${python} cannot import torch (pip install torch, or set BENCH_PYTHON)`,
      });
    }
    const torch = (threads) => {
      const run = spawnSync(
        python,
        [join(ROOT, 'scripts', 'bench-pytorch.py'), String(NATIVE_STEPS), String(threads)],
        { cwd: ROOT, encoding: 'utf8' },
      );
      try {
        const j = JSON.parse((run.stdout ?? '').trim().split('\n').pop());
        if (j?.samplesPerSec) return j;
      } catch {
        /* no JSON */
      }
      record(`PyTorch CPU, ${threads} thread(s)`, {
        note: `no number (exit ${run.status}): ${`${run.stdout}\n${run.stderr}`.trim().slice(-300)}`,
      });
      return null;
    };
    const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const pairs = [];
    let version = '';
    for (let i = 0; i < PAIRS; i++) {
      const burn = cliRate({ RAYON_NUM_THREADS: '1' });
      const j = torch(1);
      if (!burn || !j) return;
      version = j.torch;
      pairs.push({ burn, torch: j.samplesPerSec });
    }
    const perStep = (rate) => ({ samplesPerSec: rate, msPerStep: (1000 * BATCH) / rate, steps: NATIVE_STEPS });
    record('native CPU (burn Flex), 1 core', perStep(median(pairs.map((p) => p.burn))));
    record(`PyTorch ${version} CPU, 1 thread`, perStep(median(pairs.map((p) => p.torch))));
    const ratios = pairs.map((p) => p.burn / p.torch);
    console.log(
      `${''.padEnd(34)} burn Flex (1 core) ÷ PyTorch (1 thread), ${PAIRS} pairs in turn: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(2)}× (target ≥ 1.0×)`,
    );
    const cores = cpus();
    if (cores > 1) {
      const j = torch(cores);
      if (j) record(`PyTorch ${j.torch} CPU, ${cores} threads`, perStep(j.samplesPerSec));
    }
  }

  function cpus() {
    return Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || 1;
  }

  // ------------------------------------------------------------------ 1c. native sweep on every core: --jobs 1 vs --jobs N
  // Four combinations for one epoch of the bundled subset, one model per thread: the same runs with
  // one job and with one per core, in model-samples per second (target on 2 cores: ≥ 1.8×).
  function nativeJobsBench() {
    const bin = join(ROOT, 'target', 'release', 'train');
    if (!existsSync(bin)) return record('native sweep, --jobs', { note: 'target/release/train is missing' });
    const combos = 'relu-sigmoid-relu,tanh-tanh-tanh,selu-selu-selu,relu-relu-relu';
    const measure = (jobs) => {
      const argv = [
        'sweep',
        '--dataset',
        'mnist-subset',
        '--data',
        join(ROOT, 'www/data/mnist-subset'),
        '--combos',
        combos,
        '--seeds',
        '1',
        '--epochs',
        '1',
        '--backend',
        'cpu',
        '--jobs',
        String(jobs),
      ];
      const t0 = performance.now();
      const run = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8' });
      const seconds = (performance.now() - t0) / 1000;
      return run.status === 0 ? seconds : null;
    };
    const n = cpus();
    const one = measure(1);
    const all = measure(n);
    if (one == null || all == null) return record('native sweep, --jobs', { note: 'train sweep failed' });
    // Four runs of one epoch over the 7,996 training images, plus their evaluations.
    const samples = 4 * 7996;
    const steps = 4 * Math.floor(7996 / BATCH);
    record('native sweep, 4 runs, --jobs 1', { samplesPerSec: samples / one, msPerStep: (1000 * one) / steps, steps });
    record(`native sweep, 4 runs, --jobs ${n}`, {
      samplesPerSec: samples / all,
      msPerStep: (1000 * all) / steps,
      steps,
    });
    console.log(
      `${''.padEnd(34)} --jobs ${n}: ${(one / all).toFixed(2)}× --jobs 1 (model-samples/s; target on 2 cores ≥ 1.8×)`,
    );
  }

  // ------------------------------------------------------------------ 1b. native sweep: 64 models at once vs one after another
  // `train sweep --bench` trains the 64 combinations (one seed) as one stacked network for SWEEP_STEPS
  // steps, then each as a single run for as many steps, and prints model-samples per second of both.
  function nativeSweepBench() {
    const bin = join(ROOT, 'target', 'release', 'train');
    const name = 'native CPU sweep, 64 models';
    if (!existsSync(bin)) return record(name, { note: 'target/release/train is missing' });
    const argv = [
      'sweep',
      '--bench',
      String(SWEEP_STEPS),
      '--dataset',
      'mnist-subset',
      '--data',
      join(ROOT, 'www/data/mnist-subset'),
      '--seeds',
      '1',
      '--parallel',
      '64',
      '--backend',
      'cpu',
    ];
    console.error(`[bench] target/release/train ${argv.join(' ')}`);
    const run = spawnSync(bin, argv, { cwd: ROOT, encoding: 'utf8' });
    const line = (run.stdout ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith('{'));
    let j = null;
    try {
      j = line ? JSON.parse(line) : null;
    } catch {
      /* not JSON */
    }
    if (run.status !== 0 || !j?.batchedModelSamplesPerSec) {
      return record(name, {
        note: `the CLI gave no number (exit ${run.status}): ${`${run.stdout}\n${run.stderr}`.trim().slice(-300)}`,
      });
    }
    const perStep = (seconds) => (1000 * seconds) / j.steps;
    record(`${name} at once`, {
      samplesPerSec: j.batchedModelSamplesPerSec,
      msPerStep: perStep(j.batchedSeconds),
      steps: j.steps,
    });
    record(`${name} one after another`, {
      samplesPerSec: j.sequentialModelSamplesPerSec,
      msPerStep: perStep(j.sequentialSeconds),
      steps: j.steps * j.models,
    });
    console.log(
      `${''.padEnd(34)} at once: ${j.speedup.toFixed(2)}× the sequential throughput (model-samples/s; target ≥ 1.5×)`,
    );
  }

  nativeBench();
  if (!skip.has('pytorch')) pytorchBench();
  if (!skip.has('jobs')) nativeJobsBench();
  if (!skip.has('sweep')) nativeSweepBench();
}
