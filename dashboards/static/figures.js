// Draws every figure a page carries as data. Pages hold no inline script: their
// Content-Security-Policy runs only scripts served by the dashboard itself.
(function () {
  function draw() {
    document.querySelectorAll("div[data-figure]").forEach(function (div) {
      var spec = JSON.parse(div.getAttribute("data-figure"));
      Plotly.newPlot(div, spec.figure.data, spec.figure.layout, spec.config);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
