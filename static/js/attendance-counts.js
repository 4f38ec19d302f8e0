/* "3 present of 12" on the attendance sheet, the room screen and the check-in scanner: one
 * builder shared by attendance.js and checkin-scanner.js (loaded before them). */
(function () {
  "use strict";

  // "3 present of 12", rebuilt from the catalogue so its plural form follows the total,
  // with the two figures kept in their own elements for the big-number styling.
  function fillCounts(counts) {
    var template = ngettext("%(present)s present of %(total)s", "%(present)s present of %(total)s", counts.total);
    document.querySelectorAll("[data-att-counts]").forEach(function (el) {
      var nodes = template.split(/(%\(present\)s|%\(total\)s)/).map(function (part) {
        if (part === "%(present)s") {
          var strong = document.createElement("strong");
          strong.textContent = counts.present;
          return strong;
        }
        if (part === "%(total)s") {
          var total = document.createElement("span");
          total.className = "total";
          total.textContent = counts.total;
          return total;
        }
        return document.createTextNode(part);
      });
      el.replaceChildren.apply(el, nodes);
    });
  }

  window.epiAttendanceCounts = { fill: fillCounts };
})();
