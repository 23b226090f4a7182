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

  // Plotly's resize is debounced and its promise never settles when the relayout behind it
  // fails, so one lost resize would leave the chart wider than its card for good. Resize, then
  // look again a moment later and retry a few times while the drawn width differs.
  var FIT_TRIES = 5;
  var FIT_RECHECK_MS = 300;

  function fit(target, tries) {
    if (!target.isConnected || !target._fullLayout) { return; }
    var width = target.getBoundingClientRect().width;
    if (!width || Math.abs(target._fullLayout.width - width) <= 1) { return; }
    window.Plotly.Plots.resize(target).catch(function () { return null; });
    if (tries > 1) {
      window.setTimeout(function () { fit(target, tries - 1); }, FIT_RECHECK_MS);
    }
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
        // The card may have changed width while the figure was drawn.
        fit(target, FIT_TRIES);
      });
      // Follow the card's width (phone rotation, sidebar, window resize).
      if (window.ResizeObserver) {
        new window.ResizeObserver(function () { fit(target, FIT_TRIES); }).observe(target);
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
