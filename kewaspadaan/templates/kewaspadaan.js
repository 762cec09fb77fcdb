/* kewaspadaan map helpers (our own code, MIT). Every text that comes from data is written with
 * textContent, never innerHTML, so names and notes show as text and never run. */
(function () {
  "use strict";
  var kw = window.kewaspadaan = window.kewaspadaan || {};
  kw.layers = kw.layers || {};
  kw.maps = kw.maps || [];

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  /* A card: the title (a kecamatan name) and a two-column table of label/value pairs; empty
   * values are skipped. Its width is fixed by CSS (.kw-info), so long names wrap by word. */
  kw.infoTable = function (labels, values, title, color) {
    var box = el("div", "kw-info");
    if (title) {
      var head = el("div", "kw-info-title");
      if (color) {
        var sw = el("span", "kw-swatch");
        sw.style.background = color;
        head.appendChild(sw);
      }
      head.appendChild(el("span", null, title));
      box.appendChild(head);
    }
    var table = el("table");
    for (var i = 0; i < labels.length; i++) {
      var v = values[i];
      if (v === null || v === undefined || v === "") { continue; }
      var row = el("tr");
      row.appendChild(el("th", null, labels[i]));
      row.appendChild(el("td", null, v));
      table.appendChild(row);
    }
    box.appendChild(table);
    return box;
  };

  /* Tooltip of a GeoJSON feature whose properties hold the title `t`, colour `c` and the
   * formatted values `v`. */
  kw.bindInfo = function (feature, layer, labels) {
    var p = feature.properties || {};
    var values = p.v || [];
    layer.bindTooltip(function () { return kw.infoTable(labels, values, p.t, p.c); },
                      {sticky: true, className: "kw-tooltip", opacity: 1});
  };

  kw.register = function (key, layer) { kw.layers[key] = layer; };

  kw.registerMap = function (map) {
    kw.map = map;
    kw.maps.push(map);
  };

  /* Zoom buttons with our labels, a metric scale bar and a north arrow. */
  kw.addControls = function (map, labels) {
    L.control.zoom({position: "topleft", zoomInTitle: labels.zoomIn,
                    zoomOutTitle: labels.zoomOut}).addTo(map);
    L.control.scale({imperial: false, maxWidth: 160, position: "bottomleft"}).addTo(map);
    var North = L.Control.extend({
      onAdd: function () {
        var box = el("div", "kw-north leaflet-bar");
        box.title = labels.northTitle;
        box.appendChild(el("div", "kw-north-arrow", "\u25B2"));
        box.appendChild(el("div", "kw-north-letter", labels.north));
        return box;
      }
    });
    new North({position: "topleft"}).addTo(map);
  };

  /* Move a rendered (already escaped) HTML block into a Leaflet control. */
  kw.attachControl = function (map, elementId, position) {
    var node = document.getElementById(elementId);
    if (!node) { return null; }
    var Ctl = L.Control.extend({
      onAdd: function () {
        L.DomEvent.disableClickPropagation(node);
        L.DomEvent.disableScrollPropagation(node);
        node.style.display = "";
        return node;
      }
    });
    return new Ctl({position: position}).addTo(map);
  };

  /* Put a block (the title) on top of the map container. */
  kw.attachOverlay = function (map, elementId) {
    var node = document.getElementById(elementId);
    if (!node) { return; }
    map.getContainer().appendChild(node);
    node.style.display = "";
    L.DomEvent.disableClickPropagation(node);
  };

  function pointMarker(spec, i) {
    var marker = L.circleMarker([spec.lat[i], spec.lon[i]], spec.pointStyle);
    marker.bindPopup(function () {
      var values = [spec.date[i], spec.types[spec.type[i]], spec.loc[i], spec.fat[i], spec.note[i]];
      return kw.infoTable(spec.labels.fields, values);
    }, {maxWidth: 340, className: "kw-popup"});
    return marker;
  }

  function clusterMarker(map, spec, c) {
    var n = c[2] | 0;
    var size = n < 10 ? 26 : (n < 100 ? 32 : 40);
    var icon = L.divIcon({
      className: "kw-cluster",
      html: String(n),
      iconSize: [size, size]
    });
    var marker = L.marker([c[0], c[1]], {icon: icon, keyboard: false});
    marker.bindTooltip(String(n) + " " + spec.labels.incident, {direction: "top"});
    marker.on("click", function () {
      map.setView([c[0], c[1]], Math.min(map.getZoom() + 2, spec.maxClusterZoom + 1));
    });
    return marker;
  }

  /* Incidents: clusters precomputed per zoom level in Python; individual points above
   * maxClusterZoom or when a month is chosen on the time slider. */
  kw.incidentLayer = function (map, spec) {
    var group = L.layerGroup();
    group.kwMonth = -1;
    group.kwSpec = spec;
    function redraw() {
      group.clearLayers();
      var i;
      if (group.kwMonth >= 0) {
        for (i = 0; i < spec.lat.length; i++) {
          if (spec.month[i] === group.kwMonth) { group.addLayer(pointMarker(spec, i)); }
        }
        return;
      }
      var z = map.getZoom();
      if (z > spec.maxClusterZoom) {
        for (i = 0; i < spec.lat.length; i++) { group.addLayer(pointMarker(spec, i)); }
        return;
      }
      var clusters = spec.clusters[String(Math.max(Math.floor(z), spec.minClusterZoom))] || [];
      for (i = 0; i < clusters.length; i++) {
        var c = clusters[i];
        group.addLayer(typeof c === "number" ? pointMarker(spec, c) : clusterMarker(map, spec, c));
      }
    }
    group.kwRedraw = redraw;
    group.kwSetMonth = function (m) { group.kwMonth = m; redraw(); };
    group.kwCount = function () { return group.getLayers().length; };
    map.on("zoomend", function () { if (map.hasLayer(group)) { redraw(); } });
    group.on("add", redraw);
    return group;
  };

  /* A slider by month filtering the incident layer (0 = every month). */
  kw.timeSlider = function (map, group, spec) {
    var months = spec.monthLabels;
    var Ctl = L.Control.extend({
      onAdd: function () {
        var box = el("div", "kw-slider leaflet-bar");
        var label = el("div", "kw-slider-label", spec.labels.month + ": " + spec.labels.all);
        var input = el("input");
        input.type = "range";
        input.min = "0";
        input.max = String(months.length);
        input.step = "1";
        input.value = "0";
        input.setAttribute("aria-label", spec.labels.month);
        input.addEventListener("input", function () {
          var k = parseInt(input.value, 10);
          label.textContent = spec.labels.month + ": " + (k === 0 ? spec.labels.all : months[k - 1]);
          group.kwSetMonth(k - 1);
        });
        box.appendChild(label);
        box.appendChild(input);
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.disableScrollPropagation(box);
        return box;
      }
    });
    var control = new Ctl({position: "bottomleft"}).addTo(map);
    /* The slider filters the incident layer: it is shown only while that layer is on. */
    function sync() {
      control.getContainer().style.display = map.hasLayer(group) ? "" : "none";
    }
    group.on("add remove", sync);
    sync();
    kw.slider = control;
    return control;
  };

  window.addEventListener("beforeprint", function () {
    for (var i = 0; i < kw.maps.length; i++) { kw.maps[i].invalidateSize(); }
  });
})();
