// The run's numbers as they come in: progress bars, the live read-out, the A/B table, the
// epoch table and the loss sparkline (a few lines on a small canvas: cheap enough for the
// main thread).

import { app, $, fmtInt, pct, num } from './state.js';
import * as compare from './compare.js';

export function resetRunDisplay() {
  app.progress = null;
  app.lossLog = [];
  app.epochs = [];
  $('stat-loss').textContent = '–';
  $('stat-train-acc').textContent = '–';
  $('stat-test-acc').textContent = '–';
  $('stat-speed').textContent = '–';
  $('stat-samples').textContent = '';
  $('progress-epoch').textContent = 'Epoch – / –';
  $('progress-step').textContent = 'step – / –';
  setProgressFill(0, 0);
  renderEpochRows([]);
  app.progressB = null;
  app.lossLogB = [];
  for (const side of ['a', 'b']) {
    for (const cls of ['ab-step', 'ab-loss', 'ab-train', 'ab-test'])
      $(`ab-row-${side}`).querySelector(`.${cls}`).textContent = '–';
  }
  drawSparkline();
  updateReadout();
}

function setProgressFill(total, inEpoch) {
  $('progress-fill').style.width = `${(100 * total).toFixed(2)}%`;
  $('progress-epoch-fill').style.width = `${(100 * inEpoch).toFixed(2)}%`;
  $('progress').setAttribute('aria-valuenow', String(Math.round(100 * total)));
}

export function showProgress(p, run) {
  app.progress = p;
  // At an epoch boundary (stepInEpoch 0 after some steps) show the epoch just completed as full.
  const atBoundary = p.step > 0 && p.stepInEpoch === 0;
  const currentEpoch = atBoundary ? Math.max(1, p.epoch) : Math.min(p.epoch + 1, p.epochs);
  const batchInEpoch = atBoundary ? p.stepsPerEpoch : p.stepInEpoch;
  $('progress-epoch').textContent = `Epoch ${currentEpoch} / ${p.epochs}`;
  $('progress-step').textContent =
    `step ${fmtInt.format(p.step)} / ${fmtInt.format(p.totalSteps)} · batch ${fmtInt.format(batchInEpoch)} / ${fmtInt.format(p.stepsPerEpoch)} of this epoch`;
  setProgressFill(p.totalSteps ? p.step / p.totalSteps : 0, p.stepsPerEpoch ? batchInEpoch / p.stepsPerEpoch : 0);
  if (p.trainLoss != null) $('stat-loss').textContent = num(p.trainLoss);
  else if (p.state === 'diverged') $('stat-loss').textContent = 'NaN';
  if (p.trainAcc != null) $('stat-train-acc').textContent = pct(p.trainAcc);
  // The headline measure (accuracy, or the Q&A's mean absolute error) is named and written by Rust.
  if (p.headline) {
    $('stat-test-acc').textContent = p.headline.value;
    /** @type {HTMLElement} */ ($('stat-test-acc').previousElementSibling).textContent = p.headline.label;
  }

  // Speed: steps over the last ~2 s of wall-clock time (pauses excluded).
  const now = performance.now();
  run.speedSamples.push([now, p.step]);
  while (run.speedSamples.length > 2 && now - run.speedSamples[1][0] > 2000) run.speedSamples.shift();
  const [t0, s0] = run.speedSamples[0];
  if (now - t0 > 200 && p.step > s0) {
    const stepsPerSec = ((p.step - s0) * 1000) / (now - t0);
    $('stat-speed').textContent = stepsPerSec >= 10 ? stepsPerSec.toFixed(0) : stepsPerSec.toFixed(2);
    $('stat-samples').textContent = `${fmtInt.format(Math.round(stepsPerSec * run.config.batch))} samples / s`;
  }

  if (p.trainLoss != null) {
    app.lossLog.push({ step: p.step, loss: p.trainLoss });
    drawSparkline();
  }
  showAbRow('a', p);
  updateReadout();
}

/** The B side's progress: its row of the A/B table and its sparkline. */
export function showProgressB(p) {
  app.progressB = p;
  if (p.trainLoss != null) app.lossLogB.push({ step: p.step, loss: p.trainLoss });
  showAbRow('b', p);
  drawSparkline();
  updateReadout();
}

function showAbRow(side, p) {
  const row = $(`ab-row-${side}`);
  row.querySelector('.ab-step').textContent = `${fmtInt.format(p.step)} / ${fmtInt.format(p.totalSteps)}`;
  const loss = p.trainLoss != null ? num(p.trainLoss) : p.state === 'diverged' ? 'NaN' : null;
  if (loss != null) row.querySelector('.ab-loss').textContent = loss;
  if (p.trainAcc != null) row.querySelector('.ab-train').textContent = pct(p.trainAcc);
  if (p.testAcc != null) row.querySelector('.ab-test').textContent = pct(p.testAcc);
  row.classList.toggle('is-bad', p.state === 'diverged');
}

const headline = (/** @type {any} */ p) => p?.headline?.value ?? '–';

/** The live numbers beside the charts (large in lecture mode). */
export function updateReadout() {
  const a = app.progress;
  const b = compare.isOn() ? app.progressB : null;
  const epochNow = (p) => (p.step > 0 && p.stepInEpoch === 0 ? Math.max(1, p.epoch) : Math.min(p.epoch + 1, p.epochs));
  const loss = (p) => (p?.trainLoss != null ? num(p.trainLoss, 3) : p?.state === 'diverged' ? 'NaN' : '–');
  const items = [
    ['step', 'Step', a ? `${fmtInt.format(a.step)} / ${fmtInt.format(a.totalSteps)}` : '–'],
    ['epoch', 'Epoch', a ? `${epochNow(a)} / ${a.epochs}` : '–'],
  ];
  if (b) {
    // Shorter than the single run's label, so that lecture mode's header keeps two rows beside B.
    const means = `each the mean of the last ${app.headlineSteps} steps`;
    items.push(['loss', 'Mean loss A · B', `${loss(a)} · ${loss(b)}`, means]);
    items.push(['test', `${a?.headline?.label ?? 'Test accuracy'} A · B`, `${headline(a)} · ${headline(b)}`]);
  } else {
    items.push(['loss', `Loss (${app.headlineSteps}-step mean)`, loss(a)]);
    items.push(['test', a?.headline?.label ?? 'Test accuracy', headline(a)]);
  }
  const el = $('readout');
  el.textContent = '';
  for (const [key, label, value, title] of items) {
    const div = document.createElement('div');
    div.dataset.key = key;
    const dt = document.createElement('dt');
    dt.textContent = label;
    if (title) dt.title = title;
    const dd = document.createElement('dd');
    dd.textContent = value;
    div.append(dt, dd);
    el.append(div);
  }
}

function epochField(record, ...names) {
  for (const n of names) if (record[n] != null) return record[n];
  return null;
}

export function renderEpochRows(epochs) {
  const body = $('epoch-rows');
  body.textContent = '';
  if (!epochs.length) {
    const tr = document.createElement('tr');
    tr.className = 'empty';
    const td = document.createElement('td');
    td.colSpan = 5;
    td.textContent = 'No epoch finished yet.';
    tr.append(td);
    body.append(tr);
    return;
  }
  let best = -1;
  epochs.forEach((e, i) => {
    if (
      best < 0 ||
      (epochField(e, 'testAccuracy', 'testAcc') ?? -1) > (epochField(epochs[best], 'testAccuracy', 'testAcc') ?? -1)
    )
      best = i;
  });
  epochs.forEach((e, i) => {
    const tr = document.createElement('tr');
    if (i === best && epochs.length > 1) tr.className = 'best';
    const cells = [
      String(e.epoch),
      num(epochField(e, 'trainLoss')),
      pct(epochField(e, 'trainAccuracy', 'trainAcc')),
      num(epochField(e, 'testLoss')),
      pct(epochField(e, 'testAccuracy', 'testAcc')),
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  });
}

export function drawSparkline() {
  const canvas = $('loss-sparkline');
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const points = app.lossLog.filter((p) => Number.isFinite(p.loss));
  // With an A/B comparison, B's loss on the same axes (orange), A's in blue.
  const pointsB = compare.isOn() ? app.lossLogB.filter((p) => Number.isFinite(p.loss)) : [];
  if (points.length < 2 && pointsB.length < 2) return;
  const pad = 6 * dpr;
  const both = points.concat(pointsB);
  const maxStep = Math.max(...both.map((p) => p.step));
  const minStep = Math.min(...both.map((p) => p.step));
  let lo = Infinity,
    hi = -Infinity;
  for (const p of both) {
    lo = Math.min(lo, p.loss);
    hi = Math.max(hi, p.loss);
  }
  // "Guessing" line (from Rust: ln of the classes for the softmax loss; none for squared error).
  const chance = app.chanceLoss;
  lo = Math.min(lo, 0);
  if (chance != null) hi = Math.max(hi, chance * 1.2);
  const x = (s) => pad + ((s - minStep) / Math.max(1, maxStep - minStep)) * (w - 2 * pad);
  const y = (v) => h - pad - ((v - lo) / Math.max(1e-9, hi - lo)) * (h - 2 * pad);
  if (chance != null) {
    ctx.strokeStyle = '#cbd5e1';
    ctx.setLineDash([4 * dpr, 4 * dpr]);
    ctx.lineWidth = dpr;
    ctx.beginPath();
    ctx.moveTo(pad, y(chance));
    ctx.lineTo(w - pad, y(chance));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#94a3b8';
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    const label = `chance: ${chance.toFixed(2)}`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'top';
    const below = y(chance) + 3 * dpr;
    if (below + 12 * dpr < h) ctx.fillText(label, w - pad - 2 * dpr, below);
    else {
      ctx.textBaseline = 'bottom';
      ctx.fillText(label, w - pad - 2 * dpr, y(chance) - 3 * dpr);
    }
  }
  // The loss itself.
  ctx.strokeStyle = app.state === 'diverged' ? '#b91c1c' : '#2563eb';
  ctx.lineWidth = 2 * dpr;
  ctx.lineJoin = 'round';
  const trace = (list) => {
    ctx.beginPath();
    for (const [i, p] of list.entries()) {
      if (i) ctx.lineTo(x(p.step), y(p.loss));
      else ctx.moveTo(x(p.step), y(p.loss));
    }
    ctx.stroke();
  };
  if (pointsB.length > 1) {
    ctx.strokeStyle = '#d55e00';
    trace(pointsB);
    ctx.strokeStyle = app.state === 'diverged' ? '#b91c1c' : '#2563eb';
  }
  trace(points);
  if (pointsB.length) {
    ctx.font = `600 ${11 * dpr}px system-ui, sans-serif`;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'top';
    ctx.fillStyle = '#2563eb';
    ctx.fillText('A', pad + 2 * dpr, pad);
    ctx.fillStyle = '#d55e00';
    ctx.fillText('B', pad + 16 * dpr, pad);
  }
}
