// Starts Swagger UI on /docs over this server's OpenAPI document (no inline script: CSP).
(function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    // no "valid" badge: it would load an image from a validator on another origin
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
