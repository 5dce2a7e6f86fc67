/* Charts of the gongjian pages (Apache ECharts, served from this server).
 * Each chart is a <div data-chart="kind" data-source="id"> whose data comes from a
 * {{ value|json_script:"id" }} block: no inline code in the templates. */
(function () {
  "use strict";
  var COLORS = ["#b91c1c", "#2563eb", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777"];
  var LIGHTS = { red: "#dc2626", yellow: "#f59e0b", green: "#16a34a", "": "#64748b", blue: "#2563eb" };

  // ECharts puts what a tooltip formatter returns into the page as HTML: every string a
  // formatter takes from the data (project, unit, indicator names …) goes through esc().
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" };
  function esc(value) {
    return String(value === undefined || value === null ? "" : value).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  }

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function base() {
    return { color: COLORS, textStyle: { fontFamily: "Noto Sans CJK SC, Microsoft YaHei, sans-serif" } };
  }

  function trend(d) {
    var series = d.series.map(function (s) {
      return { name: s.name, type: "line", smooth: true, data: s.values, connectNulls: false };
    });
    series.push({
      name: d.pro_rata.name, type: "line", data: d.pro_rata.values,
      lineStyle: { type: "dashed", color: "#334155" }, itemStyle: { color: "#334155" }, symbol: "none"
    });
    return Object.assign(base(), {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", top: 0 },
      grid: { left: 40, right: 16, top: 40, bottom: 24 },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
      series: series
    });
  }

  // Bars per unit. Series that name their measure ("个", "亿元" …) never share an axis
  // with another measure: the first two measures get the left and the right axis, the
  // series of any further measure are left out rather than drawn on a wrong scale.
  function bars(units, series, stacked) {
    var measures = [];
    series.forEach(function (s) {
      if (s.unit !== undefined && measures.indexOf(s.unit) < 0) { measures.push(s.unit); }
    });
    var shown = series.filter(function (s) { return s.unit === undefined || measures.indexOf(s.unit) < 2; });
    var yAxis = measures.length ? measures.slice(0, 2).map(function (m, i) {
      return { type: "value", name: m, position: i ? "right" : "left", splitLine: { show: !i } };
    }) : { type: "value" };
    return Object.assign(base(), {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { type: "scroll", top: 0 },
      grid: { left: 56, right: measures.length > 1 ? 56 : 16, top: 48, bottom: 48 },
      xAxis: { type: "category", data: units, axisLabel: { interval: 0, rotate: units.length > 5 ? 30 : 0 } },
      yAxis: yAxis,
      series: shown.map(function (s) {
        var name = s.unit ? s.name + "(" + s.unit + ")" : s.name;
        return { name: name, type: "bar", stack: stacked ? "score" : undefined, data: s.values,
                 yAxisIndex: s.unit !== undefined ? measures.indexOf(s.unit) : 0 };
      })
    });
  }

  function mapOption(d) {
    var values = d.regions.map(function (r) { return r.value || 0; });
    var max = Math.max.apply(null, values.concat([1]));
    var min = Math.min.apply(null, values.concat([max]));
    var points = { red: [], yellow: [], green: [], "": [] };
    d.points.forEach(function (p) { (points[p.light] || points[""]).push(p); });
    var scatter = Object.keys(points).map(function (light) {
      return {
        name: d.lightNames[light] || light, type: "scatter", coordinateSystem: "geo",
        data: points[light], symbolSize: 6, itemStyle: { color: LIGHTS[light], borderColor: "#fff", borderWidth: 0.5 },
        tooltip: { formatter: function (p) { return esc(p.data.name); } }, zlevel: 2
      };
    });
    // at city zoom one bubble a district (how many projects, worst light first in its
    // tooltip) instead of thousands of dots over the districts; the dots once zoomed in
    var byDistrict = {};
    d.points.forEach(function (p) {
      var c = byDistrict[p.district] = byDistrict[p.district] || { n: 0, lon: 0, lat: 0, red: 0, yellow: 0 };
      c.n += 1; c.lon += p.value[0]; c.lat += p.value[1];
      if (p.light === "red" || p.light === "yellow") { c[p.light] += 1; }
    });
    var regionOf = {};
    d.regions.forEach(function (r) { regionOf[r.unit] = r; });
    var clusters = Object.keys(byDistrict).filter(function (unit) { return d.clusterUnits[unit]; }).map(function (unit) {
      var c = byDistrict[unit], r = regionOf[unit] || {}, name = d.clusterUnits[unit];
      return { name: name, value: [c.lon / c.n, c.lat / c.n, c.n], code: r.code || "", label: name,
               text: r.text || c.n, unit: unit, red: c.red, yellow: c.yellow, cluster: true };
    });
    scatter.forEach(function (s) { s.pointData = s.data; s.data = []; });
    var biggest = Math.max.apply(null, clusters.map(function (c) { return c.value[2]; }).concat([1]));
    var bubbles = {
      name: d.clusterName, type: "scatter", coordinateSystem: "geo", data: clusters, zlevel: 3,
      symbolSize: function (v) { return 12 + 22 * Math.sqrt(v[2] / biggest); },
      itemStyle: { color: "rgba(30, 64, 175, 0.75)", borderColor: "#fff", borderWidth: 1 },
      label: { show: true, formatter: function (p) { return p.data.value[2]; }, color: "#fff", fontSize: 11 },
      tooltip: { formatter: function (p) {
        return esc(p.data.label) + ":" + esc(p.data.value[2]) + "(" + esc(d.lightNames.red || "red") + " " +
          esc(p.data.red) + "," + esc(d.lightNames.yellow || "yellow") + " " + esc(p.data.yellow) + ")";
      } }
    };
    // the parks layer (园区): shown at every zoom, one diamond a park
    var parks = (d.parks || []).length ? [{
      name: d.parksName, type: "scatter", coordinateSystem: "geo", data: d.parks, zlevel: 4, fixed: true,
      symbol: "diamond", symbolSize: 13, itemStyle: { color: "#047857", borderColor: "#fff", borderWidth: 1 },
      tooltip: { formatter: function (p) { return esc(p.data.name) + "(" + esc(p.data.level) + "," + esc(p.data.unit) + ")"; } }
    }] : [];
    return Object.assign(base(), {
      tooltip: { trigger: "item" },
      legend: { bottom: 0, data: scatter.concat(parks).map(function (s) { return s.name; }) },
      visualMap: { min: min, max: max, left: 8, bottom: 30, text: [d.unitLabel, ""], calculable: true,
        inRange: { color: ["#fee2e2", "#ef4444", "#7f1d1d"] }, seriesIndex: 0 },
      geo: { map: d.map, roam: true, label: { show: true, color: "#1f2937", fontSize: 11 },
        itemStyle: { areaColor: "#f1f5f9", borderColor: "#94a3b8" } },
      series: [{
        type: "map", geoIndex: 0, name: d.indicator,
        data: d.regions.map(function (r) { return { name: r.name, value: r.value, code: r.code, label: r.name, text: r.text, unit: r.unit }; }),
        tooltip: { formatter: function (p) { return p.data ? esc(p.data.label) + ":" + esc(p.data.text) : esc(p.name); } }
      }].concat(scatter).concat(parks).concat([bubbles]),
      clusterZoom: 1.5
    });
  }

  // zoomed in past ``clusterZoom``: the projects' dots; out again: the districts' bubbles
  function followZoom(chart, option) {
    var shown = null;
    chart.on("georoam", function () {
      var zoom = (chart.getOption().geo[0] || {}).zoom || 1;
      var dots = zoom >= option.clusterZoom;
      if (dots === shown) { return; }
      shown = dots;
      var n = option.series.length;
      chart.setOption({ series: option.series.map(function (s, i) {
        if (i === 0 || s.fixed) { return {}; }
        if (i === n - 1) { return { data: dots ? [] : s.data }; }
        return { data: dots ? s.pointData : [] };
      }) });
    });
  }

  function pinOption(d) {
    return Object.assign(base(), {
      geo: { map: d.map, roam: true, itemStyle: { areaColor: "#f1f5f9", borderColor: "#94a3b8" },
        label: { show: true, fontSize: 10, color: "#475569" } },
      series: [{ type: "effectScatter", coordinateSystem: "geo", data: [{ name: d.name, value: [d.lon, d.lat] }],
        symbolSize: 12, itemStyle: { color: LIGHTS[d.color] || LIGHTS.blue } }]
    });
  }

  // --- the chart for those who cannot see it: a name with a summary (role="img") and the
  // figures the chart draws as a table behind a toggle, both from the same data block.
  // The words come from the base template's <template id="gj-chart-words"> (translated).
  var words = (document.getElementById("gj-chart-words") || { dataset: {} }).dataset;

  function fmt(v) { return v === null || v === undefined || v === "" ? "—" : String(v); }

  function headingFor(el) {
    if (el.getAttribute("aria-label")) { return el.getAttribute("aria-label"); }
    for (var node = el; node && node !== document.body; node = node.parentElement) {
      for (var sib = node.previousElementSibling; sib; sib = sib.previousElementSibling) {
        var h = /^H[1-3]$/.test(sib.tagName) ? sib : sib.querySelector("h1, h2, h3");
        if (h) { return h.textContent.trim(); }
      }
    }
    return document.title;
  }

  function lastValue(values) {
    for (var i = values.length - 1; i >= 0; i -= 1) {
      if (values[i] !== null && values[i] !== undefined) { return i; }
    }
    return -1;
  }

  // the extremes of one series over the categories: "最高 凌河区 12,最低 太和区 3";
  // show(i) tells the i-th category and its value
  function extremes(values, show) {
    var hi = -1, lo = -1;
    values.forEach(function (v, i) {
      if (v === null || v === undefined) { return; }
      if (hi < 0 || v > values[hi]) { hi = i; }
      if (lo < 0 || v < values[lo]) { lo = i; }
    });
    if (hi < 0) { return ""; }
    return (words.highest || "max") + " " + show(hi) + "," + (words.lowest || "min") + " " + show(lo);
  }

  // {summary, head, rows} of what one chart shows
  function describe(kind, source) {
    var d, head, rows, summary;
    if (kind === "trend") {
      d = source.trend || source;
      var lines = d.series.concat([d.pro_rata]);
      head = [words.month || "month"].concat(lines.map(function (s) { return s.name + "(%)"; }));
      rows = d.months.map(function (m, i) {
        return [m].concat(lines.map(function (s) { return fmt(s.values[i]); }));
      });
      summary = lines.map(function (s) {
        var i = lastValue(s.values);
        return i < 0 ? s.name + " —" : s.name + " " + d.months[i] + " " + s.values[i] + "%";
      }).join(";");
      return { summary: summary, head: head, rows: rows };
    }
    if (kind === "compare" || kind === "ranking") {
      d = kind === "compare" ? source.compare : source;
      head = [words.unit || "unit"].concat(d.series.map(function (s) {
        return s.unit ? s.name + "(" + s.unit + ")" : s.name;
      }));
      rows = d.units.map(function (u, i) {
        return [u].concat(d.series.map(function (s) { return fmt(s.values[i]); }));
      });
      summary = d.series.slice(0, kind === "ranking" ? d.series.length : 3).map(function (s) {
        return s.name + ":" + extremes(s.values, function (i) {
          return d.units[i] + " " + s.values[i] + (s.unit ? " " + s.unit : "");
        });
      }).join(";");
      if (kind === "ranking") {
        // the stacked bars add up to each unit's score
        var totals = d.units.map(function (u, i) {
          return Math.round(d.series.reduce(function (t, s) { return t + (s.values[i] || 0); }, 0) * 100) / 100;
        });
        summary = (words.total || "total") + ":" + extremes(totals, function (i) { return d.units[i] + " " + totals[i]; });
      }
      return { summary: summary, head: head, rows: rows };
    }
    if (kind === "map") {
      head = [words.unit || "unit", source.indicator];
      rows = source.regions.map(function (r) { return [r.name, fmt(r.text)]; });
      summary = source.indicator + ":" + extremes(source.regions.map(function (r) { return r.value; }), function (i) {
        return source.regions[i].name + " " + fmt(source.regions[i].text);
      });
      return { summary: summary, head: head, rows: rows };
    }
    if (kind === "pin") {
      return { summary: source.name, head: null, rows: [] };
    }
    return null;
  }

  function describeChart(el, kind, source) {
    var what = describe(kind, source);
    if (!what) { return; }
    var title = headingFor(el);
    el.setAttribute("role", "img");
    el.setAttribute("aria-label", what.summary ? title + ":" + what.summary : title);
    if (!what.head) { return; }
    var details = document.createElement("details");
    details.className = "gj-chart-data";
    var summary = document.createElement("summary");
    summary.textContent = (words.table || "data") + ":" + title;
    details.appendChild(summary);
    var wrap = document.createElement("div");
    wrap.className = "overflow-auto";
    var table = document.createElement("table");
    table.className = "striped gj-table";
    var caption = document.createElement("caption");
    caption.textContent = title;
    table.appendChild(caption);
    var tr = document.createElement("tr");
    what.head.forEach(function (h) {
      var th = document.createElement("th");
      th.setAttribute("scope", "col");
      th.textContent = h;
      tr.appendChild(th);
    });
    table.appendChild(document.createElement("thead")).appendChild(tr);
    var body = table.appendChild(document.createElement("tbody"));
    what.rows.forEach(function (row) {
      var r = document.createElement("tr");
      row.forEach(function (cell, i) {
        var c = document.createElement(i ? "td" : "th");
        if (i) { c.className = "num"; } else { c.setAttribute("scope", "row"); }
        c.textContent = cell;
        r.appendChild(c);
      });
      body.appendChild(r);
    });
    wrap.appendChild(table);
    details.appendChild(wrap);
    el.insertAdjacentElement("afterend", details);
  }

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-chart");
    var source = data(el.getAttribute("data-source"));
    if (!source) { return; }
    describeChart(el, kind, source);
    if (typeof echarts === "undefined") { return; }
    var chart = echarts.init(el);
    var option;
    if (kind === "trend") { option = trend(source.trend || source); }
    else if (kind === "compare") { option = bars(source.compare.units, source.compare.series, false); }
    else if (kind === "ranking") { option = bars(source.units, source.series, true); }
    else if (kind === "map") { option = mapOption(source); }
    else if (kind === "pin") { option = pinOption(source); }
    if (!option) { return; }
    chart.setOption(option);
    charts.push(chart);
    if (kind === "map") {
      window.gongjianMap = chart;
      followZoom(chart, option);
      var info = document.getElementById("gj-region-info");
      chart.on("click", function (p) {
        if (p.seriesType === "scatter" && p.data && p.data.id) {
          window.location.href = "/projects/" + p.data.id + "/";
        } else if ((p.seriesType === "map" || (p.data && p.data.cluster)) && p.data && info) {
          info.innerHTML = "";
          var b = document.createElement("b");
          b.textContent = p.data.label + ":" + p.data.text;
          var a = document.createElement("a");
          a.href = "/projects/?unit=" + encodeURIComponent(p.data.unit);
          a.textContent = " ›";
          info.appendChild(b);
          info.appendChild(a);
          document.querySelectorAll("tr[data-code]").forEach(function (tr) {
            tr.classList.toggle("picked", tr.getAttribute("data-code") === p.data.code);
          });
        }
      });
    }
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
