/* The interactive map: fetches points and ward boundaries as GeoJSON and draws them.
   Every name shown comes from residents' data, so labels are built with textContent and
   handed to Leaflet as DOM nodes, never as HTML strings. */
(function () {
  "use strict";

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Residents' text is isolated (dir="auto") so a right-to-left override in a name cannot
  // reorder the words around it.
  function userText(tag, text) {
    var node = el(tag, text);
    node.dir = "auto";
    return node;
  }

  function link(href, text) {
    var a = el("a", text);
    a.href = href;
    return a;
  }

  function assetUrl(options, id) {
    return options.assetUrl.replace("__ID__", encodeURIComponent(id));
  }

  function popupFor(options, props) {
    var box = el("div", null, "map-popup");
    box.appendChild(userText("strong", props.name));
    box.appendChild(el("p", options.categoryLabels[props.category]));
    if (props.when) box.appendChild(el("p", props.when));
    var p = el("p");
    p.appendChild(link(assetUrl(options, props.id), options.text.more));
    box.appendChild(p);
    return box;
  }

  // On a phone a popup must fit beside the zoom buttons and inside the screen.
  function popupOptions(map) {
    var width = map.getContainer().clientWidth;
    // The wrapper adds about 60 px of padding and the close button to maxWidth.
    return {maxWidth: Math.max(160, Math.min(300, width - 140)), autoPanPaddingTopLeft: L.point(60, 16),
            autoPanPaddingBottomRight: L.point(16, 16)};
  }

  function markerFor(options, feature, category) {
    var coords = feature.geometry.coordinates; // GeoJSON: lon, lat
    var icon = L.divIcon({
      className: "asset-marker",
      // symbol and shape are fixed strings from app/web/maps.py, never residents' text
      html: "<span class=\"mark " + category.shape + "\" aria-hidden=\"true\"><span>" + category.symbol + "</span></span>",
      iconSize: [44, 44],  // a finger-sized target around a smaller drawn mark
      iconAnchor: [22, 22]
    });
    var marker = L.marker([coords[1], coords[0]], {icon: icon, title: feature.properties.name, alt: feature.properties.name});
    marker.bindPopup(function () { return popupFor(options, feature.properties); }, options.popup);
    marker.bindTooltip(userText("span", feature.properties.name));
    return marker;
  }

  function wardPopup(options, ward, unplaced) {
    var box = el("div", null, "map-popup");
    box.appendChild(el("strong", ward.ward_name));
    if (ward.is_focus) box.appendChild(el("p", options.text.focusWard));
    var list = unplaced[ward.ward_code] || [];
    if (list.length) {
      box.appendChild(el("p", options.text.wardOnly));
      var ul = el("ul");
      list.forEach(function (props) {
        var li = el("li");
        var a = link(assetUrl(options, props.id), props.name);
        a.dir = "auto";
        li.appendChild(a);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    var p = el("p");
    p.appendChild(link(options.wardUrl.replace("__SLUG__", encodeURIComponent(ward.slug)), options.text.wardPage));
    box.appendChild(p);
    return box;
  }

  function getJSON(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok) throw new Error(url + " answered " + response.status);
      return response.json();
    });
  }

  // A cluster the server counted: a round mark with its count; choosing it zooms to its listings.
  function clusterFor(options, feature) {
    var props = feature.properties;
    var coords = feature.geometry.coordinates;
    var label = options.text.cluster.replace("%(num)d", props.count);
    var icon = L.divIcon({
      className: "asset-cluster",
      html: "<span class=\"count\" aria-hidden=\"true\">" + Number(props.count) + "</span>",
      iconSize: [44, 44],
      iconAnchor: [22, 22]
    });
    var marker = L.marker([coords[1], coords[0]], {icon: icon, title: label, alt: label, keyboard: true});
    marker.count = props.count;
    marker.on("click", function () {
      var b = props.bbox; // west, south, east, north
      var map = marker._map;
      if (b[0] === b[2] && b[1] === b[3]) {
        map.setView([b[1], b[0]], Math.min(map.getZoom() + 2, map.getMaxZoom()));
      } else {
        map.fitBounds([[b[1], b[0]], [b[3], b[2]]], {padding: [30, 30]});
      }
    });
    return marker;
  }

  // Ask only for what the view shows: the box a little larger than the screen, rounded so
  // nearby views share the server's cached answer.
  function viewUrl(map, base) {
    var b = map.getBounds().pad(0.25);
    function r(x, lo, hi) { return Math.max(lo, Math.min(hi, Math.round(x * 100) / 100)); }
    var box = [r(b.getWest() - 0.005, -180, 180), r(b.getSouth() - 0.005, -90, 90),
               r(b.getEast() + 0.005, -180, 180), r(b.getNorth() + 0.005, -90, 90)];
    return base + (base.indexOf("?") < 0 ? "?" : "&") + "bbox=" + box.join(",") + "&zoom=" + Math.round(map.getZoom());
  }

  function start(map, options) {
    var container = map.getContainer();
    container.dataset.state = "loading";
    // Clustering needs a top zoom level, which a map without tiles does not otherwise have.
    if (map.getMaxZoom() === Infinity) map.setMaxZoom(options.maxZoom || 19);
    var categories = {};
    options.categoryLabels = {};
    options.categories.forEach(function (c) { categories[c.slug] = c; options.categoryLabels[c.slug] = c.label; });
    options.popup = popupOptions(map);
    var cluster = L.markerClusterGroup ? L.markerClusterGroup({
      chunkedLoading: true, showCoverageOnHover: false,
      // The plugin's own icons are 40 px; ours are 44 px to touch. The count is a number, not text.
      iconCreateFunction: function (group) {
        var count = group.getChildCount();
        var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
        return L.divIcon({html: "<div><span>" + count + "</span></div>", className: "marker-cluster marker-cluster-" + size,
                          iconSize: L.point(44, 44)});
      }
    }) : L.featureGroup();
    var byCategory = {};
    var unplaced = {};

    var requests = [getJSON(options.wardsUrl)];
    if (options.pointsUrl && !options.viewBounds) requests.push(getJSON(options.pointsUrl));

    Promise.all(requests).then(function (data) {
      var wards = data[0];
      var wardLayer = L.geoJSON(wards, {
        filter: function (f) { return !options.onlyWard || f.properties.ward_code === options.onlyWard; },
        style: function (f) {
          var focus = f.properties.is_focus;
          return {color: "#1d3557", weight: focus ? 4 : 1.5, dashArray: focus ? "10 6" : null,
                  fillColor: "#1d3557", fillOpacity: focus ? 0.08 : 0.02};
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(el("span", f.properties.ward_name), {sticky: true});
          layer.bindPopup(function () { return wardPopup(options, f.properties, unplaced); }, options.popup);
        }
      }).addTo(map);
      // Ward shapes are for pointing at; keyboard users get the same wards as a list beside the map
      // rather than a row of unnamed shapes to tab through.
      wardLayer.eachLayer(function (layer) {
        var path = layer.getElement && layer.getElement();
        if (path) { path.setAttribute("tabindex", "-1"); path.setAttribute("focusable", "false"); }
      });

      var points = data[1] ? data[1].features : [];
      var drawn = 0;
      points.forEach(function (f) {
        if (!f.geometry) {
          (unplaced[f.properties.ward_code] = unplaced[f.properties.ward_code] || []).push(f.properties);
          return;
        }
        var category = categories[f.properties.category];
        if (!category) return;
        (byCategory[category.slug] = byCategory[category.slug] || []).push(markerFor(options, f, category));
        drawn += 1;
      });
      Object.keys(byCategory).forEach(function (slug) { cluster.addLayers ? cluster.addLayers(byCategory[slug]) : byCategory[slug].forEach(function (m) { cluster.addLayer(m); }); });
      cluster.addTo(map);

      if (options.origin) {
        // Where the search started: a plain ring, labelled in words.
        L.circleMarker(options.origin.latlon, {radius: 10, weight: 4, color: "#1a1a1a", fillOpacity: 0})
          .bindTooltip(el("span", options.origin.label), {permanent: true, direction: "right"})
          .addTo(map);
      }

      document.querySelectorAll("[data-map-category]").forEach(function (box) {
        box.addEventListener("change", function () {
          var markers = byCategory[box.value] || [];
          if (box.checked) { cluster.addLayers(markers); } else { cluster.removeLayers(markers); }
        });
      });

      if (options.viewBounds) {
        return startViews(map, options, container, wardLayer, cluster, categories, unplaced);
      }
      if (options.fit === "points" && drawn) {
        // Every result and the place the search started from.
        var bounds = cluster.getBounds();
        if (options.origin) bounds.extend(options.origin.latlon);
        map.fitBounds(bounds, {padding: [30, 30], maxZoom: 16, animate: false});
      } else if (options.fit === "wards") {
        map.fitBounds(wardLayer.getBounds(), {padding: [10, 10], animate: false});
      }
      // For tests and curious developers: how many points are on the map right now.
      window.assetMapVisible = function () { return cluster.getLayers().length; };
      container.dataset.points = String(drawn);
      container.dataset.wards = String(wardLayer.getLayers().length);
      container.dataset.state = "ready";
    }).catch(function (error) {
      container.dataset.state = "error";
      var note = document.getElementById("map-error");
      if (note) { note.hidden = false; }
      if (window.console) console.warn(error);
    });
  }

  // Many listings: the server sends each view's points, clustered with counts below street level.
  function startViews(map, options, container, wardLayer, cluster, categories, unplaced) {
    var counted = L.featureGroup().addTo(map);
    var byCategory = {};
    var shown = 0;
    var latest = null;
    cluster.addTo(map);
    function hidden(slug) {
      var box = document.querySelector("[data-map-category][value=\"" + slug + "\"]");
      return box && !box.checked;
    }
    function draw(data) {
      cluster.clearLayers();
      counted.clearLayers();
      byCategory = {};
      shown = 0;
      data.features.forEach(function (f) {
        if (!f.geometry) {
          var list = (unplaced[f.properties.ward_code] = unplaced[f.properties.ward_code] || []);
          if (!list.some(function (p) { return p.id === f.properties.id; })) list.push(f.properties);
          return;
        }
        if (f.properties.cluster) {
          counted.addLayer(clusterFor(options, f));
          shown += f.properties.count;
          return;
        }
        var category = categories[f.properties.category];
        if (!category) return;
        (byCategory[category.slug] = byCategory[category.slug] || []).push(markerFor(options, f, category));
        shown += 1;
      });
      Object.keys(byCategory).forEach(function (slug) { if (!hidden(slug)) cluster.addLayers(byCategory[slug]); });
      container.dataset.points = String(shown);
      container.dataset.state = "ready";
    }
    function load() {
      var url = viewUrl(map, options.pointsUrl);
      if (url === latest) return;
      latest = url;
      container.dataset.state = "loading";
      getJSON(url).then(function (data) { if (url === latest) draw(data); }).catch(function (error) {
        container.dataset.state = "error";
        if (window.console) console.warn(error);
      });
    }
    document.querySelectorAll("[data-map-category]").forEach(function (box) {
      box.addEventListener("change", function () {
        var markers = byCategory[box.value] || [];
        if (box.checked) { cluster.addLayers(markers); } else { cluster.removeLayers(markers); }
      });
    });
    window.assetMapVisible = function () {
      var n = cluster.getLayers().length;
      counted.eachLayer(function (m) { n += m.count; });
      return n;
    };
    container.dataset.wards = String(wardLayer.getLayers().length);
    var v = options.viewBounds; // [[south, west], [north, east]]
    if (options.fit === "points") {
      map.fitBounds(v, {padding: [30, 30], maxZoom: 16, animate: false});
    } else {
      map.fitBounds(wardLayer.getBounds(), {padding: [10, 10], animate: false});
    }
    map.on("moveend", load);
    load();
  }

  window.assetMap = {start: start};
})();
