// Draws the dashboard figures embedded with json_script as <script id="X-plotly"
// type="application/json"> into the element with id "X" (no inline script: the CSP allows
// script-src 'self' only), again after every htmx swap, and opens the URL a clicked point or
// heatmap cell carries in its customdata (a control chart point carries its period start, which
// is appended to the figure's "drill" URL).
(function () {
  "use strict";

  function urlOf(point, fig) {
    var data = point && point.customdata;
    if (Array.isArray(data)) { data = data[0]; }
    if (typeof data !== "string") { return null; }
    if (data.charAt(0) === "/") { return data; }
    return fig && fig.drill ? fig.drill + encodeURIComponent(data) : null;
  }

  function draw(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll('script[type="application/json"][id$="-plotly"]').forEach(function (el) {
      var target = document.getElementById(el.id.slice(0, -"-plotly".length));
      if (!target || target.dataset.drawn === "1") { return; }
      var fig = JSON.parse(el.textContent);
      target.dataset.drawn = "1";
      window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, {
        responsive: true,
        displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"]
      }).then(function () {
        target.on("plotly_click", function (event) {
          var url = event && event.points && event.points.length ? urlOf(event.points[0], fig) : null;
          if (url) { window.location.assign(url); }
        });
        target.setAttribute("data-ready", "1");
      });
      // Follow the card's width (phone rotation, sidebar, window resize).
      if (window.ResizeObserver) {
        new window.ResizeObserver(function () {
          if (target.isConnected) { window.Plotly.Plots.resize(target); }
        }).observe(target);
      }
    });
  }

  function start() {
    draw(document);
    // After an htmx swap the new figures are drawn; drawn ones are marked and skipped.
    document.body.addEventListener("htmx:afterSettle", function () { draw(document); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
