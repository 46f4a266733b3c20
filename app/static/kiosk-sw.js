/* The library kiosk's service worker: keeps the kiosk going when the library's network drops.
   Hand-written, like walk-sw.js: about seventy lines, so no library (Workbox would be more code than the job).
   - The kiosk's pages: network first (fresh when online), the copy kept here when offline. Each page says
     "Information from <date/time>", the time the server made it, so a kept copy shows its own age.
   - On install, and when kiosk.js asks ("refresh": on the welcome screen, back online, nightly), it fetches
     what offline.json lists (the welcome screen, today's and this week's lists and their listings, the
     kiosk's own files), so those open offline even if nobody has looked at them yet.
   - No personal data is kept: a response marked "Cache-Control: no-store" is never kept, and nothing
     from the postcode search (its pages, or a listing reached from it, hold what someone typed). */
"use strict";
var SCOPE = self.registration.scope;               // http://host/kiosk/<slug>/
var SCOPE_PATH = new URL(SCOPE).pathname;
var CACHE = "assetmap-kiosk-v1 " + SCOPE_PATH;     // the same name as in kiosk.js; one per kiosk
var CACHE_HEADER = {"X-Kiosk-Cache": "refresh"};   // tells the server this is no person's use: not counted
var MAX_ENTRIES = 200;                             // pages kept as visited: the oldest go first
var REFRESH_EVERY = 10 * 60 * 1000;                // an unforced refresh at most this often
var lastRefresh = 0;

function keepable(url, response) {
  if (!response || !response.ok || response.redirected) return false;
  if (/no-store/.test(response.headers.get("Cache-Control") || "")) return false;
  // Belt and braces: whatever the headers say, nothing of a postcode search is kept.
  return decodeURIComponent(url).indexOf(SCOPE_PATH + "postcode") === -1;
}

function keep(cache, url, response) {
  return cache.put(url, response).then(function () { return cache.keys(); }).then(function (keys) {
    return Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES)).map(function (k) {
      return cache.delete(k);
    }));
  });
}

function refresh(force) {
  if (!force && Date.now() - lastRefresh < REFRESH_EVERY) return Promise.resolve();
  lastRefresh = Date.now();
  return fetch(SCOPE + "offline.json", {cache: "no-store", headers: CACHE_HEADER}).then(function (response) {
    return response.json();
  }).then(function (wanted) {
    return caches.open(CACHE).then(function (cache) {
      return Promise.all(wanted.pages.concat(wanted.files).map(function (path) {
        var url = new URL(path, SCOPE).href;
        return fetch(url, {cache: "no-store", headers: CACHE_HEADER}).then(function (response) {
          if (keepable(url, response)) return keep(cache, url, response);
        }).catch(function () {});
      }));
    });
  }).catch(function () { lastRefresh = 0; });  // offline: try again next time
}

self.addEventListener("install", function (event) {
  self.skipWaiting();
  event.waitUntil(refresh(true));
});
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "refresh") return;
  var port = event.ports && event.ports[0];
  event.waitUntil(refresh(!!data.force).then(function () { if (port) port.postMessage("done"); }));
});

function kept(request) {
  var loose = {ignoreVary: true, ignoreSearch: true};
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request, {ignoreVary: true}).then(function (hit) {
      // Else the same page reached another way (a listing from another list) ...
      return hit || cache.match(request, loose);
    }).then(function (hit) {
      // ... else, for a screen never kept, the welcome screen: its tiles lead to what is kept.
      return hit || (request.mode === "navigate" ? cache.match(SCOPE, loose) : undefined);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  var page = url.pathname.indexOf(SCOPE_PATH) === 0 && !/\/(sw\.js|offline\.json)$/.test(url.pathname);
  if (!page && url.pathname.indexOf("/static/") !== 0) return;
  event.respondWith(fetch(request).then(function (response) {
    if (keepable(request.url, response)) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return keep(cache, request.url, copy); });
    }
    return response;
  }).catch(function () {
    return kept(request).then(function (hit) {
      return hit || new Response("This screen is not available while the network is down. Please try again later.",
                                 {status: 503, headers: {"Content-Type": "text/plain; charset=utf-8"}});
    });
  }));
});
