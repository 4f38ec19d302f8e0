/* Attendance sheet: each box saves as it changes, the list filters as you type.
 * Without this script the page is one plain form with a Save button; the script only
 * posts the same data sooner. Also: a full-screen button for the room screen. */
(function () {
  "use strict";

  // Letters NFD does not split into a base and an accent (as events.services.attendance.fold).
  var EXTRA = { "ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i" };

  function fold(text) {
    // Accent- and case-insensitive, so "lukasz" finds "Łukasz" and "astrom" finds "Åström".
    return (text || "")
      .toLowerCase()
      .normalize("NFD")
      .replace(/\p{M}/gu, "")
      .replace(/[łøđßæœı]/g, function (c) { return EXTRA[c]; })
      .replace(/\s+/g, " ")
      .trim();
  }

  var fillCounts = window.epiAttendanceCounts.fill;

  function setCounts(counts) {
    if (counts) fillCounts(counts);
  }

  function initSheet(form) {
    var markUrl = form.getAttribute("data-mark-url");
    var status = form.querySelector("[data-att-status]");
    var errorText = gettext("Not saved. Check your connection and try again.");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var saveBar = form.querySelector("[data-att-save]");
    if (saveBar) saveBar.hidden = true;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("is-error", !!isError);
    }

    function rememberState(row, box) {
      // Keep the plain form's "as drawn" state in step, so a Save sent later (e.g. after
      // the script failed) changes only what was toggled after this point.
      var was = row.querySelector("[data-was-present]");
      if (box.checked && !was) {
        was = document.createElement("input");
        was.type = "hidden";
        was.name = "was_present";
        was.value = box.value;
        was.setAttribute("data-was-present", "");
        row.appendChild(was);
      } else if (!box.checked && was) {
        was.remove();
      }
      row.classList.toggle("is-present", box.checked);
      var how = row.querySelector(".att-how");
      if (how && !box.checked) how.remove();
    }

    // While a box saves it stays enabled and focused (a disabled box drops the focus to the
    // page, and the next Space scrolls it): it is marked busy and refuses a second toggle.
    form.addEventListener("click", function (event) {
      var box = event.target;
      if (box.matches && box.matches("input[type=checkbox][name=present]") && box.getAttribute("aria-disabled") === "true") {
        event.preventDefault();
      }
    });

    form.addEventListener("change", function (event) {
      var box = event.target;
      if (!box.matches("input[type=checkbox][name=present]")) return;
      var row = box.closest("[data-att-row]");
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token);
      body.append("registration", box.value);
      if (box.checked) body.append("present", "on");
      box.setAttribute("aria-disabled", "true");
      row.setAttribute("aria-busy", "true");
      row.classList.add("is-saving");
      fetch(markUrl, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": token },
      })
        .then(function (response) {
          return response.json().catch(function () { return { ok: false }; }).then(function (data) {
            if (!response.ok || !data.ok) throw new Error(data.message || errorText);
            return data;
          });
        })
        .then(function (data) {
          rememberState(row, box);
          setCounts(data.counts);
          say(data.message, false);
        })
        .catch(function (error) {
          box.checked = !box.checked;
          say(error && error.message ? error.message : errorText, true);
          if (saveBar) saveBar.hidden = false;
        })
        .finally(function () {
          box.removeAttribute("aria-disabled");
          row.removeAttribute("aria-busy");
          row.classList.remove("is-saving");
        });
    });
  }

  function initFilter(input) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-att-row]"));
    var none = document.querySelector("[data-att-none]");
    var names = rows.map(function (row) { return fold(row.getAttribute("data-name")); });
    function apply() {
      var words = fold(input.value).split(" ").filter(Boolean);
      var shown = 0;
      rows.forEach(function (row, i) {
        var match = words.every(function (word) { return names[i].indexOf(word) !== -1; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (none) none.hidden = shown !== 0 || rows.length === 0;
    }
    input.addEventListener("input", apply);
    // On the full list typing has already filtered it, so Enter need not reload the page;
    // on a list the server already narrowed, Enter searches everyone again.
    var serverFiltered = !!new URLSearchParams(window.location.search).get("q");
    input.form.addEventListener("submit", function (event) {
      if (rows.length && !serverFiltered) event.preventDefault();
    });
  }

  function initFullscreen(button) {
    var target = document.getElementById(button.getAttribute("data-fullscreen"));
    if (!target || !target.requestFullscreen) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      target.requestFullscreen().catch(function () { /* refused: the page stays as it is */ });
    });
  }

  document.querySelectorAll("[data-att-sheet]").forEach(initSheet);
  document.querySelectorAll("[data-att-filter]").forEach(initFilter);
  document.querySelectorAll("[data-fullscreen]").forEach(initFullscreen);
})();
