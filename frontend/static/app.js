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
  // Phones: fold the catalogue's filters (search comes first); tables become label/value
  // rows, each cell labelled with its column's heading; an undo offer goes after its time.
  function enhance(root) {
    if (window.matchMedia("(max-width: 900px)").matches) {
      root.querySelectorAll("details[data-fold-narrow][open]").forEach(function (d) { d.open = false; });
    }
    root.querySelectorAll(".table-wrap table").forEach(function (t) {
      var heads = Array.prototype.map.call(t.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      if (!heads.length) { return; }
      t.classList.add("rows");
      t.querySelectorAll("tbody tr, tfoot tr").forEach(function (tr) {
        Array.prototype.forEach.call(tr.children, function (cell, i) {
          if (heads[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[i]); }
        });
      });
    });
    root.querySelectorAll("[data-expires]").forEach(function (el) {
      var s = parseInt(el.getAttribute("data-expires"), 10) || 20;
      setTimeout(function () { el.remove(); }, s * 1000);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function (e) { if (e.detail && e.detail.elt) { enhance(e.detail.elt); } });
  // Confirm dangerous buttons (decline, reject) with their data-confirm text.
  document.addEventListener("submit", function (e) {
    var msg = e.submitter && e.submitter.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { e.preventDefault(); }
  });
})();
