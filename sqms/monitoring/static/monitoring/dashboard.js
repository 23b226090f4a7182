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

  // The chart takes the width the browser's layout gives its card, passed to plotly as an
  // explicit width. Plotly's own autosize is debounced, reads getComputedStyle (which can still
  // hold the old width mid-layout) and its promise never settles when the relayout behind it
  // fails, so one lost resize could leave the chart wider than its card for good. Each fit
  // checks the width actually drawn once the previous relayout has settled, and tries a width
  // at most a few times.
  var MIN_WIDTH = 10; // plotly's smallest layout width
  var FIT_TRIES = 5;
  var SETTLE_MS = 2000;

  function drawnWidth(target) {
    var svg = target.querySelector(".main-svg");
    return svg ? parseFloat(svg.getAttribute("width")) || 0 : 0;
  }

  function fit(target) {
    if (!target.isConnected || target.getAttribute("data-ready") !== "1") { return; }
    if (target._sqmsFitting) { return; }
    var width = Math.floor(target.getBoundingClientRect().width);
    if (width < MIN_WIDTH || Math.abs(drawnWidth(target) - width) <= 1) { return; }
    if (target._sqmsFitWidth !== width) {
      target._sqmsFitWidth = width;
      target._sqmsFitTries = 0;
    }
    if (target._sqmsFitTries >= FIT_TRIES) { return; }
    target._sqmsFitTries += 1;
    target._sqmsFitting = true;
    var settled = false;
    function settle() {
      if (settled) { return; }
      settled = true;
      target._sqmsFitting = false;
      fit(target);
    }
    window.setTimeout(settle, SETTLE_MS);
    try {
      window.Plotly.relayout(target, { width: width }).then(settle, settle);
    } catch (err) {
      settle();
    }
  }

  // On a phone the period labels stand upright under the plot and take most of its height:
  // a narrow figure gets more of it.
  function tallerWhenNarrow(target, layout) {
    if (layout && layout.height && target.clientWidth && target.clientWidth < 480) {
      layout.height += 140;
    }
  }

  function draw(root) {
    if (!window.Plotly) { return; }
    (root || document).querySelectorAll('script[type="application/json"][id$="-plotly"]').forEach(function (el) {
      var target = document.getElementById(el.id.slice(0, -"-plotly".length));
      if (!target || target.dataset.drawn === "1") { return; }
      var fig = JSON.parse(el.textContent);
      target.dataset.drawn = "1";
      tallerWhenNarrow(target, fig.layout);
      window.Plotly.newPlot(target, fig.data || [], fig.layout || {}, {
        displaylogo: false,
        modeBarButtonsToRemove: ["select2d", "lasso2d"]
      }).then(function () {
        target.on("plotly_click", function (event) {
          var url = event && event.points && event.points.length ? urlOf(event.points[0], fig) : null;
          if (url) { window.location.assign(url); }
        });
        target.setAttribute("data-ready", "1");
        // The card may have changed width while the figure was drawn.
        fit(target);
      });
      // Follow the card's width (phone rotation, sidebar, window resize).
      if (window.ResizeObserver) {
        new window.ResizeObserver(function () { fit(target); }).observe(target);
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
