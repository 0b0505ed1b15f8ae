(function () {
  "use strict";
  var form = document.getElementById("filters");
  var noun = document.body.getAttribute("data-noun") || "distributions";
  var dists = Array.prototype.slice.call(document.querySelectorAll("article.dist"));
  var accounts = Array.prototype.slice.call(document.querySelectorAll("section.account"));
  var total = document.querySelectorAll("tr.check").length;

  function values(name) {
    return Array.prototype.slice.call(form.querySelectorAll("input[name=" + name + "]:checked"))
      .map(function (el) { return el.value; });
  }
  function field(name) {
    var el = form.elements.namedItem(name);
    return el ? el.value : "";
  }

  function apply() {
    var statuses = values("status");
    var rule = field("rule"), risk = field("risk"), account = field("account");
    var text = field("text").trim().toLowerCase();
    var shown = 0, shownDists = 0;
    dists.forEach(function (d) {
      var n = 0;
      var dText = d.getAttribute("data-text") || "";
      var inAccount = !account || d.getAttribute("data-account") === account;
      d.querySelectorAll("tr.check").forEach(function (row) {
        var ok = inAccount &&
          statuses.indexOf(row.getAttribute("data-status")) >= 0 &&
          (!rule || row.getAttribute("data-rule") === rule) &&
          (!risk || row.getAttribute("data-risk") === risk) &&
          (!text || dText.indexOf(text) >= 0 || (row.getAttribute("data-text") || "").indexOf(text) >= 0);
        row.hidden = !ok;
        if (ok) { n++; }
      });
      d.hidden = n === 0;
      if (n > 0) { shownDists++; }
      shown += n;
    });
    accounts.forEach(function (a) {
      a.hidden = !a.querySelector("article.dist:not([hidden])");
    });
    document.getElementById("shown").textContent =
      shown + " of " + total + " checks in " + shownDists + " of " + dists.length + " " + noun;
    document.getElementById("none-shown").hidden = shown > 0;
  }

  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; }
  }

  if (form) {
    form.hidden = false;
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.querySelector("button[type=reset]").addEventListener("click", function (e) {
      e.preventDefault();
      form.reset();
      apply();
    });
    apply();
  }
  // A link to a remediation opens it before the browser scrolls to it.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[href^='#']");
    var el = a && document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
    if (el && el.tagName === "DETAILS") { el.open = true; }
  });
  window.addEventListener("hashchange", openTarget);
  openTarget();

  // Print every remediation, then put the page back as it was.
  var closed = [];
  window.addEventListener("beforeprint", function () {
    closed = Array.prototype.slice.call(document.querySelectorAll("details:not([open])"));
    closed.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closed.forEach(function (d) { d.open = false; });
    closed = [];
  });
})();
