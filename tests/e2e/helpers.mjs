// Shared helpers for the browser tests: a static server on a free port, headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core), and page helpers.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';
import { before, after } from 'node:test';
import assert from 'node:assert/strict';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** ../shared/data beside the checkout (or the folder SHARED_DATA names), as tests/common/shared.rs. */
export const SHARED_DATA = process.env.SHARED_DATA
  ? resolve(process.env.SHARED_DATA)
  : resolve(ROOT, '..', 'shared', 'data');

/**
 * Why a test that needs `files` under ../shared/data is skipped here (a string for node:test's
 * `skip`), or false where it runs. Where ../shared/data exists but the files do not, it throws:
 * a skip there would hide a failure.
 * @param {string[]} files paths relative to SHARED_DATA
 * @returns {string | false}
 */
export function skipWithoutShared(files) {
  if (!existsSync(SHARED_DATA)) return `${SHARED_DATA} is absent (full MNIST and CIFAR-10: see README, Testing)`;
  const missing = files.filter((f) => !existsSync(join(SHARED_DATA, f)));
  if (missing.length) throw new Error(`${SHARED_DATA} exists but lacks ${missing.join(', ')}: the test must run here`);
  return false;
}
export const ARTIFACTS = join(ROOT, 'artifacts');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
// Never add --ignore-gpu-blocklist: with it every requestAdapter() returns null here.

/** Fails early with a readable reason when the build or the browser is missing. */
export function checkPrerequisites() {
  const missing = [];
  if (!existsSync(join(ROOT, 'www/pkg/activation_playground.js'))) missing.push('www/pkg (run: bash scripts/build.sh)');
  if (!existsSync(join(ROOT, 'www/data/mnist-subset/train-images-idx3-ubyte.gz')))
    missing.push('www/data (run: bash scripts/build.sh)');
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (run: apt-get install -y chromium)`);
  if (missing.length) throw new Error(`browser tests cannot run, missing: ${missing.join(', ')}`);
}

/**
 * Starts the server and a browser. `webgpu: true` adds --enable-unsafe-webgpu (without it
 * Chromium offers no adapter on a GPU-less machine: the no-WebGPU case). `root`: the folder to
 * serve (default: the repository).
 */
export async function setup({ webgpu, root }) {
  checkPrerequisites();
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await startServer({ root, port: 0, fallback: false });
  const args = [...BASE_FLAGS];
  if (webgpu) args.push('--enable-unsafe-webgpu');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args, timeout: 60_000 });
  return {
    server,
    browser,
    async close() {
      await browser.close().catch(() => {});
      await server.close();
    },
  };
}

/**
 * Opens the page and records console errors and uncaught exceptions. `options`: viewport,
 * deviceScaleFactor, permissions (e.g. clipboard), acceptDownloads, onRequest(url).
 */
export async function openPage(env, query = '', options = {}) {
  const {
    viewport = { width: 1360, height: 900 },
    deviceScaleFactor = 1,
    permissions,
    acceptDownloads = true,
    onRequest,
  } = options;
  const context = await env.browser.newContext({ viewport, deviceScaleFactor, acceptDownloads });
  // Every request of the page and its workers, from the first one on.
  if (onRequest) context.on('request', (request) => onRequest(request.url()));
  if (permissions) await context.grantPermissions(permissions, { origin: new URL(env.server.url).origin });
  const page = await context.newPage();
  const problems = [];
  const log = [];
  page.on('console', (msg) => {
    log.push(`[${msg.type()}] ${msg.text()}`);
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  await page.goto(env.server.url + query, { waitUntil: 'load' });
  return { page, context, problems, log };
}

/** Waits until the page has loaded the wasm module and the data (state idle). */
export async function waitReady(page, timeout = 120_000) {
  await page.waitForFunction(() => ['idle', 'error'].includes(document.body.dataset.state), null, { timeout });
  const state = await page.evaluate(() => document.body.dataset.state);
  if (state !== 'idle') {
    const banner = await page.textContent('#error-text');
    throw new Error(`page did not become ready: state ${state}, error: ${banner}`);
  }
  // WebGPU start-up settles (adapter or notice) shortly after.
  await page.waitForFunction(() => window.playground.gpu.status !== 'pending', null, { timeout: 60_000 });
}

/** Sets form fields: {acts:[a,b,c], bn, lr, momentum, batch, epochs, seed, stats, backend}. */
export async function setForm(page, settings) {
  if (settings.acts) {
    for (let i = 0; i < 3; i++) await page.selectOption(`#act${i + 1}`, settings.acts[i]);
  }
  if (settings.bn) await page.selectOption('#bn', settings.bn);
  for (const key of ['lr', 'momentum', 'batch', 'epochs', 'seed', 'stats']) {
    if (settings[key] !== undefined) await page.fill(`#${key}`, String(settings[key]));
  }
  if (settings.backend) await page.check(`#backend-${settings.backend}`);
}

/** The values of the form fields `ids`, as `{id: value}`. */
export function formValues(page, ids) {
  return page.evaluate((ids) => Object.fromEntries(ids.map((id) => [id, document.getElementById(id).value])), ids);
}

export async function state(page) {
  return page.evaluate(() => document.body.dataset.state);
}

export async function waitState(page, states, timeout) {
  const wanted = Array.isArray(states) ? states : [states];
  await page.waitForFunction((w) => w.includes(document.body.dataset.state), wanted, { timeout });
  return state(page);
}

export async function progress(page) {
  return page.evaluate(() => window.playground.progress);
}

export async function screenshot(page, name) {
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * One browser (with or without WebGPU) for a whole test file, started and closed by before/after
 * hooks; each test opens its own pages. Read `.env` inside the tests.
 */
export function browserForFile({ webgpu }) {
  const shared = { env: null };
  before(async () => {
    shared.env = await setup({ webgpu });
  });
  after(async () => {
    await shared.env?.close();
  });
  return shared;
}

/**
 * One browser (with or without WebGPU) and one ready page shared by a whole test file, opened
 * and closed by before/after hooks. Read `.env` and `.session` inside the tests.
 */
export function pageForFile({ webgpu }) {
  const shared = { env: null, session: null };
  before(async () => {
    shared.env = await setup({ webgpu });
    shared.session = await openPage(shared.env);
    await waitReady(shared.session.page);
  });
  after(async () => {
    await shared.session?.context.close().catch(() => {});
    await shared.env?.close();
  });
  return shared;
}

/**
 * Fails on any console error or page error the session collected, except WebGPU's own warnings
 * (which the WebGPU tests check on their own).
 * @param {string[]} problems
 */
export function assertNoProblems(problems) {
  assert.deepEqual(
    problems.filter((m) => !/WebGPU/.test(m)),
    [],
  );
}

/**
 * Opens the page at `query` in a fresh context of `env` (`open`: openPage's options), waits until
 * it is ready unless `ready` is false (a page that starts training by itself), runs `fn` with the
 * session, checks that the page reported no problem (WebGPU's absence aside) unless `problems` is
 * false, and closes the context whatever happened.
 * @param {any} env
 * @param {string} query
 * @param {(s: any) => Promise<void>} fn
 * @param {{problems?: boolean, ready?: boolean} & Record<string, any>} [options]
 */
export async function withPage(env, query, fn, { problems = true, ready = true, ...open } = {}) {
  const s = await openPage(env, query, open);
  try {
    if (ready) await waitReady(s.page);
    await fn(s);
    if (problems) assertNoProblems(s.problems);
  } finally {
    await s.context.close();
  }
}

// The Data card (tests/e2e/datasets-*.test.mjs): the real datasets under SHARED_DATA.
export const CIFAR_DIR = join(SHARED_DATA, 'cifar-10');
export const MNIST_DIR = join(SHARED_DATA, 'mnist');

/** Problems other than the 404 of a dataset folder that has no manifest (the page then asks for files). */
export const realProblems = (problems) => problems.filter((m) => !/manifest\.json|status of 404|WebGPU/.test(m));
export const summary = (page) => page.textContent('#data-summary');
export const waitSummary = (page, re, timeout = 60_000) =>
  page.waitForFunction((src) => new RegExp(src).test(document.getElementById('data-summary').textContent), re.source, {
    timeout,
  });
export const cells = (page, split) =>
  page.$$eval(`#ds-classes tr[data-split="${split}"] td`, (tds) => tds.map((td) => td.textContent));
export const configDataset = (page) => page.evaluate(() => window.playground.readConfig().config.dataset);
export const secs = (t0) => ((Date.now() - t0) / 1000).toFixed(1);

/** Starts a run and waits for its first `steps` steps (the previous run's progress is cleared at the start): its progress. */
export async function firstSteps(page, steps) {
  await page.click('#t-play');
  await page.waitForFunction(
    (n) => document.body.dataset.state === 'running' && (window.playground.progress?.step ?? 0) >= n,
    steps,
    { timeout: 60_000 },
  );
  return progress(page);
}

/** Starts a long CPU run and waits for its 5th step (the last run's progress stays on show until the new one has started). */
export async function startLongCpuRun(page) {
  await setForm(page, { acts: ['relu', 'tanh', 'tanh'], epochs: '10', stats: '0', backend: 'cpu' });
  await firstSteps(page, 5);
}

/** Waits until the sweep section is ready (idle, done or cancelled). */
export async function waitSweepReady(page) {
  await page.waitForFunction(
    () => ['idle', 'done', 'cancelled'].includes(document.getElementById('sweep')?.dataset.state),
    null,
    { timeout: 120_000 },
  );
}
