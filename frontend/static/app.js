// Small enhancements on top of htmx; every page works without them.
(function () {
  "use strict";
  // Move focus to the status region's message after an htmx swap put one there, so that
  // keyboard users notice it; the region itself is aria-live for screen readers.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target && e.detail.target.id === "status") {
      var first = e.detail.target.firstElementChild;
      if (first) { first.setAttribute("tabindex", "-1"); }
    }
  });
  // A page that comes back with errors (role=alert) puts focus on the first one, so that
  // keyboard and screen-reader users start where the problem is.
  document.addEventListener("DOMContentLoaded", function () {
    var alert = document.querySelector("main [role=alert]");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  });
  // Price-list upload: show the progress of the upload in the <progress> element.
  document.addEventListener("htmx:xhr:progress", function (e) {
    var bar = document.getElementById("upload-progress");
    if (!bar || !e.detail.lengthComputable) { return; }
    bar.hidden = false;
    bar.value = Math.round((e.detail.loaded / e.detail.total) * 100);
    var label = document.getElementById("upload-progress-text");
    if (label) { label.textContent = bar.value + " %"; }
  });
  // Confirm dangerous buttons (decline, reject) with their data-confirm text.
  document.addEventListener("submit", function (e) {
    var msg = e.submitter && e.submitter.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
