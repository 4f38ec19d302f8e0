// Polls the job's progress once a second and updates the bar; without JavaScript the
// page refreshes itself (<noscript><meta refresh>), so this only makes it smoother.
(function () {
  "use strict";
  var box = document.getElementById("batch-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var text = box.querySelector("[data-progress-text]");
  var status = box.querySelector("[data-progress-status]");
  // Digits as the server writes them (Western digits in every language, Arabic included).
  var percent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent", numberingSystem: "latn" });
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(tick, 3000); return; }
        bar.max = Math.max(state.total, 1);
        bar.value = state.done;
        bar.textContent = percent.format(state.percent / 100);
        text.textContent = state.message;
        status.textContent = state.status_label;
        if (state.finished) { window.location.reload(); } else { window.setTimeout(tick, 1000); }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 1000);
})();
