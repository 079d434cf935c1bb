// The service worker of the dist/ build (scripts/dist.mjs prepends `self.PRECACHE = {version, files}`:
// every file of the site, by relative URL, and a version made from their content hashes).
//
// - install: downloads all of them into the cache "<scope> <version>", then takes over at once;
// - activate: deletes this site's caches of other versions (other sites on the same origin keep theirs);
// - fetch: the page itself network-first (so a new deployment shows on the next visit; offline or
//   after NAVIGATION_TIMEOUT_MS it comes from the cache), everything else cache-first (the names
//   carry content hashes, so a cached file never goes stale), then the network; a file of a lazy
//   folder (the CIFAR-10 subset: not downloaded until the page asks for it) is stored when it is
//   first fetched, so it too works offline from then on.
/* global self, caches, fetch, Request, URL */
const { version, files, lazy = [] } = self.PRECACHE;
const PREFIX = `activation-playground ${self.registration.scope} `;
const CACHE = PREFIX + version;
const NAVIGATION_TIMEOUT_MS = 4000;
const PAGE = new URL('index.html', self.registration.scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // cache: 'reload' skips the HTTP cache, so a half-updated host cannot mix versions in here.
    await cache.addAll(files.map((f) => new Request(new URL(f, self.registration.scope), { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

async function fromCache(request, options) {
  const cache = await caches.open(CACHE);
  return cache.match(request, options);
}

async function page(request) {
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), NAVIGATION_TIMEOUT_MS)),
    ]);
    if (response.ok) return response;
  } catch {
    // offline or too slow: the cached page below
  }
  return (await fromCache(PAGE, { ignoreSearch: true })) ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || !request.url.startsWith(self.registration.scope)) return;
  const url = new URL(request.url);
  const isPage = request.mode === 'navigate' && (url.href.split(/[?#]/)[0] === self.registration.scope || url.href.split(/[?#]/)[0] === PAGE);
  const isLazy = lazy.some((prefix) => url.href.startsWith(new URL(prefix, self.registration.scope).href));
  event.respondWith(isPage ? page(request) : fromCache(request).then((hit) => hit ?? (isLazy ? fetchAndKeep(event) : fetch(request))));
});

/**
 * A lazy folder's file from the network, stored for the next (offline) time. The page reads its
 * copy as it arrives (with progress); the cache stores the other one beside it.
 */
async function fetchAndKeep(event) {
  const response = await fetch(event.request);
  if (response.ok) {
    const copy = response.clone();
    event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request.url, copy)));
  }
  return response;
}
