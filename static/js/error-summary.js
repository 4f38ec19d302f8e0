/* The error summary: focus moves to it when the page loads (a screen reader reads it out, a
 * keyboard user starts from it), and each link moves the focus to its field and shows the
 * field's label with it. Without this script the links still jump to their fields. */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary || summary.hasAttribute("data-error-summary-ready")) return;
  summary.setAttribute("data-error-summary-ready", "");
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) return;
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) return;
    event.preventDefault();
    var label = document.querySelector("label[for='" + field.id + "']");
    field.focus({ preventScroll: true });
    (label || field).scrollIntoView({ block: "start" });
    if (history.replaceState) history.replaceState(null, "", "#" + field.id);
  });
})();
