// tapewarden web console: small conveniences on top of plain forms, which
// work without this file.
"use strict";

// The courier's scans go through a queue kept in the browser: a scan made
// while the phone has no network waits there and is sent when it has, each
// with its scan ID, so a scan sent twice is still one scan. Confirming
// waits until every scan is acknowledged.
function scanQueue(form) {
  var key = "tapewarden-scans:" + form.getAttribute("action");
  var field = document.getElementById("barcode");
  var idField = form.querySelector("input[name=scan_id]");
  var status = document.getElementById("queue");
  var confirm = document.querySelector("form.confirm button[type=submit]");
  var sending = false;

  function load() {
    try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; }
  }
  function save(q) { localStorage.setItem(key, JSON.stringify(q)); }
  function show(q) {
    if (status) { status.textContent = q.length ? status.getAttribute("data-waiting").replace("%d", q.length) : ""; }
    if (confirm) { confirm.disabled = q.length > 0; }
  }
  function newID() {
    var b = new Uint8Array(12);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function flush() {
    var q = load();
    show(q);
    if (sending || q.length === 0) { return; }
    sending = true;
    var last = q[0].id;
    fetch(form.getAttribute("action"), {
      method: "POST", credentials: "same-origin",
      body: new URLSearchParams({ scan_id: q[0].id, barcode: q[0].barcode })
    }).then(function (res) {
      sending = false;
      if (res.status >= 500) { return; } // try again later
      var rest = load().filter(function (s) { return s.id !== last; });
      save(rest);
      if (rest.length > 0) { flush(); return; }
      location.href = location.pathname + "?last=" + encodeURIComponent(last);
    }, function () {
      sending = false; // no network: the queue waits
      show(load());
    });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var barcode = field.value.trim();
    if (barcode === "") { return; }
    var q = load();
    q.push({ id: idField.value, barcode: barcode });
    save(q);
    idField.value = newID();
    field.value = "";
    field.focus();
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 3000);
  flush();
}

document.addEventListener("DOMContentLoaded", function () {
  // The courier's scan field keeps the focus, so a wedge scanner always
  // types into it; a problem makes the phone buzz.
  var field = document.getElementById("barcode");
  if (field) {
    field.focus();
    var bad = document.querySelector(".scan-result.not-on-manifest, .scan-result.unknown, .scan-result.bad");
    if (bad && navigator.vibrate) { navigator.vibrate([200, 100, 200]); }
  }
  var scan = document.querySelector("form.scan");
  if (scan && window.fetch && window.localStorage && window.crypto) { scanQueue(scan); }
  // A form is sent once: a second tap while the page loads does nothing.
  document.querySelectorAll("form[method=post]:not(.scan)").forEach(function (f) {
    f.addEventListener("submit", function () {
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
});
