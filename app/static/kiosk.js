// The library kiosk. One file for the kiosk's behaviour.
// - Moves between pages with location.replace(), so the browser's history never holds a previous
//   visitor's screens: "Back" cannot reach them.
// - After the kiosk's idle time asks "Still there?" with a visible countdown; then replaces the page
//   with the welcome screen in the kiosk's own language (nothing typed survives: the page is new).
//   The welcome screen as it starts (its own language, normal text) has nothing to reset: no prompt.
// - The postcode keypad types into its read-only field; "Find" replaces the page with the results.
// - Offline: registers kiosk-sw.js and asks it to refresh its copies on the welcome screen, when the
//   network comes back (then shows a fresh welcome screen) and at night (then reloads, if nobody is there).
// - Counts "Print this" for the library's usage counts (a beacon: the kiosk, the day and "slip_printed").
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
  var lastTouch = Date.now();
  // The welcome screen as a reset leaves it: nothing on it belongs to anyone.
  var fresh = window.location.pathname + window.location.search === home;

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
    lastTouch = Date.now();
    if (leaving || !dialog.hidden || fresh) { return; }  // while asking, only the button answers
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

  // Usage counts: an event the server cannot see. Only its name goes, with the page's form token.
  function report(name) {
    var url = body.getAttribute("data-usage");
    if (!url || !navigator.sendBeacon) { return; }
    var data = new FormData();
    data.append("event", name);
    data.append("csrf_token", body.getAttribute("data-token") || "");
    navigator.sendBeacon(url, data);
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      report("slip_printed");
      window.print();
    });
  });

  // Search by postcode: the keys type into the field (read-only, so no device keyboard opens).
  var keypad = document.querySelector("form[data-keypad]");
  if (keypad) {
    var field = keypad.querySelector(".postcode-field");
    keypad.addEventListener("click", function (event) {
      var key = event.target.closest("[data-key], [data-delete]");
      if (!key) { return; }
      var value = field.value;
      if (key.hasAttribute("data-delete")) {
        value = value.slice(0, -1);
      } else if (value.length < 8) {
        var letter = key.getAttribute("data-key");
        if (letter !== " " || (value && value.indexOf(" ") === -1)) { value += letter; }  // one space, not first
      }
      field.value = value;
    });
    keypad.addEventListener("submit", function (event) {
      event.preventDefault();
      var url = new URL(keypad.action);
      new FormData(keypad).forEach(function (value, name) { url.searchParams.set(name, value); });
      go(url.href);  // replaced like every other move: the postcode never stays in the history
    });
  }

  // Offline: the service worker keeps the kiosk's pages (kiosk-sw.js says which, and what never).
  var worker = "serviceWorker" in navigator && body.getAttribute("data-sw");
  function refreshCopies(force) {
    if (!worker || !navigator.serviceWorker.controller) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      var channel = new MessageChannel();
      channel.port1.onmessage = resolve;
      navigator.serviceWorker.controller.postMessage({type: "refresh", force: force}, [channel.port2]);
      setTimeout(resolve, 60000);  // a refresh that hangs must not stop the kiosk
    });
  }
  function reloadWhenIdle() {
    // Only a screen nobody is using: else try again in a minute.
    if (leaving || !dialog.hidden || Date.now() - lastTouch < idleSeconds * 1000) {
      setTimeout(reloadWhenIdle, 60000);
      return;
    }
    refreshCopies(true).then(startAgain);
  }
  if (worker) {
    navigator.serviceWorker.register(worker, {scope: body.getAttribute("data-scope")}).catch(function () {});
    if (fresh) { refreshCopies(false); }
  }
  window.addEventListener("online", function () {
    // Back online: fresh copies, and a fresh welcome screen if that is what is showing; a person using
    // the kiosk keeps their screen (the idle reset brings the fresh welcome screen after them).
    if (fresh) { reloadWhenIdle(); } else { refreshCopies(true); }
  });
  if (fresh) {
    // Nightly, after 3 in the morning (the kiosk's own clock), the welcome screen reloads itself.
    var now = new Date();
    var night = new Date(now.getFullYear(), now.getMonth(), now.getDate(), 3, 0, 0);
    if (night <= now) { night.setDate(night.getDate() + 1); }
    setTimeout(reloadWhenIdle, night - now);
  }

  // A page brought back from the browser's memory (bfcache) must not show the last person's screen.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { startAgain(); }
  });

  touched();
}());
