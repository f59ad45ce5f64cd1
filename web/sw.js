// Exactly-Once Playground service worker: keeps the page working with no network once it has
// loaded, because venue Wi-Fi fails. Network first (so a new build, or `cargo xtask serve`, is
// always what you get when the server answers), the cache when it does not answer within a few
// seconds. On install it caches the page and every file its index.html names (Trunk's hashed
// .js, .wasm, .css and icon), under whatever public URL the page is served from (the worker's
// own folder is its scope).
"use strict";

var CACHE = "eop-offline-v1";
var NETWORK_TIMEOUT_MS = 4000;
var LAZY_FILES = ["worker-loader.js", "exactly-once-worker.js", "exactly-once-worker_bg.wasm",
  "exactly-once-web-full.js", "exactly-once-web-full_bg.wasm"];

function scopeUrl() {
  return self.registration ? self.registration.scope : new URL("./", self.location.href).href;
}

// The files index.html names: quoted URLs ending in a static asset's extension.
function assetsOf(html, base) {
  var found = [base];
  var re = /["']([^"'\s<>]+\.(?:js|wasm|css|svg|png|ico|json|webmanifest))["']/g;
  var m;
  while ((m = re.exec(html)) !== null) {
    try {
      var url = new URL(m[1], base);
      if (url.origin === self.location.origin && found.indexOf(url.href) < 0) found.push(url.href);
    } catch (e) { /* not a URL */ }
  }
  return found;
}

self.addEventListener("install", function (event) {
  event.waitUntil((async function () {
    var base = scopeUrl();
    var cache = await caches.open(CACHE);
    var response = await fetch(base, { cache: "no-store" });
    if (!response.ok) throw new Error("index.html answered " + response.status);
    var html = await response.clone().text();
    await cache.put(base, response);
    // The checker's worker (loaded when a check starts) and the page's full bundle (loaded when
    // an editing panel opens) are not named in index.html as assets but must work offline too:
    // their files keep fixed names next to index.html.
    var urls = assetsOf(html, base).filter(function (u) { return u !== base; })
      .concat(LAZY_FILES.map(function (f) { return new URL(f, base).href; }));
    await Promise.all(urls.map(function (u) {
      return fetch(u, { cache: "no-store" }).then(function (r) { if (r.ok) return cache.put(u, r); });
    }));
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", function (event) {
  event.waitUntil((async function () {
    var names = await caches.keys();
    await Promise.all(names.filter(function (n) { return n !== CACHE && n.indexOf("eop-offline-") === 0; })
      .map(function (n) { return caches.delete(n); }));
    await self.clients.claim();
  })());
});

function fromCache(request) {
  return caches.open(CACHE).then(function (cache) {
    if (request.mode === "navigate") {
      // Any page of the playground (?preset=…, ?chapter=…, a share link) is the one index.html.
      return cache.match(request, { ignoreSearch: true }).then(function (r) { return r || cache.match(scopeUrl()); });
    }
    return cache.match(request, { ignoreSearch: true });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.href.indexOf(scopeUrl()) !== 0) return;
  event.respondWith(new Promise(function (resolve, reject) {
    var settled = false;
    function fallback(error) {
      if (settled) return;
      fromCache(request).then(function (cached) {
        if (settled) return;
        if (cached) { settled = true; resolve(cached); } else if (error) { settled = true; reject(error); }
      });
    }
    var timer = setTimeout(function () { fallback(null); }, NETWORK_TIMEOUT_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      if (response.ok && response.type === "basic") {
        var copy = response.clone();
        var key = request.mode === "navigate" ? scopeUrl() : request.url.split("?")[0];
        caches.open(CACHE).then(function (cache) { return cache.put(key, copy); }).catch(function () {});
      }
      if (!settled) { settled = true; resolve(response); }
    }, function (error) {
      clearTimeout(timer);
      fallback(error);
    });
  }));
});
