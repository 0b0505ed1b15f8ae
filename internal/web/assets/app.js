// cloudassure dashboard: draws the posture charts with uPlot from the JSON the
// page carries. Everything else works without this script.
(function () {
  "use strict";
  var palette = ["#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e", "#57606a", "#0a7ea4"];

  function draw() {
    var el = document.getElementById("chart-json");
    if (!el || typeof uPlot === "undefined") { return; }
    var data = JSON.parse(el.textContent);
    document.querySelectorAll(".chart[data-series]").forEach(function (box) {
      var series = data[box.getAttribute("data-series")] || [];
      box.textContent = "";
      if (!series.length) {
        box.textContent = "No complete scan in this range.";
        box.setAttribute("data-points", "0");
        return;
      }
      var tables = series.map(function (s) { return [s.times, s.values]; });
      var joined = uPlot.join(tables);
      var width = Math.max(260, box.clientWidth || 600);
      var opts = {
        width: width,
        height: 220,
        scales: { y: { range: [0, 100] } },
        axes: [{}, { size: 56, values: function (u, vals) { return vals.map(function (v) { return v + " %"; }); } }],
        series: [{}].concat(series.map(function (s, i) {
          return { label: s.label, stroke: palette[i % palette.length], width: 2, spanGaps: true,
            points: { show: true, size: 5 }, value: function (u, v) { return v == null ? "—" : v + " %"; } };
        })),
      };
      var plot = new uPlot(opts, joined, box);
      window.addEventListener("resize", function () {
        plot.setSize({ width: Math.max(280, box.clientWidth || 600), height: 220 });
      });
      var points = 0;
      series.forEach(function (s) { points += s.times.length; });
      box.setAttribute("data-points", String(points));
      box.setAttribute("data-drawn", String(plot.data[0].length));
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
