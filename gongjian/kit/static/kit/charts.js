/* Charts of the gongjian pages (Apache ECharts, served from this server).
 * Each chart is a <div data-chart="kind" data-source="id"> whose data comes from a
 * {{ value|json_script:"id" }} block: no inline code in the templates. */
(function () {
  "use strict";
  var COLORS = ["#b91c1c", "#2563eb", "#059669", "#d97706", "#7c3aed", "#0891b2", "#db2777"];
  var LIGHTS = { red: "#dc2626", yellow: "#f59e0b", green: "#16a34a", "": "#64748b", blue: "#2563eb" };

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
        tooltip: { formatter: function (p) { return p.data.name; } }, zlevel: 2
      };
    });
    return Object.assign(base(), {
      tooltip: { trigger: "item" },
      legend: { bottom: 0, data: scatter.map(function (s) { return s.name; }) },
      visualMap: { min: min, max: max, left: 8, bottom: 30, text: [d.unitLabel, ""], calculable: true,
        inRange: { color: ["#fee2e2", "#ef4444", "#7f1d1d"] }, seriesIndex: 0 },
      geo: { map: d.map, roam: true, label: { show: true, color: "#1f2937", fontSize: 11 },
        itemStyle: { areaColor: "#f1f5f9", borderColor: "#94a3b8" } },
      series: [{
        type: "map", geoIndex: 0, name: d.indicator,
        data: d.regions.map(function (r) { return { name: r.name, value: r.value, code: r.code, label: r.name, text: r.text, unit: r.unit }; }),
        tooltip: { formatter: function (p) { return p.data ? p.data.label + ":" + p.data.text : p.name; } }
      }].concat(scatter)
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

  var charts = [];
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var kind = el.getAttribute("data-chart");
    var source = data(el.getAttribute("data-source"));
    if (!source || typeof echarts === "undefined") { return; }
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
      var info = document.getElementById("gj-region-info");
      chart.on("click", function (p) {
        if (p.seriesType === "scatter" && p.data && p.data.id) {
          window.location.href = "/projects/" + p.data.id + "/";
        } else if (p.seriesType === "map" && p.data && info) {
          info.innerHTML = "";
          var b = document.createElement("b");
          b.textContent = p.data.label + ":" + p.data.text;
          var a = document.createElement("a");
          a.href = "/projects/?unit=" + p.data.unit;
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
