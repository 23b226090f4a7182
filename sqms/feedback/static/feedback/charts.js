// Draw every Plotly figure embedded as <script type="application/json" id="<chart id>-data">.
document.addEventListener("DOMContentLoaded", function () {
  if (!window.Plotly) return;
  document.querySelectorAll(".plotly-chart").forEach(function (el) {
    var data = document.getElementById(el.id + "-data");
    if (!data) return;
    var fig = JSON.parse(data.textContent);
    window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
  });
});
