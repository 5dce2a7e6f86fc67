/* 政务(便民)服务地图: the points over the city's district shapes (drawn from this
   server's map script, no tiles from outside), "use my location" (the browser's
   geolocation, sent back as lat/lon so the server lists the nearest first), and
   "show on the map" for each point of the list (the map's text alternative). */
(function () {
  "use strict";
  var locate = document.getElementById("gs-locate");
  var status = document.getElementById("gs-status");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      status.textContent = locate.getAttribute("data-wait") || "…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        var url = new URL(window.location.href);
        url.searchParams.set("lat", pos.coords.latitude.toFixed(5));
        url.searchParams.set("lon", pos.coords.longitude.toFixed(5));
        window.location.assign(url.toString());
      }, function (err) {
        status.textContent = err && err.message ? err.message : "";
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 600000 });
    });
  }
  var source = document.getElementById("gs-map-data");
  var box = document.getElementById("gs-map");
  if (!source || !box || typeof echarts === "undefined") { return; }
  var d = JSON.parse(source.textContent);
  if (!d.map || !echarts.getMap(d.map)) { return; }
  var chart = echarts.init(box);
  var series = [{
    name: "points", type: "scatter", coordinateSystem: "geo", symbolSize: 12,
    itemStyle: { color: "#1d4ed8", borderColor: "#ffffff", borderWidth: 1 },
    emphasis: { scale: 1.8, itemStyle: { color: "#b91c1c" } },
    data: d.points.map(function (p) { return { name: p.name, value: p.value, code: p.code, kind: p.kind }; })
  }];
  if (d.here) {
    series.push({ name: "here", type: "effectScatter", coordinateSystem: "geo", symbolSize: 14,
      itemStyle: { color: "#15803d" }, data: [{ name: d.hereName, value: d.here }] });
  }
  chart.setOption({
    aria: { enabled: true },
    tooltip: { trigger: "item", formatter: function (p) {
      return String(p.data.name).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; });
    } },
    geo: { map: d.map, roam: true, label: { show: true, color: "#1f2937", fontSize: 11 },
      itemStyle: { areaColor: "#f1f5f9", borderColor: "#64748b" },
      emphasis: { itemStyle: { areaColor: "#e2e8f0" }, label: { color: "#111827" } } },
    series: series
  });
  window.addEventListener("resize", function () { chart.resize(); });
  chart.on("click", function (p) {
    if (!p.data || !p.data.code) { return; }
    var card = document.getElementById("gs-point-" + p.data.code);
    if (card) { card.scrollIntoView({ behavior: "smooth", block: "center" }); card.focus(); }
  });
  var index = {};
  d.points.forEach(function (p, i) { index[p.code] = i; });
  Array.prototype.forEach.call(document.querySelectorAll(".gs-show"), function (button) {
    var i = index[button.getAttribute("data-code")];
    if (i === undefined) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      chart.dispatchAction({ type: "downplay", seriesIndex: 0 });
      chart.dispatchAction({ type: "highlight", seriesIndex: 0, dataIndex: i });
      chart.dispatchAction({ type: "showTip", seriesIndex: 0, dataIndex: i });
      box.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".gs-card"), function (card) {
    card.setAttribute("tabindex", "-1");
  });
})();
