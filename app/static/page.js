/* Small page helpers: print buttons, and "use my location" where the browser offers it. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // "Print this list" on a long list leads to the whole list on one page, which prints at once.
  if (document.querySelector("[data-print-on-load]")) {
    window.addEventListener("load", function () { window.print(); });
  }
  var field = document.getElementById("location-field");
  if (field && "geolocation" in navigator) {
    field.hidden = false;
    var button = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    button.addEventListener("click", function () {
      status.textContent = button.dataset.finding || "…";
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(5);
        document.getElementById("lon").value = position.coords.longitude.toFixed(5);
        document.getElementById("postcode").value = "";
        button.form.submit();
      }, function () {
        status.textContent = button.dataset.failed || "";
      }, {timeout: 15000});
    });
  }
})();
