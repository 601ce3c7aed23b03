// The report form's "use my location" button: fills latitude and longitude from the phone's position. The form works
// without it (typed coordinates, or a place in words).
(function () {
  var b = document.querySelector('[data-locate]');
  if (!b || !navigator.geolocation) return;
  b.hidden = false;
  b.addEventListener('click', function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById('latitude').value = p.coords.latitude.toFixed(6);
      document.getElementById('longitude').value = p.coords.longitude.toFixed(6);
    });
  });
})();
