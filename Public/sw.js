// Service worker: shows a pushed notice and tells Thôn Số it arrived (the "delivered" receipt); and, for a member's
// visit pages only, answers the offline page from its cache when there is no network (docs/outreach.md).
self.addEventListener('push', function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: 'Thôn Số', body: event.data ? event.data.text() : '' }; }
  var shown = self.registration.showNotification(data.title || 'Thôn Số', {
    body: data.body || '', tag: data.id, data: { url: data.url || '/my/announcements' }
  });
  var receipt = data.receipt ? fetch(data.receipt, { method: 'POST', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{}' }).catch(function () {}) : Promise.resolve();
  event.waitUntil(Promise.all([shown, receipt]));
});
self.addEventListener('notificationclick', function (event) {
  event.notification.close();
  event.waitUntil(clients.openWindow(event.notification.data.url));
});

// The offline visit form. Public/js/visits.js fills the cache (the offline page, its script, the style) when a member
// opens /visits with a signal; here a visit page that cannot be fetched is answered with the cached offline page.
// Every other request goes to the network untouched.
var VISITS_CACHE = 'thonso-visits-shell';
var VISITS_OFFLINE = '/visits/offline';
var VISITS_ASSETS = ['/js/visits.js', '/css/app.css'];
self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener('fetch', function (event) {
  var req = event.request, url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === 'POST' && url.pathname === '/signout') {
    // Signing out from any page: the saved households and the shell go; a queue not yet sent stays (the visit pages
    // warn and clear it; from elsewhere it waits for its member to sign in again, shown on the visit pages).
    event.waitUntil(visitsForget());
    return;
  }
  if (req.method !== 'GET') return;
  if (req.mode === 'navigate' && (url.pathname === '/visits' || url.pathname.indexOf('/visits/') === 0)) {
    event.respondWith(fetch(req).catch(function () {
      return caches.open(VISITS_CACHE).then(function (c) { return c.match(VISITS_OFFLINE); })
        .then(function (r) { return r || Response.error(); });
    }));
    return;
  }
  if (VISITS_ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(req).catch(function () {
      return caches.open(VISITS_CACHE).then(function (c) { return c.match(url.pathname); })
        .then(function (r) { return r || Response.error(); });
    }));
  }
});
function visitsForget() {
  var shell = caches.delete(VISITS_CACHE);
  var store = new Promise(function (ok) {
    var r = indexedDB.open('thonso-visits', 1);
    r.onupgradeneeded = function () { r.transaction.abort(); };
    r.onerror = function () { ok(); };
    r.onsuccess = function () {
      var db = r.result;
      try {
        var x = db.transaction(['meta', 'households'], 'readwrite');
        x.objectStore('meta').clear(); x.objectStore('households').clear();
        x.oncomplete = x.onerror = x.onabort = function () { db.close(); ok(); };
      } catch (e) { db.close(); ok(); }
    };
  });
  return Promise.all([shell, store]);
}
