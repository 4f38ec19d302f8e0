/* Trainer's check-in page: reads participants' QR codes through the phone camera with
 * the vendored jsQR (static/vendor/jsqr/) and posts each code to the same form the page
 * offers for typing codes. Without this script (or a camera) the typing form works alone. */
(function () {
  "use strict";

  var section = document.querySelector("[data-scanner]");
  var form = document.querySelector("[data-code-form]");
  if (!section || !form) return;

  var live = document.querySelector("[data-checkin-live]");
  var video = section.querySelector("[data-scanner-video]");
  var view = section.querySelector("[data-scanner-view]");
  var toggle = section.querySelector("[data-scanner-toggle]");
  var note = section.querySelector("[data-scanner-note]");
  var input = form.querySelector("input[name=code]");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  // Texts come from Django's JavaScript catalogue (/jsi18n/<language>.js, loaded first).
  var TEXTS = {
    "no-camera": gettext("The camera is not available on this device or this page. Type the code below instead."),
    "denied": gettext("Camera access was refused. Allow it in the browser settings, or type the code below."),
    "error": gettext("The code could not be sent. Check your connection and try again."),
    "error-title": gettext("Not sent"),
    "start": gettext("Scan with the camera"),
    "stop": gettext("Stop the camera"),
  };
  var text = function (name) { return TEXTS[name]; };

  var canvas = document.createElement("canvas");
  var context = canvas.getContext("2d", { willReadFrequently: true });
  var stream = null;
  var frameRequest = 0;
  var lastDecodeAt = 0;
  var lastCode = "";
  var lastSeenAt = 0;
  var busy = false;

  // Decoding every frame would drain a phone's battery for nothing; five times a second is plenty.
  var DECODE_EVERY_MS = 200;
  // A code held in front of the camera is sent once; it is sent again only after it has
  // been out of sight this long (the trainer shows it a second time on purpose).
  var SAME_CODE_GONE_MS = 2500;
  var MAX_SIDE = 640;

  section.hidden = false;

  var fillCounts = window.epiAttendanceCounts.fill;

  function showResult(data) {
    var box = document.createElement("div");
    box.className = "checkin-result is-" + (data.tone || "refused");
    box.setAttribute("data-checkin-result", data.status || "");
    var title = document.createElement("h2");
    title.textContent = data.title || "";
    var message = document.createElement("p");
    message.textContent = data.message || "";
    box.appendChild(title);
    box.appendChild(message);
    live.replaceChildren(box);
    if (data.counts) fillCounts(data.counts);
    if (navigator.vibrate) navigator.vibrate(data.tone === "ok" ? 80 : data.tone === "already" ? [40, 60, 40] : [150, 80, 150]);
  }

  function send(code, scanned) {
    busy = true;
    var body = new FormData();
    body.append("csrfmiddlewaretoken", token);
    body.append("code", code);
    if (scanned) body.append("scanned", "on");
    return fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": token },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        showResult(data);
        return data;
      })
      .catch(function () {
        showResult({ tone: "refused", title: text("error-title"), message: text("error") });
        return { ok: false };
      })
      .finally(function () {
        busy = false;
      });
  }

  form.addEventListener("submit", function (event) {
    if (!input.value.trim()) return; // let the page explain what is missing
    event.preventDefault();
    send(input.value, false).then(function (data) {
      // A mistyped code stays in the box to be corrected; a good one makes room for the next.
      if (data.ok) input.value = "";
      input.focus();
    });
  });

  function scan(now) {
    frameRequest = requestAnimationFrame(scan);
    if (busy || now - lastDecodeAt < DECODE_EVERY_MS || video.readyState < video.HAVE_ENOUGH_DATA) return;
    lastDecodeAt = now;
    var ratio = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
    var width = Math.round(video.videoWidth * ratio);
    var height = Math.round(video.videoHeight * ratio);
    if (!width || !height) return;
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, 0, 0, width, height);
    var image = context.getImageData(0, 0, width, height);
    var found = window.jsQR(image.data, width, height, { inversionAttempts: "dontInvert" });
    if (!found || !found.data) return;
    var code = found.data.trim();
    var repeat = code === lastCode && now - lastSeenAt < SAME_CODE_GONE_MS;
    lastCode = code;
    lastSeenAt = now;
    if (!repeat) send(code, true);
  }

  function stop() {
    cancelAnimationFrame(frameRequest);
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    stream = null;
    video.srcObject = null;
    view.hidden = true;
    toggle.textContent = text("start");
  }

  function start() {
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: "environment" } }, audio: false })
      .then(function (media) {
        stream = media;
        video.srcObject = media;
        view.hidden = false;
        toggle.textContent = text("stop");
        // Picture and answer together on a small screen.
        section.scrollIntoView({ block: "start", behavior: "smooth" });
        return video.play();
      })
      .then(function () {
        frameRequest = requestAnimationFrame(scan);
      })
      .catch(function (error) {
        stop();
        var denied = error && (error.name === "NotAllowedError" || error.name === "SecurityError");
        note.textContent = denied ? text("denied") : text("no-camera");
      });
  }

  var cameraPossible = !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.jsQR);
  if (!cameraPossible) {
    // Cameras need HTTPS (or localhost) and a browser that offers them.
    toggle.hidden = true;
    note.textContent = text("no-camera");
    return;
  }

  toggle.addEventListener("click", function () {
    if (stream) stop();
    else start();
  });

  // A camera left running in a background tab drains the battery and blocks other apps.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && stream) stop();
  });
})();
