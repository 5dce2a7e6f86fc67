// 拉练 scoring on a phone: a live 100-point total and a local copy of unsaved input
// (restored if the page is reloaded before the draft reaches the server).
(function () {
  "use strict";
  var form = document.querySelector(".gj-score-form");
  if (!form) return;
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input.gj-score"));
  var out = form.querySelector(".gj-live-total");
  var key = "gongjian:" + form.getAttribute("data-draft-key");
  function total() {
    var weight = 0, reached = 0, complete = true;
    inputs.forEach(function (el) {
      var w = parseFloat(el.dataset.weight), lo = parseFloat(el.dataset.min), hi = parseFloat(el.dataset.max);
      weight += w;
      if (el.value === "") { complete = false; return; }
      reached += (parseFloat(el.value) - lo) / (hi - lo) * w;
    });
    out.textContent = complete && weight ? (Math.round(reached / weight * 10000) / 100).toFixed(2) : "—";
  }
  try {
    var saved = JSON.parse(window.localStorage.getItem(key) || "{}");
    inputs.forEach(function (el) { if (el.value === "" && saved[el.name] !== undefined) el.value = saved[el.name]; });
  } catch (e) { /* storage unavailable */ }
  form.addEventListener("input", function () {
    var copy = {};
    inputs.forEach(function (el) { copy[el.name] = el.value; });
    try { window.localStorage.setItem(key, JSON.stringify(copy)); } catch (e) { /* ignore */ }
    total();
  });
  form.addEventListener("submit", function () {
    try { window.localStorage.removeItem(key); } catch (e) { /* ignore */ }
  });
  total();
})();
