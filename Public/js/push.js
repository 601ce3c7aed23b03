// Adds phone notifications to the household's inbox page. Everything else on the page works without it.
(function () {
  var box = document.getElementById('push');
  if (!box || !('serviceWorker' in navigator) || !('PushManager' in window)) return;
  var status = document.getElementById('push-status');
  function b64(s) {
    var pad = '='.repeat((4 - s.length % 4) % 4);
    var raw = atob((s + pad).replace(/-/g, '+').replace(/_/g, '/'));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  fetch(box.dataset.keyUrl, { credentials: 'same-origin' }).then(function (r) { return r.json(); }).then(function (k) {
    if (k.enabled !== '1') return;
    box.hidden = false;
    document.getElementById('push-enable').addEventListener('click', function () {
      navigator.serviceWorker.register('/sw.js').then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: b64(k.publicKey) });
      }).then(function (sub) {
        return fetch(box.dataset.subscribeUrl, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(sub.toJSON())
        });
      }).then(function (r) {
        status.textContent = r.ok ? '✓' : ('HTTP ' + r.status);
      }).catch(function (e) { status.textContent = String(e); });
    });
  });
})();
