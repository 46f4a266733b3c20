/* The walk page on a phone: one stop at a time, outcomes kept on the phone until they are sent.
   Hand-written: a queue in localStorage and a small service worker need no library. */
(function () {
  "use strict";
  var root = document.getElementById("walk");
  if (!root) return;
  var walkId = root.dataset.walk;
  var outbox = "walk-outbox:" + walkId;
  var CACHE = "assetmap-walks-v1";  // the same name as in walk-sw.js
  var WORDS = {verified: "still running, details right", changed: "something changed",
               closed: "closed or not there", not_found: "couldn't find it"};
  var statusBox = document.getElementById("walk-status");
  var attention = document.getElementById("walk-attention");
  var syncing = false;

  function queued() {
    try { return JSON.parse(localStorage.getItem(outbox)) || []; } catch (e) { return []; }
  }
  function keep(items) { localStorage.setItem(outbox, JSON.stringify(items)); }
  function say(text) { statusBox.textContent = text; }
  function section(seq) { return document.getElementById("stop-" + seq); }
  function listItem(seq) { return document.querySelector('.stop-list li[data-seq="' + seq + '"]'); }
  function stopName(seq) { return section(seq).querySelector("h2").textContent; }

  function mark(seq, state, words) {
    var box = section(seq);
    box.dataset.state = state;
    var line = box.querySelector(".stop-state");
    line.textContent = words;
    line.hidden = false;
    var form = box.querySelector("form");
    if (form) form.hidden = state !== "todo";
    listItem(seq).querySelector(".state").textContent = words;
    progress();
  }

  function progress() {
    var all = document.querySelectorAll("section.stop");
    var done = document.querySelectorAll('section.stop[data-state="done"], section.stop[data-state="queued"]');
    document.getElementById("walk-progress").textContent = done.length + " of " + all.length + " stops done.";
  }

  function show(seq) {
    document.querySelectorAll("section.stop").forEach(function (box) {
      box.hidden = box.dataset.seq !== String(seq);
    });
    document.querySelectorAll(".stop-list a").forEach(function (link) {
      if (link.parentNode.dataset.seq === String(seq)) link.setAttribute("aria-current", "step");
      else link.removeAttribute("aria-current");
    });
    where.textContent = "";
    whereButton.hidden = !("geolocation" in navigator) || !section(seq).dataset.lat;
  }

  function current() {
    return document.querySelector("section.stop:not([hidden])");
  }

  function moveOn(seq) {
    var next = document.querySelector('section.stop[data-state="todo"]');
    if (next) {
      show(next.dataset.seq);
      next.querySelector("h2").setAttribute("tabindex", "-1");
      next.querySelector("h2").focus();
    } else {
      say("Every stop is done. " + statusBox.textContent);
    }
  }

  function newId() {
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  document.querySelectorAll("form.outcome-form").forEach(function (form) {
    // Enter in a text box would press the first button ("details right") by itself: only a tap decides.
    form.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.tagName === "INPUT") event.preventDefault();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = event.submitter || document.activeElement;  // older Safari has no submitter
      if (!button || button.name !== "outcome") return;
      var seq = form.closest("section").dataset.seq;
      var fields = new FormData(form);
      // Who made it travels with it: a phone shared by connectors never sends one's outcome in another's name.
      var item = {id: newId(), seq: Number(seq), outcome: button.value, based_on: fields.get("based_on"),
                  note: fields.get("note") || "", made_at: new Date().toISOString(), by: root.dataset.user};
      if (button.value === "changed") {
        ["schedule", "contact_phone", "contact_email"].forEach(function (k) { item[k] = fields.get(k) || ""; });
      }
      keep(queued().concat([item]));
      mark(seq, "queued", "Kept on this phone: " + WORDS[item.outcome] + " (not sent yet)");
      moveOn(seq);
      send();
    });
  });

  document.querySelectorAll(".stop-list a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      show(link.parentNode.dataset.seq);
      current().querySelector("h2").setAttribute("tabindex", "-1");
      current().querySelector("h2").focus();
    });
  });

  function cell(row, text, tag) {
    var el = document.createElement(tag || "td");
    el.textContent = text || "(blank)";
    row.appendChild(el);
    return el;
  }

  function showProblem(item, answer) {
    var box = document.createElement("div");
    box.className = "error-summary";
    var heading = document.createElement("h2");
    heading.textContent = stopName(item.seq) + ": not saved";
    var message = document.createElement("p");
    message.textContent = answer.message;
    box.appendChild(heading);
    box.appendChild(message);
    var conflict = answer.conflict || {};
    if (conflict.fields && conflict.fields.length) {
      var table = document.createElement("table");
      table.className = "conflict";
      table.createCaption().textContent = "The listing now, beside what you sent";
      var head = table.createTHead().insertRow();
      ["Field", "On the listing now", "What you sent"].forEach(function (t) { cell(head, t, "th").scope = "col"; });
      var body = table.createTBody();
      conflict.fields.forEach(function (f) {
        var row = body.insertRow();
        cell(row, f.field, "th").scope = "row";
        cell(row, f.now);
        cell(row, f.yours);
      });
      box.appendChild(table);
    }
    (conflict.changes || []).forEach(function (c) {
      var p = document.createElement("p");
      p.textContent = "Saved by " + c.by + " at " + c.at + (c.note ? ": " + c.note : "");
      box.appendChild(p);
    });
    attention.appendChild(box);
  }

  function answered(item, answer) {
    var seq = item.seq;
    if (answer.status === "saved" || answer.status === "already") {
      mark(seq, "done", answer.status === "saved" ? "Done: " + WORDS[item.outcome] : answer.message);
    } else if (answer.status === "gone") {
      mark(seq, "gone", answer.message);
      showProblem(item, answer);
    } else {
      // A conflict or a mistake: the stop is to check again, against the listing as it is now.
      if (answer.version) section(seq).querySelector('input[name="based_on"]').value = answer.version;
      mark(seq, "todo", "Not saved: check this stop again");
      showProblem(item, answer);
    }
  }

  function waiting(items) {
    var n = items.length;
    return n + (n === 1 ? " outcome is" : " outcomes are") + " kept on this phone and will be sent when there is signal.";
  }

  function send() {
    var items = queued();
    if (!items.length || syncing) return Promise.resolve();
    if (!navigator.onLine) { say(waiting(items)); return Promise.resolve(); }
    syncing = true;
    say("Sending " + items.length + "…");
    // A fresh form token each time: the one in a page opened hours ago may have expired.
    return fetch(root.dataset.json, {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (!response.ok || response.redirected || !json) throw new Error("signed-out");
      return response.json();
    }).then(function (walk) {
      var body = new URLSearchParams({csrf_token: walk.csrf_token, items: JSON.stringify(items)});
      return fetch(root.dataset.sync, {method: "POST", body: body, credentials: "same-origin"});
    }).then(function (response) {
      if (!response.ok) throw new Error("refused");
      return response.json();
    }).then(function (reply) {
      var sent = {}, problems = 0, others = [];
      reply.results.forEach(function (answer) {
        var item = items.filter(function (i) { return i.id === answer.id; })[0];
        if (!item) return;
        if (answer.status === "someone_else") { others.push(answer.message); return; }  // kept for its maker
        sent[item.id] = true;
        if (answer.status !== "saved" && answer.status !== "already") problems += 1;
        answered(item, answer);
      });
      var left = queued().filter(function (i) { return !sent[i.id]; });
      keep(left);
      say(others.length ? others[0] : left.length ? waiting(left) : problems
        ? "Sent. " + problems + (problems === 1 ? " stop was" : " stops were") + " not saved: see “Not saved” below."
        : "All outcomes sent and saved.");
      remember();
    }).catch(function (error) {
      if (error.message === "signed-out") {
        var n = queued().length;
        say("You have been signed out, so " + n + (n === 1 ? " outcome is" : " outcomes are") + " kept on this phone. " +
            "Sign in again, then open this walk to send " + (n === 1 ? "it." : "them."));
      } else {
        say(waiting(queued()));
      }
    }).then(function () { syncing = false; });
  }

  function remember() {
    // Keep the page, its data and the site's own files for when the signal drops.
    if (!("caches" in window)) return;
    if (!document.querySelector('section.stop[data-state="todo"], section.stop[data-state="queued"]') && !queued().length) {
      // Every stop is sent: residents' contact details need not stay on the phone any longer.
      caches.open(CACHE).then(function (cache) {
        return cache.keys().then(function (keys) {
          keys.forEach(function (key) { if (key.url.indexOf(walkId) >= 0) cache.delete(key); });
        });
      });
      return;
    }
    var files = [location.pathname, root.dataset.json];
    document.querySelectorAll('link[rel="stylesheet"], script[src]').forEach(function (el) {
      files.push(el.getAttribute("href") || el.getAttribute("src"));
    });
    caches.open(CACHE).then(function (cache) { return cache.addAll(files); }).catch(function () {});
  }

  var whereButton = document.getElementById("where-am-i");
  var where = document.getElementById("where");
  whereButton.addEventListener("click", function () {
    var box = current();
    where.textContent = "Asking your phone where you are…";
    navigator.geolocation.getCurrentPosition(function (position) {
      var metres = distance(position.coords.latitude, position.coords.longitude,
                            Number(box.dataset.lat), Number(box.dataset.lon));
      var minutes = Math.max(1, Math.round(metres * Number(root.dataset.routeFactor) / Number(root.dataset.metresPerMinute)));
      where.textContent = "You are about " + minutes + (minutes === 1 ? " minute's" : " minutes'") + " walk from this stop (" +
        (metres >= 1000 ? (metres / 1000).toFixed(1) + " km" : Math.round(metres / 10) * 10 + " metres") + " in a straight line).";
    }, function (error) {
      where.textContent = error.code === 1
        ? "Your phone did not share its location, so this page cannot say how far you are. The walk still works: " +
          "go by the address. To share it, allow location for this site in your phone's settings."
        : "Your phone could not tell where you are just now. Try again in the open, or go by the address.";
    }, {timeout: 15000, maximumAge: 60000});
  });

  function distance(lat1, lon1, lat2, lon2) {
    // Great-circle distance: fine for the few hundred metres between a phone and a stop.
    var r = 6371000, rad = Math.PI / 180;
    var a = Math.pow(Math.sin((lat2 - lat1) * rad / 2), 2) +
            Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin((lon2 - lon1) * rad / 2), 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }

  // What this phone kept but has not sent yet shows as such, even on a page reloaded offline.
  queued().forEach(function (item) {
    if (section(item.seq)) mark(item.seq, "queued", "Kept on this phone: " + WORDS[item.outcome] + " (not sent yet)");
  });
  var open = current();
  if (open && open.dataset.state !== "todo") moveOn();
  else if (open) show(open.dataset.seq);
  window.addEventListener("online", send);
  window.addEventListener("offline", function () { if (queued().length) say(waiting(queued())); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, {scope: root.dataset.scope}).catch(function () {});
  }
  if (navigator.onLine) remember();
  send();
}());
