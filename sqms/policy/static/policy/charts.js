// Draws each Plotly figure embedded with json_script as <script id="X-plotly" type="application/json">
// into the element with id "X". No inline script: the CSP allows script-src 'self' only.
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) { return; }
    document.querySelectorAll('script[type="application/json"][id$="-plotly"]').forEach(function (el) {
      var target = document.getElementById(el.id.slice(0, -"-plotly".length));
      if (!target) { return; }
      var fig = JSON.parse(el.textContent);
      window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, { responsive: true, displaylogo: false });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
