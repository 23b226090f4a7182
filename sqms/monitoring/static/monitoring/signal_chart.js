// Draws the control charts embedded with json_script as <script id="X-plotly" type="application/json">
// into the element with id "X" (signal evidence, baselines). No inline script: CSP is script-src 'self'.
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll('script[type="application/json"][id$="-plotly"]').forEach(function (el) {
      var target = document.getElementById(el.id.slice(0, -"-plotly".length));
      if (!target || target.dataset.drawn) { return; }
      var fig = JSON.parse(el.textContent);
      target.dataset.drawn = "1";
      // On a phone the upright period labels take most of the height: give a narrow one more.
      if (fig.layout && fig.layout.height && target.clientWidth && target.clientWidth < 480) {
        fig.layout.height += 140;
      }
      window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, { responsive: true, displaylogo: false });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
})();
