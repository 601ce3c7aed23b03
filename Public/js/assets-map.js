// The assets' map (docs/assets.md): draws the unit's GeoJSON (assets and open faults) with Leaflet over a plain grid,
// or over MAP_TILE_URL's basemap when one is configured. The page's list has the same rows and works without this.
(function () {
  "use strict";
  var el = document.getElementById("asset-map");
  if (!el || !window.L || !window.fetch) { return; }
  var colours = { working: "#1b7f3b", faulty: "#c62828", removed: "#6b6b6b", fault: "#e65100" };
  var map = L.map(el, { preferCanvas: true, zoomControl: true, attributionControl: !!el.dataset.tiles });
  var tiles = el.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "" }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  map.setView([21.08, 105.67], 14);
  fetch(el.dataset.geojson, { credentials: "same-origin", headers: { "Accept": "application/geo+json" } })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var p = feature.properties || {};
          var fault = p.layer === "fault";
          return L.circleMarker(latlng, {
            radius: fault ? 9 : 6, weight: fault ? 3 : 1, color: fault ? colours.fault : "#ffffff",
            fillColor: fault ? colours.fault : (colours[p.status] || "#1565c0"), fillOpacity: fault ? 0.25 : 0.9
          });
        },
        onEachFeature: function (feature, lyr) {
          var p = feature.properties || {};
          var a = document.createElement("a");
          a.href = "/assets/" + (p.layer === "fault" ? p.asset : p.id);
          a.textContent = p.name || "";
          lyr.bindPopup(a);
        }
      }).addTo(map);
      var b = layer.getBounds();
      if (b.isValid()) { map.fitBounds(b, { padding: [16, 16], maxZoom: 17 }); }
    })
    .catch(function () { el.classList.add("failed"); });
})();
