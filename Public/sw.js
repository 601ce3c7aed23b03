// Service worker: shows a pushed notice and tells Thôn Số it arrived (the "delivered" receipt).
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
