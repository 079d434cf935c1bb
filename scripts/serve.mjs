#!/usr/bin/env node
// A tiny static file server for the activation playground (node:http, no dependencies).
//
//   node scripts/serve.mjs            # serves the repo root on http://127.0.0.1:$PORT/ (default 8080;
//                                     # if that port is taken, a free one is picked)
//
// Also importable: `const { url, close } = await startServer({ port: 0 })` (used by the tests).
// Only GET/HEAD; paths are resolved inside the root and anything outside it (or any dot-file,
// e.g. .git) is refused; .wasm is served as application/wasm so streaming compilation works.

import { createServer } from 'node:http';
import { createReadStream, promises as fsp } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(text);
}

/** Maps a URL path to a file path inside `root`, or returns null if it must be refused. */
export function resolveInside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  // No dot-files or dot-dirs (.git, .ci, ..) anywhere in the path.
  if (segments.some((s) => s.startsWith('.'))) return null;
  const full = resolve(root, ...segments);
  if (full !== root && !full.startsWith(root + sep)) return null;
  return full;
}

function handler(root, quiet) {
  return async (req, res) => {
    const started = Date.now();
    const done = (status) => {
      if (!quiet) console.log(`${req.method} ${req.url} ${status} ${Date.now() - started}ms`);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      done(405);
      return send(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
    }
    let pathname;
    try {
      pathname = new URL(req.url, 'http://localhost').pathname;
    } catch {
      done(400);
      return send(res, 400, 'bad request\n');
    }
    let file = resolveInside(root, pathname);
    if (file === null) {
      done(403);
      return send(res, 403, 'forbidden\n');
    }
    try {
      let st = await fsp.stat(file);
      if (st.isDirectory()) {
        if (!pathname.endsWith('/')) {
          done(301);
          res.writeHead(301, { Location: `${pathname}/` });
          return res.end();
        }
        file = join(file, 'index.html');
        st = await fsp.stat(file);
      }
      // Refuse symlinks that lead out of the root.
      const real = await fsp.realpath(file);
      const realRoot = await fsp.realpath(root);
      if (real !== realRoot && !real.startsWith(realRoot + sep)) {
        done(403);
        return send(res, 403, 'forbidden\n');
      }
      if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      const type = MIME[extname(file).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': st.size,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      done(200);
      if (req.method === 'HEAD') return res.end();
      createReadStream(file)
        .on('error', () => res.destroy())
        .pipe(res);
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
        done(404);
        return send(res, 404, 'not found\n');
      }
      done(500);
      return send(res, 500, 'internal error\n');
    }
  };
}

/** Request heads (mostly the URL) up to 1 MiB: share links of 64 KB and more still load the page. */
export const MAX_REQUEST_HEAD = 1 << 20;

/**
 * Starts the server. port 0 = any free port; if `port` is taken and `fallback` is true,
 * a free port is used instead. Resolves to {server, port, url, close()}.
 */
export function startServer({ root = REPO_ROOT, host = '127.0.0.1', port = 0, fallback = true, quiet = true } = {}) {
  root = resolve(root);
  // Node answers request heads over 16 KB with 431 and an empty page; a long share link must
  // reach the page, whose own parser then says what is wrong with it.
  const server = createServer({ maxHeaderSize: MAX_REQUEST_HEAD }, handler(root, quiet));
  const listen = (p) =>
    new Promise((ok, fail) => {
      const onError = (e) => {
        server.off('listening', onListening);
        fail(e);
      };
      const onListening = () => {
        server.off('error', onError);
        ok();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(p, host);
    });
  return (async () => {
    try {
      await listen(port);
    } catch (e) {
      if (!fallback || (e.code !== 'EADDRINUSE' && e.code !== 'EACCES')) throw e;
      console.error(`port ${port} is not available (${e.code}); using a free port instead`);
      await listen(0);
    }
    const actual = server.address().port;
    const url = `http://${host}:${actual}/`;
    return {
      server,
      port: actual,
      url,
      close: () => new Promise((ok) => server.close(() => ok())),
    };
  })();
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const envPort = process.env.PORT;
  const port = envPort === undefined || envPort === '' ? 8080 : Number(envPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be an integer 0..65535, got '${envPort}'`);
    process.exit(2);
  }
  const { url } = await startServer({ port, quiet: !process.env.VERBOSE });
  console.log(`\nActivation playground: serving ${REPO_ROOT}`);
  console.log(`  open ${url}  (WebGPU needs a recent Chrome/Edge; the CPU backend works everywhere)`);
  console.log('  Ctrl+C to stop\n');
  const stop = () => process.exit(0);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
