/* "Add what I found": refuse an over-large photo before it is sent, and fill in the phone's location. */
(function () {
  "use strict";
  var photo = document.getElementById("photo");
  if (photo) {
    var error = document.getElementById("photo-error");
    photo.addEventListener("change", function () {
      var file = photo.files && photo.files[0];
      var limit = Number(photo.dataset.maxBytes);
      // Checked here too so a phone on a weak signal does not send 40 MB only to be refused.
      if (file && limit && file.size > limit) {
        var size = file.size >= 1048576 ? (Math.round(file.size / 104857.6) / 10) + " MB" : Math.round(file.size / 1024) + " KB";
        error.textContent = photo.dataset.tooLarge.replace("{size}", size);
        error.hidden = false;
        photo.setAttribute("aria-invalid", "true");
        photo.value = "";
      } else {
        error.hidden = true;
        photo.removeAttribute("aria-invalid");
      }
    });
  }
  var field = document.getElementById("location-field");
  if (field && "geolocation" in navigator) {
    field.hidden = false;
    var button = document.getElementById("use-location");
    var status = document.getElementById("location-status");
    var postcode = document.getElementById("c-postcode");
    button.addEventListener("click", function () {
      status.textContent = button.dataset.finding;
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(5);
        document.getElementById("lon").value = position.coords.longitude.toFixed(5);
        status.textContent = button.dataset.found;
      }, function () {
        document.getElementById("lat").value = "";
        document.getElementById("lon").value = "";
        status.textContent = button.dataset.failed;
        postcode.focus();
      }, {timeout: 15000});
    });
  }
})();
