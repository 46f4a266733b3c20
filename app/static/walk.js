/* The walk page on a phone: one stop at a time, outcomes and poster photos kept on the phone until they are sent.
   Hand-written: one queue in IndexedDB (photos are too big for localStorage) and a small service worker
   need no library. */
(function () {
  "use strict";
  var root = document.getElementById("walk");
  if (!root) return;
  var walkId = root.dataset.walk;
  var OLD_OUTBOX = "walk-outbox:" + walkId;  // where outcomes were kept before photos joined them
  var DB_NAME = "assetmap-walks", STORE = "outbox";
  var CACHE = "assetmap-walks-v1";  // the same name as in walk-sw.js
  var WORDS = {verified: "still running, details right", changed: "something changed",
               closed: "closed or not there", not_found: "couldn't find it"};
  var statusBox = document.getElementById("walk-status");
  var attention = document.getElementById("walk-attention");
  var photoForm = document.getElementById("capture-form");
  var photoStatus = document.getElementById("capture-status");
  var photoList = document.getElementById("capture-list");
  var photoInput = document.getElementById("photo");
  var photoError = document.getElementById("capture-error");
  var TYPED = ["name", "when_text", "phone", "details", "postcode"];
  var editing = null;  // the refused photo being changed, replaced when kept again
  var syncing = false, signedOut = false;

  // The outbox: everything made on this walk and not yet sent (outcomes, and photos with what was typed),
  // plus each sent photo's note of when it went. Kept in IndexedDB, mirrored here so reading it is quick.
  var outbox = [];
  var store = new Promise(function (resolve, reject) {
    if (!window.indexedDB) { reject(new Error("no-store")); return; }
    var opening = indexedDB.open(DB_NAME, 1);
    opening.onupgradeneeded = function () { opening.result.createObjectStore(STORE, {keyPath: "id"}); };
    opening.onsuccess = function () { resolve(opening.result); };
    opening.onerror = function () { reject(opening.error); };
  });
  function change(work) {
    return store.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, "readwrite");
        work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(); };
        tx.onerror = tx.onabort = function () { reject(tx.error || new Error("not-kept")); };
      });
    }, function () {});  // no storage at all: kept by this page only, as the page said when it opened
  }
  function put(item) {
    // The page goes on at once; the phone's storage catches up (a failure is said by the caller).
    outbox = outbox.filter(function (i) { return i.id !== item.id; }).concat([item]);
    return change(function (s) { s.put(item); });
  }
  function drop(ids) {
    outbox = outbox.filter(function (i) { return ids.indexOf(i.id) < 0; });
    return change(function (s) { ids.forEach(function (id) { s.delete(id); }); });
  }
  function load() {
    return store.then(function (db) {
      return new Promise(function (resolve, reject) {
        var all = db.transaction(STORE).objectStore(STORE).getAll();
        all.onsuccess = function () { resolve(all.result.filter(function (i) { return i.walk === walkId; })); };
        all.onerror = function () { reject(all.error); };
      });
    }).then(function (items) {
      // Anything made while this was loading is kept as well.
      var ids = items.map(function (i) { return i.id; });
      outbox = items.concat(outbox.filter(function (i) { return ids.indexOf(i.id) < 0; }));
      // Outcomes an older page kept in localStorage move into the one queue.
      var old = [];
      try { old = JSON.parse(localStorage.getItem(OLD_OUTBOX)) || []; } catch (e) { old = []; }
      return Promise.all(old.map(function (item) {
        item.kind = "outcome";
        item.walk = walkId;
        return put(item);
      })).then(function () { localStorage.removeItem(OLD_OUTBOX); });
    });
  }
  function queued() {
    return outbox.filter(function (i) { return i.kind === "outcome"; });
  }
  function photosWaiting() {
    return outbox.filter(function (i) { return i.kind === "capture" && i.state === "waiting"; });
  }
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
      var item = {id: newId(), kind: "outcome", walk: walkId, seq: Number(seq), outcome: button.value,
                  based_on: fields.get("based_on"),
                  note: fields.get("note") || "", made_at: new Date().toISOString(), by: root.dataset.user};
      if (button.value === "changed") {
        ["schedule", "contact_phone", "contact_email"].forEach(function (k) { item[k] = fields.get(k) || ""; });
      }
      put(item).catch(function () {
        say("This phone could not store that outcome for later (its storage may be full). Keep this page open " +
            "until it is sent, or note it on the paper sheet.");
      });
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

  function mine(item) { return !item.by || item.by === root.dataset.user; }

  function send() {
    var items = queued(), photos = photosWaiting().filter(mine);
    if ((!items.length && !photos.length) || syncing) return Promise.resolve();
    if (!navigator.onLine) {
      if (items.length) say(waiting(items));
      drawPhotos();
      return Promise.resolve();
    }
    syncing = true;
    if (items.length) say("Sending " + items.length + "…");
    if (photos.length) photoStatus.textContent = "Sending " + photos.length + (photos.length === 1 ? " photo…" : " photos…");
    // A fresh form token each time: the one in a page opened hours ago may have expired.
    return fetch(root.dataset.json, {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
      if (!response.ok || response.redirected || !json) throw new Error("signed-out");
      return response.json();
    }).then(function (walk) {
      return sendOutcomes(walk.csrf_token, items).then(function () { return sendPhotos(walk.csrf_token, photos); });
    }).then(remember).catch(function (error) {
      if (error.message === "signed-out") {
        var n = queued().length;
        if (n) say("You have been signed out, so " + n + (n === 1 ? " outcome is" : " outcomes are") + " kept on this phone. " +
                   "Sign in again, then open this walk to send " + (n === 1 ? "it." : "them."));
        signedOut = photosWaiting().length > 0;
      } else if (queued().length) {
        say(waiting(queued()));
      }
    }).then(function () {
      syncing = false;
      drawPhotos();
      // Something kept while these were going goes now, not at the next change of signal.
      var batch = items.concat(photos).map(function (i) { return i.id; });
      if (queued().concat(photosWaiting().filter(mine)).some(function (i) { return batch.indexOf(i.id) < 0; })) send();
    });
  }

  function sendOutcomes(token, items) {
    if (!items.length) return Promise.resolve();
    var body = new URLSearchParams({csrf_token: token, items: JSON.stringify(items)});
    return fetch(root.dataset.sync, {method: "POST", body: body, credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error("refused");
      return response.json();
    }).then(function (reply) {
      var sent = [], problems = 0, others = [];
      reply.results.forEach(function (answer) {
        var item = items.filter(function (i) { return i.id === answer.id; })[0];
        if (!item) return;
        if (answer.status === "someone_else") { others.push(answer.message); return; }  // kept for its maker
        sent.push(item.id);
        if (answer.status !== "saved" && answer.status !== "already") problems += 1;
        answered(item, answer);
      });
      return drop(sent).catch(function () {}).then(function () {
        var left = queued();
        say(others.length ? others[0] : left.length ? waiting(left) : problems
          ? "Sent. " + problems + (problems === 1 ? " stop was" : " stops were") + " not saved: see “Not saved” below."
          : "All outcomes sent and saved.");
      });
    }).catch(function (error) {
      if (error.message === "signed-out") throw error;
      say(waiting(queued()));  // refused or cut off: they stay on the phone for the next try
    });
  }

  // Photos go one at a time, each through the same reading and checks as a photo sent from the capture page.
  function sendPhotos(token, photos) {
    return photos.reduce(function (chain, item) {
      return chain.then(function () { return sendPhoto(token, item); });
    }, Promise.resolve());
  }

  function sendPhoto(token, item) {
    var body = new FormData();
    body.append("csrf_token", token);
    ["id", "by", "name", "when_text", "phone", "details", "postcode", "lat", "lon"].forEach(function (key) {
      body.append(key, item[key] || "");
    });
    if (item.photo) body.append("photo", item.photo, item.photo_name || "photo.jpg");
    return fetch(root.dataset.captures, {method: "POST", body: body, credentials: "same-origin"}).then(function (response) {
      if (response.redirected) throw new Error("signed-out");
      if ((response.headers.get("Content-Type") || "").indexOf("json") < 0) throw new Error("refused");
      return response.json();
    }).then(function (answer) {
      if (answer.status === "saved") {
        // Sent: the photo leaves the phone; a note of when it went stays for this walk's list.
        item.state = "sent";
        item.sent_at = new Date().toISOString();
        // Only a note of when it went stays: the photo and what it said are on the site now.
        ["photo", "when_text", "phone", "details", "postcode", "lat", "lon"].forEach(function (key) { delete item[key]; });
      } else if (answer.status === "rejected") {
        item.state = "rejected";
        if (answer.field === "photo") item.photo = null;  // that file cannot be used; what was typed is kept
      }
      item.field = answer.field || "";
      item.message = answer.message;
      return put(item);
    }, function (error) {
      if (error.message === "signed-out") throw error;
      item.message = "The last try to send it failed (no signal, or the site did not answer). It stays on this " +
                     "phone and is sent again when there is signal.";
      return put(item);
    });
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit"});  // 15:32, as on the sheet
  }

  function drawPhotos() {
    if (!photoList) return;
    var photos = outbox.filter(function (i) { return i.kind === "capture"; });
    photos.sort(function (a, b) { return a.made_at < b.made_at ? -1 : 1; });
    photoList.textContent = "";
    photos.forEach(function (item) {
      var li = document.createElement("li");
      li.dataset.state = item.state;
      var text = (item.name ? "“" + item.name + "”" : "A photo") + ", taken at " + clock(item.made_at) + ": ";
      if (item.state === "sent") text += "sent at " + clock(item.sent_at) + ". " + item.message;
      else if (item.state === "rejected") text += "not saved. " + item.message + " What you typed is kept here.";
      else if (!mine(item)) text += "taken by " + item.by + ". It is kept here until " + item.by + " signs in and opens this walk.";
      else text += "waiting to be sent." + (item.message ? " " + item.message : "");
      var line = document.createElement("p");
      line.textContent = text;
      li.appendChild(line);
      if (item.state === "rejected") {
        var again = document.createElement("button");
        again.type = "button";
        again.className = "secondary";
        again.textContent = "Change it and send again";
        again.addEventListener("click", function () { edit(item); });
        li.appendChild(again);
      }
      photoList.appendChild(li);
    });
    var n = photosWaiting().length, refused = photos.filter(function (i) { return i.state === "rejected"; }).length;
    photoStatus.textContent = n
      ? (signedOut ? "You have been signed out, so " : "") + n + (n === 1 ? " photo is" : " photos are") +
        " waiting on this phone" + (signedOut ? ". Sign in again, then open this walk to send " + (n === 1 ? "it." : "them.")
                                              : " and will be sent when there is signal.")
      : refused ? refused + (refused === 1 ? " photo was" : " photos were") + " not saved: see below."
      : photos.length ? "All photos sent: they are drafts in the suggestions queue." : "";
  }

  function remember() {
    // Keep the page, its data and the site's own files for when the signal drops.
    if (!("caches" in window)) return;
    if (!document.querySelector('section.stop[data-state="todo"], section.stop[data-state="queued"]') &&
        !queued().length && !photosWaiting().length) {
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

  function photoProblem(message, field) {
    photoError.textContent = message;
    photoError.hidden = false;
    field.focus();
  }

  // "Add what I found": the photo and what was typed are kept on the phone, then sent like the outcomes.
  function edit(item) {
    editing = item.id;
    TYPED.forEach(function (key) { document.getElementById("c-" + key).value = item[key] || ""; });
    document.getElementById("lat").value = item.lat || "";
    document.getElementById("lon").value = item.lon || "";
    photoInput.value = "";
    if (item.photo && window.DataTransfer) {
      try {  // the same photo, ready to keep again with the fields put right
        var files = new DataTransfer();
        files.items.add(new File([item.photo], item.photo_name || "photo.jpg", {type: item.photo.type}));
        photoInput.files = files.files;
      } catch (e) { photoInput.value = ""; }
    }
    var field = {postcode: "c-postcode", name: "c-name", when_text: "c-when_text", phone: "c-phone",
                 details: "c-details"}[item.field] || "photo";
    photoProblem(item.message, document.getElementById(field));
  }

  if (photoForm) {
    photoForm.hidden = false;
    photoForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = photoInput.files && photoInput.files[0];
      if (!file) { photoProblem("Choose a photo first.", photoInput); return; }
      var fields = new FormData(photoForm);
      var item = {id: newId(), kind: "capture", walk: walkId, state: "waiting", made_at: new Date().toISOString(),
                  by: root.dataset.user, photo: file, photo_name: file.name};
      TYPED.concat(["lat", "lon"]).forEach(function (key) { item[key] = String(fields.get(key) || "").trim(); });
      if (!item.postcode && !(item.lat && item.lon)) {
        // The same words the site would send back, said now rather than after the signal returns.
        photoProblem("Please say where you saw it: tap “Use my location”, or type the postcode.",
                     document.getElementById("c-postcode"));
        return;
      }
      if (editing) drop([editing]).catch(function () {});  // the refused one, now put right and kept again
      editing = null;
      put(item).catch(function () {
        photoStatus.textContent = "This phone could not store the photo for later (its storage may be full). " +
                                  "Keep this page open until it is sent.";
      });
      photoForm.reset();
      document.getElementById("lat").value = document.getElementById("lon").value = "";
      document.getElementById("location-status").textContent = "";
      photoError.hidden = true;
      drawPhotos();
      send();
    });
  }

  window.addEventListener("online", send);
  window.addEventListener("offline", function () { if (queued().length) say(waiting(queued())); drawPhotos(); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.sw, {scope: root.dataset.scope}).catch(function () {});
  }
  load().catch(function () {
    say("This phone cannot keep outcomes or photos for later (its storage is off or private), so they need " +
        "signal to be sent. The paper sheet works without it.");
  }).then(function () {
    // What this phone kept but has not sent yet shows as such, even on a page reloaded offline.
    queued().forEach(function (item) {
      if (section(item.seq)) mark(item.seq, "queued", "Kept on this phone: " + WORDS[item.outcome] + " (not sent yet)");
    });
    var open = current();
    if (open && open.dataset.state !== "todo") moveOn();
    else if (open) show(open.dataset.seq);
    drawPhotos();
    if (navigator.onLine) remember();
    send();
  });
}());
