// The evidence map's PNG download: draws the map's SVG export (same origin) onto a canvas.
// The page works without this script; it only adds the PNG button.
(function () {
  "use strict";
  var button = document.getElementById("export-png");
  if (!button || !window.HTMLCanvasElement) {
    return;
  }
  button.parentElement.hidden = false;
  button.addEventListener("click", function () {
    var image = new Image();
    image.onload = function () {
      var scale = 2; // sharp on high-density screens and in print
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * scale;
      canvas.height = image.naturalHeight * scale;
      var context = canvas.getContext("2d");
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      canvas.toBlob(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = "evidence-map.png";
        document.body.appendChild(link);
        link.click();
        window.smqiMapPng = blob; // for tests: the last PNG made
        setTimeout(function () {
          URL.revokeObjectURL(link.href);
          link.remove();
        }, 1000);
      }, "image/png");
    };
    image.src = button.getAttribute("data-svg");
  });
})();
