// Word cloud of the year review. Data comes from the page (json_script); ECharts and
// the echarts-wordcloud plugin are static files of the project. Without them the
// ranked list the page already shows stays as it is.
(function () {
  "use strict";

  function render(container, data) {
    var chart = window.echarts.init(container);
    try {
      chart.setOption({
        tooltip: {},
        series: [{
          type: "wordCloud",
          name: container.dataset.seriesName || "",
          shape: "circle",
          sizeRange: [14, 56],
          rotationRange: [0, 0],
          gridSize: 6,
          data: data
        }]
      });
    } catch (err) {
      chart.dispose();
      return false;
    }
    if (!chart.getModel() || chart.getModel().getSeriesByType("wordCloud").length === 0) {
      chart.dispose();
      return false;
    }
    return true;
  }

  function start() {
    var container = document.getElementById("review-wordcloud");
    var source = document.getElementById("review-cloud-data");
    if (!container || !source || !window.echarts) {
      if (container) { container.style.display = "none"; }
      return;
    }
    var data = JSON.parse(source.textContent);
    if (!data.length) { container.style.display = "none"; return; }
    var ok = function () {
      if (render(container, data)) {
        var list = document.getElementById("review-wordlist");
        if (list) { list.classList.add("wordlist--beside-cloud"); }
      } else {
        container.style.display = "none";
      }
    };
    if (window.echarts.getMap !== undefined && container.dataset.plugin) {
      var script = document.createElement("script");
      script.src = container.dataset.plugin;
      script.onload = ok;
      script.onerror = function () { container.style.display = "none"; };
      document.head.appendChild(script);
    } else {
      ok();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
