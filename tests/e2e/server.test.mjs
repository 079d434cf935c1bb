// The bundled server: a long share link (64 KB and more) reaches the page instead of an empty
// HTTP 431, so the page's own link parser is what explains a bad link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../scripts/serve.mjs';

let server;
before(async () => {
  server = await startServer({ port: 0, fallback: false });
});
after(async () => {
  await server?.close();
});

test('a 70 KB query string is served the page, not HTTP 431', async () => {
  const query = `?acts=relu,sigmoid,relu&junk=${'x'.repeat(70 * 1024)}`;
  const res = await fetch(`${server.url}${query}`);
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<html/i);
});

test('paths outside the served folder are still refused', async () => {
  const res = await fetch(`${server.url}..%2f..%2fetc/passwd`);
  assert.notEqual(res.status, 200);
});
