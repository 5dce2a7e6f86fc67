// Polls the progress of an import or a job (JSON: status_label, done, total, finished)
// and, when it has finished, opens data-done-url (a job's own page) or reloads this one.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box || box.dataset.finished === "1") { return; }
  var bar = box.querySelector("progress");
  var status = box.querySelector(".status");
  function poll() {
    fetch(box.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.total) { bar.value = Math.round((100 * data.done) / data.total); }
        status.textContent = data.status_label + (data.step ? " · " + data.step : "") +
          (data.total ? " " + data.done + " / " + data.total : "");
        if (data.finished) {
          if (box.dataset.doneUrl) { window.location.assign(box.dataset.doneUrl); } else { window.location.reload(); }
        } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
