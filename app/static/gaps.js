/* Where are the gaps? Draws the LSOAs coloured by the share of people aged 60+ far away (colours
   chosen on the server, see app/views/gaps.py), priority LSOAs with a thick dashed outline, and the
   listings as dots. Names come from data files and residents' listings: tooltips are built with
   textContent and handed to Leaflet as DOM nodes, never as HTML strings. The table below the map
   holds every figure, so the page works without this script. */
(function () {
  "use strict";

  var holder = document.getElementById("gaps-map");
  var source = document.getElementById("gaps-data");
  if (!holder || !source) return;

  function line(text) {
    var p = document.createElement("p");
    p.textContent = text;
    p.dir = "auto";
    return p;
  }

  try {
    var data = JSON.parse(source.textContent);
    var map = L.map(holder, {scrollWheelZoom: false}).setView(data.centre, data.zoom);
    if (data.tiles) {
      L.tileLayer(data.tiles.url, {attribution: data.tiles.attribution, maxZoom: 19}).addTo(map);
    }
    var areas = L.featureGroup();
    data.lsoas.forEach(function (lsoa) {
      var shape = L.geoJSON(lsoa.geometry, {
        style: {
          color: lsoa.priority ? "#d95f02" : "#4a4a4a",
          weight: lsoa.priority ? 3 : 1,
          dashArray: lsoa.priority ? "8 6" : null,
          fillColor: lsoa.colour,
          fillOpacity: 0.75
        }
      });
      var box = document.createElement("div");
      box.appendChild(line(lsoa.name + " (" + lsoa.ward + ")"));
      box.appendChild(line(lsoa.far + " of " + lsoa.older + " people aged 60+ far away (" +
                           Math.round(lsoa.share * 100) + "%)" + (lsoa.priority ? ". Priority." : "")));
      shape.bindTooltip(box, {sticky: true});
      areas.addLayer(shape);
    });
    areas.addTo(map);
    var points = L.layerGroup();
    data.listings.forEach(function (listing) {
      var dot = L.circleMarker([listing[0], listing[1]], {
        radius: 4, color: "#ffffff", weight: 1.5, fillColor: "#1a1a1a", fillOpacity: 1
      });
      dot.bindTooltip(line(listing[2]));
      points.addLayer(dot);
    });
    points.addTo(map);
    L.control.layers(null, {"Neighbourhoods": areas, "Listings": points}, {collapsed: false}).addTo(map);
    if (areas.getLayers().length) map.fitBounds(areas.getBounds());
    holder.setAttribute("data-state", "ready");
  } catch (error) {
    document.getElementById("gaps-map-error").hidden = false;
    holder.hidden = true;
    throw error;
  }
})();
