// The offline layer of a member's visit pages (docs/outreach.md). Everything on those pages works without it; it adds:
// - on /visits with a signal: the member's households (only what the form needs) saved in IndexedDB with the time,
//   the offline page and its script and style put in the service worker's cache;
// - on /visits/offline: the saved list and a visit form, working with no network; a visit recorded there waits in a
//   queue on the phone with an id made here (clientId), and is sent to the batch sync when the phone is online;
// - on every visit page: the queue sent on load and on `online`; recorded and duplicate visits leave it, refused ones
//   stay with the server's reasons until the member discards them; signing out warns while the queue is not empty,
//   then clears the saved list and the queue.
(function () {
  'use strict';
  var box = document.getElementById('offline');
  if (!box || !('indexedDB' in window)) return;
  var d = box.dataset;
  var person = d.person || '';
  var DB = 'thonso-visits', CACHE = 'thonso-visits-shell';
  var DAY = 86400000;

  function t(key, a, b) { return (d['t' + key] || '').replace('{0}', a === undefined ? '' : a).replace('{1}', b === undefined ? '' : b); }
  function el(id) { return document.getElementById(id); }
  function say(id, text) { var e = el(id); if (e) e.textContent = text; }

  // IndexedDB, promised: `meta` (the saved list's owner and time), `households`, `queue`.
  var dbp = null;
  function open() {
    if (dbp) return dbp;
    dbp = new Promise(function (ok, fail) {
      var r = indexedDB.open(DB, 1);
      r.onupgradeneeded = function () {
        var db = r.result;
        db.createObjectStore('meta', { keyPath: 'key' });
        db.createObjectStore('households', { keyPath: 'householdId' });
        db.createObjectStore('queue', { keyPath: 'clientId' });
      };
      r.onsuccess = function () { ok(r.result); };
      r.onerror = function () { fail(r.error); };
    });
    return dbp;
  }
  function tx(stores, mode, work) {
    return open().then(function (db) {
      return new Promise(function (ok, fail) {
        var x = db.transaction(stores, mode), out;
        x.oncomplete = function () { ok(out); };
        x.onerror = x.onabort = function () { fail(x.error); };
        out = work(x);
      });
    });
  }
  function all(store) {
    return tx([store], 'readonly', function (x) {
      var res = { items: [] };
      x.objectStore(store).openCursor().onsuccess = function (e) {
        var c = e.target.result;
        if (c) { res.items.push(c.value); c.continue(); }
      };
      return res;
    }).then(function (r) { return r.items; });
  }
  function get(store, key) {
    return tx([store], 'readonly', function (x) {
      var res = {};
      x.objectStore(store).get(key).onsuccess = function (e) { res.value = e.target.result; };
      return res;
    }).then(function (r) { return r.value; });
  }

  // A UUID made on the phone (crypto.randomUUID needs a secure context; getRandomValues does not).
  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  function today() {
    // The calendar day in Hà Nội (UTC+7, no summer time), as the server counts "future".
    return new Date(Date.now() + 7 * 3600000).toISOString().slice(0, 10);
  }
  function when(ms) {
    var x = new Date(ms), p = function (n) { return (n < 10 ? '0' : '') + n; };
    return p(x.getHours()) + ':' + p(x.getMinutes()) + ' ' + p(x.getDate()) + '/' + p(x.getMonth() + 1) + '/' + x.getFullYear();
  }
  function fold(s) { return (s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase(); }

  // The saved list: the meta row, dropped (with the households) once older than OFFLINE_CACHE_DAYS or another member's.
  function meta() {
    return get('meta', 'cache').then(function (m) {
      if (!m) return null;
      if (m.expiresAt < Date.now() || m.owner !== person) {
        return clearCache().then(function () { return m.expiresAt < Date.now() ? { expired: true } : null; });
      }
      return m;
    });
  }
  function clearCache() {
    return tx(['meta', 'households'], 'readwrite', function (x) {
      x.objectStore('meta').clear(); x.objectStore('households').clear();
    });
  }

  // Fetches every page of the member's households and replaces the saved list.
  function refresh() {
    var per = 500, got = [];
    say('offline-status', t('Saving'));
    function page(n) {
      return fetch(d.targetsUrl + '?per=' + per + '&page=' + n, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
        .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
        .then(function (p) {
          got = got.concat(p.items);
          if (got.length < p.total && p.items.length > 0 && n < 40) return page(n + 1);
        });
    }
    return page(1).then(function () {
      var now = Date.now();
      return tx(['meta', 'households'], 'readwrite', function (x) {
        var hs = x.objectStore('households');
        hs.clear();
        got.forEach(function (h) { hs.put(h); });
        x.objectStore('meta').put({ key: 'cache', owner: person, ownerName: d.personName, fetchedAt: now,
                                   expiresAt: now + Number(d.cacheDays || 7) * DAY, count: got.length });
      });
    });
  }

  // The offline page, its script and style, for the service worker to answer with no network.
  function cacheShell() {
    if (!('caches' in window)) return Promise.resolve();
    return caches.open(CACHE).then(function (c) {
      return Promise.all([d.offlineUrl, d.scriptUrl, d.cssUrl].map(function (u) {
        return fetch(u, { credentials: 'same-origin', cache: 'no-cache' }).then(function (r) {
          if (r.ok && !r.redirected) return c.put(u, r);
        });
      }));
    });
  }

  // The queue: this member's pending visits sent in batches; answers per visit.
  var sending = false;
  function sync() {
    if (sending || !navigator.onLine) return Promise.resolve();
    sending = true;
    var sent = 0;
    function batch() {
      return all('queue').then(function (q) {
        var mine = q.filter(function (v) { return v.owner === person && v.status === 'pending'; }).slice(0, Number(d.batch || 200));
        if (!mine.length) return;
        return fetch(d.syncUrl, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: JSON.stringify({ visits: mine.map(function (v) { return v.visit; }) })
        }).then(function (r) {
          if (r.status === 401 || r.status === 403) { say('offline-queue', t('Signin')); throw null; }
          if (!r.ok) throw new Error('HTTP ' + r.status);
          return r.json();
        }).then(function (answer) {
          var byId = {};
          answer.results.forEach(function (res) { if (res.clientId) byId[res.clientId] = res; });
          return tx(['queue'], 'readwrite', function (x) {
            var s = x.objectStore('queue');
            mine.forEach(function (v) {
              var res = byId[v.clientId];
              if (!res) return;
              if (res.status === 'recorded' || res.status === 'duplicate') { s.delete(v.clientId); sent++; }
              else { v.status = 'refused'; v.errors = res.errors || []; s.put(v); }
            });
          }).then(batch);
        });
      });
    }
    return batch().then(function () {
      if (sent) say('offline-queue', t('Sent', sent));
    }, function (e) { if (e) say('offline-queue', t('Nonet')); })
      .then(function () { sending = false; return showQueue(sent); });
  }

  function showQueue(sent) {
    return all('queue').then(function (q) {
      q.sort(function (a, b) { return a.queuedAt - b.queuedAt; });
      var pending = q.filter(function (v) { return v.status === 'pending' && v.owner === person; }).length;
      var refused = q.filter(function (v) { return v.status === 'refused' && v.owner === person; }).length;
      var parts = [];
      if (pending) parts.push(t('Queued', pending));
      if (refused) parts.push(t('Refused', refused));
      if (parts.length) say('offline-queue', parts.join(' · '));
      else if (!sent) say('offline-queue', t('Empty'));
      var list = el('queue');
      if (!list) return q;
      list.textContent = '';
      q.forEach(function (v) {
        var li = document.createElement('li');
        li.dataset.clientId = v.clientId;
        li.className = v.owner !== person ? 'other' : v.status;
        var head = document.createElement('div');
        head.innerHTML = '<span class="code"></span> <strong></strong> · <span class="when"></span> · <span class="tag"></span>';
        head.querySelector('.code').textContent = v.code;
        head.querySelector('strong').textContent = v.representative || '';
        head.querySelector('.when').textContent = v.visit.visitedOn.split('-').reverse().join('/');
        head.querySelector('.tag').textContent = v.owner !== person ? t('Other', v.ownerName) : v.status === 'refused' ? t('RefusedOne') : t('Pending');
        li.appendChild(head);
        (v.errors || []).forEach(function (er) {
          var p = document.createElement('p'); p.className = 'error'; p.textContent = er.message; li.appendChild(p);
        });
        if (v.owner === person) {
          var b = document.createElement('button');
          b.type = 'button'; b.className = 'button secondary'; b.textContent = t('Discard');
          b.addEventListener('click', function () {
            if (!confirm(t('DiscardConfirm'))) return;
            tx(['queue'], 'readwrite', function (x) { x.objectStore('queue').delete(v.clientId); }).then(function () { showQueue(); });
          });
          li.appendChild(b);
        }
        list.appendChild(li);
      });
      return q;
    });
  }

  // Signing out: warn while this member's queue is not empty, then clear the saved list, the queue and the shell.
  function clearAll() {
    var jobs = [tx(['meta', 'households', 'queue'], 'readwrite', function (x) {
      x.objectStore('meta').clear(); x.objectStore('households').clear();
      var s = x.objectStore('queue');
      s.openCursor().onsuccess = function (e) {
        var c = e.target.result;
        if (c) { if (c.value.owner === person) c.delete(); c.continue(); }
      };
    })];
    if ('caches' in window) jobs.push(caches.delete(CACHE));
    return Promise.all(jobs);
  }
  Array.prototype.forEach.call(document.querySelectorAll('form[action="' + d.signoutUrl + '"]'), function (f) {
    f.addEventListener('submit', function (e) {
      e.preventDefault();
      all('queue').then(function (q) {
        var n = q.filter(function (v) { return v.owner === person; }).length;
        if (n && !confirm(t('Warn', n))) return;
        return clearAll().then(function () { f.submit(); });
      }).catch(function () { f.submit(); });
    });
  });

  if ('serviceWorker' in navigator && d.swUrl) navigator.serviceWorker.register(d.swUrl).catch(function () {});
  window.addEventListener('online', function () { sync(); });

  // The list page: save the households and the shell when the saved list is missing or older than an hour.
  if (d.targetsUrl && d.page !== 'offline') {
    box.hidden = false;
    meta().then(function (m) {
      if (m && m.fetchedAt && Date.now() - m.fetchedAt < 3600000) return m;
      return refresh().then(meta);
    }).then(function (m) {
      if (m && m.fetchedAt) say('offline-status', t('Saved', m.count, when(m.fetchedAt)));
      return cacheShell();
    }).catch(function () { say('offline-status', t('None')); })
      .then(showQueue).then(sync);
    return;
  }
  if (d.page !== 'offline') { showQueue().then(sync); return; }

  // The offline page: the saved list, the form, the queue.
  var households = [], current = null;
  var form = el('visit-form'), listBox = el('list-box'), queueBox = el('queue-box');

  function render(filter) {
    var ul = el('households'), f = fold(filter);
    ul.textContent = '';
    households.filter(function (h) {
      return !f || fold(h.code + ' ' + (h.representative || '') + ' ' + h.address + ' ' + (h.groupName || '')).indexOf(f) >= 0;
    }).slice(0, 300).forEach(function (h) {
      var li = document.createElement('li');
      if (!h.lastVisitOn) li.className = 'never';
      li.innerHTML = '<div><span class="code"></span> <strong></strong></div><div class="muted"></div><div class="last"></div>' +
        '<button type="button" class="big"></button>';
      li.querySelector('.code').textContent = h.code;
      li.querySelector('strong').textContent = h.representative || '—';
      li.querySelector('.muted').textContent = h.address + ' · ' + [h.villageName, h.groupName].filter(Boolean).join(' › ');
      li.querySelector('.last').textContent = h.lastVisitOn ? t('Last') + ': ' + h.lastVisitOn.split('-').reverse().join('/') : t('Never');
      var b = li.querySelector('button');
      b.textContent = t('Record');
      b.dataset.householdId = h.householdId;
      b.addEventListener('click', function () { openForm(h); });
      ul.appendChild(li);
    });
  }

  function setValue(name, v) { var e = form.elements[name]; if (e) e.value = v === undefined || v === null ? '' : v; }
  function yn(b) { return b === true ? 'yes' : b === false ? 'no' : ''; }
  function openForm(h) {
    current = h;
    form.reset();
    el('f-code').textContent = h.code;
    el('f-rep').textContent = h.representative || '—';
    el('f-address').textContent = h.address;
    setValue('visitedOn', today());
    setValue('visitors', d.personName);
    var p = h.profile || {};
    setValue('internet', p.internet); setValue('smartphoneUsers', p.smartphoneUsers);
    setValue('adultsVneid', p.adultsVneid); setValue('adultsCashless', p.adultsCashless); setValue('channel', p.channel);
    ['onlineServices', 'eHealth', 'inVillageChannel', 'sellsOnline', 'ownCamera'].forEach(function (k) { setValue(k, yn(p[k])); });
    Array.prototype.forEach.call(form.querySelectorAll('.error'), function (e) { e.hidden = true; });
    form.hidden = false; listBox.hidden = true; queueBox.hidden = true;
    window.scrollTo(0, 0);
  }
  function closeForm() { form.hidden = true; listBox.hidden = false; queueBox.hidden = false; current = null; }
  el('form-cancel').addEventListener('click', closeForm);
  el('find').addEventListener('input', function (e) { render(e.target.value); });
  el('send-now').addEventListener('click', function () { sync(); });

  function fieldError(name, text) {
    var p = form.elements[name].parentNode.querySelector('.error');
    p.textContent = text; p.hidden = false;
  }
  form.addEventListener('submit', function (e) {
    e.preventDefault();
    if (!current) return;
    var v = form.elements, bad = false;
    Array.prototype.forEach.call(form.querySelectorAll('.error'), function (x) { x.hidden = true; });
    if (!v.visitedOn.value) { fieldError('visitedOn', t('Required')); bad = true; }
    else if (v.visitedOn.value > today()) { fieldError('visitedOn', t('Future')); bad = true; }
    if (!v.visitors.value.trim()) { fieldError('visitors', t('Required')); bad = true; }
    if (bad) return;
    function num(name) { var s = v[name].value.trim(); return s === '' ? null : (/^\d+$/.test(s) ? Number(s) : -1); }
    function bool(name) { return v[name].value === 'yes' ? true : v[name].value === 'no' ? false : null; }
    var profile = { internet: v.internet.value || null, smartphoneUsers: num('smartphoneUsers'), adultsVneid: num('adultsVneid'),
      adultsCashless: num('adultsCashless'), onlineServices: bool('onlineServices'), eHealth: bool('eHealth'),
      inVillageChannel: bool('inVillageChannel'), channel: v.channel.value || null, sellsOnline: bool('sellsOnline'), ownCamera: bool('ownCamera') };
    var clientId = uuid();
    var visit = { clientId: clientId, householdId: current.householdId, visitedOn: v.visitedOn.value, visitors: v.visitors.value.trim(),
      helped: Array.prototype.filter.call(form.querySelectorAll('input[name=helped]'), function (c) { return c.checked; }).map(function (c) { return c.value; }),
      outcome: v.outcome.value, notes: v.notes.value.trim() || null, nextVisitOn: v.nextVisitOn.value || null,
      profile: profile, consent: v.consent.checked };
    var item = { clientId: clientId, owner: person, ownerName: d.personName, householdId: current.householdId, code: current.code,
      representative: current.representative, visit: visit, queuedAt: Date.now(), status: 'pending', errors: [] };
    tx(['queue'], 'readwrite', function (x) { x.objectStore('queue').put(item); }).then(function () {
      closeForm();
      say('offline-status', t('QueuedOne'));
      return showQueue();
    }).then(sync);
  });

  meta().then(function (m) {
    if (m && m.expired) { say('offline-status', t('Expired', d.cacheDays)); return []; }
    if (!m) { say('offline-status', t('None')); return []; }
    say('offline-status', t('Saved', m.count, when(m.fetchedAt)));
    return all('households');
  }).then(function (hs) {
    households = hs.sort(function (a, b) {
      if (!a.lastVisitOn !== !b.lastVisitOn) return a.lastVisitOn ? 1 : -1;
      return (a.lastVisitOn || '').localeCompare(b.lastVisitOn || '') || a.code.localeCompare(b.code);
    });
    render('');
    box.dataset.ready = '1';
    return showQueue();
  }).then(sync);
})();
