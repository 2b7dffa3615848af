// tapewarden web console: small conveniences on top of plain forms, which
// work without this file.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // The courier's scan field keeps the focus, so a wedge scanner always
  // types into it; a problem makes the phone buzz.
  var field = document.getElementById("barcode");
  if (field) {
    field.focus();
    var bad = document.querySelector(".scan-result.not-on-manifest, .scan-result.unknown, .scan-result.bad");
    if (bad && navigator.vibrate) { navigator.vibrate([200, 100, 200]); }
  }
  // A form is sent once: a second tap while the page loads does nothing.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function () {
      setTimeout(function () {
        f.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
  });
});
