// The report form's helpers (docs/reports.md). The form works without any of them: typed coordinates, the
// "find equipment near this position" button (the server lists the nearby assets), or a place in words.
// - "Use my location": fills latitude and longitude from the phone's position.
// - The map (Leaflet, served by the app; a plain grid unless MAP_TILE_URL gives a basemap): a tap marks the place
//   and fills latitude and longitude; the assets near it are asked for (GET /api/v1/reports/nearby-assets), drawn
//   on the map and offered in the "equipment at fault" list; tapping one picks it.
(function () {
  "use strict";
  var lat = document.getElementById("latitude"), lon = document.getElementById("longitude");
  if (!lat || !lon) { return; }
  var colours = { working: "#1b7f3b", faulty: "#c62828", removed: "#6b6b6b" };
  var map = null, mark = null, near = null, asked = 0;

  function num(v) {
    var n = parseFloat(String(v || "").trim().replace(",", "."));
    return isFinite(n) ? n : null;
  }

  // The "equipment at fault" list: the server's (after the no-script step) or one made here, after the position.
  function assetSelect() {
    var sel = document.getElementById("assetId");
    if (sel) { return sel; }
    var el = document.getElementById("report-map");
    var field = document.createElement("div");
    field.className = "field";
    var label = document.createElement("label");
    label.htmlFor = "assetId";
    label.textContent = el.dataset.assetLabel;
    sel = document.createElement("select");
    sel.id = "assetId";
    sel.name = "assetId";
    field.appendChild(label);
    field.appendChild(sel);
    var fieldset = lat.closest("fieldset");
    fieldset.parentNode.insertBefore(field, fieldset.nextSibling);
    return sel;
  }

  function offer(list) {
    var el = document.getElementById("report-map");
    var sel = assetSelect(), keep = sel.value;
    while (sel.firstChild) { sel.removeChild(sel.firstChild); }
    var none = document.createElement("option");
    none.value = "";
    none.textContent = el.dataset.assetNone;
    sel.appendChild(none);
    near.clearLayers();
    list.forEach(function (a) {
      var o = document.createElement("option");
      o.value = a.id;
      o.textContent = a.name + " · " + el.dataset.metres.replace("__M__", String(a.metres));
      if (a.id === keep) { o.selected = true; }
      sel.appendChild(o);
    });
    return sel;
  }

  function drawNear(list, sel) {
    list.forEach(function (a) {
      if (a.latitude == null || a.longitude == null) { return; }
      var m = L.circleMarker([a.latitude, a.longitude], {
        radius: 8, weight: 2, color: "#ffffff", fillColor: colours[a.status] || "#1565c0", fillOpacity: 0.9
      }).addTo(near);
      m.bindTooltip(a.name);
      m.on("click", function (e) {
        L.DomEvent.stopPropagation(e);
        sel.value = a.id;
      });
    });
  }

  function askNear(la, lo) {
    var el = document.getElementById("report-map");
    if (!window.fetch || !el.dataset.nearby) { return; }
    var n = ++asked;
    fetch(el.dataset.nearby + "&latitude=" + la.toFixed(6) + "&longitude=" + lo.toFixed(6), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (list) {
        if (n !== asked) { return; }   // an older answer after a newer tap
        drawNear(list, offer(list));
      })
      .catch(function () {});
  }

  function put(la, lo, move) {
    if (!map) { return; }
    if (mark) { mark.setLatLng([la, lo]); }
    else { mark = L.circleMarker([la, lo], { radius: 10, weight: 3, color: "#0d47a1", fillColor: "#2196f3", fillOpacity: 0.35 }).addTo(map); }
    if (move) { map.setView([la, lo], Math.max(map.getZoom(), 17)); }
    askNear(la, lo);
  }

  function fromFields(move) {
    var la = num(lat.value), lo = num(lon.value);
    if (la !== null && lo !== null) { put(la, lo, move); }
  }

  var el = document.getElementById("report-map");
  if (el && window.L) {
    el.hidden = false;
    var hint = document.querySelector("[data-map-hint]");
    if (hint) { hint.hidden = false; }
    map = L.map(el, { zoomControl: true, attributionControl: !!el.dataset.tiles });
    if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: "" }).addTo(map); }
    else { el.classList.add("no-tiles"); }
    map.setView([num(el.dataset.lat) || 16, num(el.dataset.lon) || 106], parseInt(el.dataset.zoom, 10) || 5);
    near = L.layerGroup().addTo(map);
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      put(e.latlng.lat, e.latlng.lng, false);
    });
    lat.addEventListener("change", function () { fromFields(true); });
    lon.addEventListener("change", function () { fromFields(true); });
    fromFields(false);
  }

  var b = document.querySelector("[data-locate]");
  if (b && navigator.geolocation) {
    b.hidden = false;
    b.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        lat.value = p.coords.latitude.toFixed(6);
        lon.value = p.coords.longitude.toFixed(6);
        fromFields(true);
      });
    });
  }
})();
