/* The walk pages' service worker: keeps a walk usable when the signal drops.
   Hand-written: network-first for walk pages and their data, cached copies of the site's own files;
   about forty lines, so no library (Workbox would be more code than the job). */
"use strict";
var CACHE = "assetmap-walks-v1";  // the same name as in walk.js

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function fromCache(request) {
  return caches.match(request, {ignoreSearch: request.mode === "navigate", ignoreVary: true});
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  // Sending outcomes, map tiles and other sites' files go straight to the network.
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname.indexOf("/vendor/") === 0) {
    // The cached copy at once; a fresh one for next time.
    event.respondWith(fromCache(request).then(function (cached) {
      var fresh = fetch(request).then(function (response) {
        if (response.ok) caches.open(CACHE).then(function (cache) { cache.put(request, response.clone()); });
        return response;
      });
      if (cached) fresh.catch(function () {});  // offline: the kept copy is enough
      return cached || fresh;
    }));
  } else if (url.pathname.indexOf("/workspace/walks/") === 0) {
    // The latest walk when there is signal; the copy kept on the phone when there is none.
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return fromCache(request).then(function (cached) {
        return cached || new Response("You are offline and this page was not kept on this phone.",
                                      {status: 503, headers: {"Content-Type": "text/plain; charset=utf-8"}});
      });
    }));
  }
});
