// The 招商 funnel chart. Data comes from the page's json_script block "funnel-data"
// (figures evaluated by the indicator engine); ECharts is served locally by the site
// (window.echarts). Without it the table under the chart stays the only view.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("funnel-chart");
    var source = document.getElementById("funnel-data");
    if (!box || !source || typeof window.echarts === "undefined") {
      if (box) { box.style.display = "none"; }
      return;
    }
    var data = JSON.parse(source.textContent);
    // the chart's name says what it shows (screen readers); the table under it has the figures
    box.setAttribute("aria-label", box.getAttribute("aria-label") + ":" + data.map(function (d) {
      return d.name + " " + d.value;
    }).join(","));
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "item", formatter: "{b}: {c}" },
      series: [{
        type: "funnel",
        sort: "none",
        left: "10%",
        width: "80%",
        label: { show: true, position: "inside", formatter: "{b} {c}" },
        data: data
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
