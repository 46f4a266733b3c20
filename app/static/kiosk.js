// The library kiosk. One file for the kiosk's behaviour, so later features (offline, keypad) can join it.
// - Moves between pages with location.replace(), so the browser's history never holds a previous
//   visitor's screens: "Back" cannot reach them.
// - After the kiosk's idle time asks "Still there?" with a visible countdown; then replaces the page
//   with the welcome screen in the kiosk's own language (nothing typed survives: the page is new).
// - Keeps nothing: no cookies, no localStorage or sessionStorage.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.getAttribute("data-idle-seconds"), 10);
  var countdownSeconds = parseInt(body.getAttribute("data-countdown-seconds"), 10);
  var home = body.getAttribute("data-home");
  if (!home || !(idleSeconds > 0) || !(countdownSeconds > 0)) { return; }

  var screen = document.querySelector(".screen");
  var dialog = document.querySelector(".idle-dialog");
  var backdrop = document.querySelector(".idle-backdrop");
  var counter = dialog.querySelector(".idle-count");
  var stay = dialog.querySelector(".idle-stay");
  var idleTimer = null;
  var tickTimer = null;
  var left = 0;
  var leaving = false;

  function go(url) {
    leaving = true;
    window.location.replace(url);
  }

  function startAgain() {
    go(home);
  }

  function closeDialog() {
    if (tickTimer) { clearInterval(tickTimer); tickTimer = null; }
    dialog.hidden = true;
    backdrop.hidden = true;
    screen.inert = false;
  }

  function openDialog() {
    left = countdownSeconds;
    counter.textContent = String(left);
    dialog.hidden = false;
    backdrop.hidden = false;
    screen.inert = true;  // modal: the screen behind cannot be reached until answered
    stay.focus();
    tickTimer = setInterval(function () {
      left -= 1;
      counter.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        clearInterval(tickTimer);
        tickTimer = null;
        startAgain();
      }
    }, 1000);
  }

  function touched() {
    if (leaving || !dialog.hidden) { return; }  // while asking, only the button answers
    if (idleTimer) { clearTimeout(idleTimer); }
    idleTimer = setTimeout(openDialog, idleSeconds * 1000);
  }

  stay.addEventListener("click", function () {
    closeDialog();
    touched();
  });

  ["pointerdown", "keydown", "touchstart", "wheel", "scroll"].forEach(function (name) {
    window.addEventListener(name, touched, {passive: true, capture: true});
  });

  // Every link inside the kiosk replaces the page instead of adding to the history.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || event.defaultPrevented) { return; }
    var url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) { return; }
    event.preventDefault();
    go(url.href);
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // A page brought back from the browser's memory (bfcache) must not show the last person's screen.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { startAgain(); }
  });

  touched();
}());
