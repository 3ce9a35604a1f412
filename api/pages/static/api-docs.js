// Starts Swagger UI on /docs over this server's OpenAPI document (no inline script: CSP).
(function () {
  "use strict";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    // no links nested inside the operations' summary buttons (axe: nested-interactive)
    deepLinking: false,
    // no "valid" badge: it would load an image from a validator on another origin
    validatorUrl: null,
    // the schemas appear with each operation; the separate list of them is left out
    defaultModelsExpandDepth: -1,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
