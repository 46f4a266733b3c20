/* Planning a walk: "Where I am now" asks the phone for its position and fills the hidden fields.
   Without the position (refused, switched off, no script) the form says so and a postcode still works. */
(function () {
  "use strict";
  document.querySelectorAll("[data-place]").forEach(function (box) {
    var prefix = box.dataset.place;
    var here = box.querySelector("[data-here]");
    var status = box.querySelector("[data-here-status]");
    var lat = box.querySelector('input[name="' + prefix + '_lat"]');
    var lon = box.querySelector('input[name="' + prefix + '_lon"]');
    if (!here) return;
    here.addEventListener("change", function () {
      if (!here.checked) return;
      if (!navigator.geolocation) {
        status.textContent = "This phone cannot share where it is. Choose a postcode or a library instead.";
        return;
      }
      status.textContent = "Finding where you are…";
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(6);
        lon.value = position.coords.longitude.toFixed(6);
        status.textContent = "Found where you are.";
      }, function () {
        lat.value = lon.value = "";
        status.textContent = "The phone did not share where it is. Choose a postcode or a library instead.";
      }, {enableHighAccuracy: true, timeout: 15000});
    });
  });
})();
