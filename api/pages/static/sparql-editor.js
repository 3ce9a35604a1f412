// Starts the YASGUI query editor on the /sparql page, aimed at this server's endpoint.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = window.location.origin + window.location.pathname;
  // Only the completers that work offline: the class and property completers would
  // ask a vocabulary service on another origin.
  Yasgui.Yasqe.defaults.autocompleters = ["prefixes", "variables"];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: endpoint, method: "POST" },
    endpointCatalogueOptions: {
      getData: function () {
        return [{ endpoint: endpoint }];
      },
    },
    yasqe: { value: config.defaultQuery, collapsePrefixesOnLoad: true, editorHeight: "360px" },
    // Start from the page's own query every time rather than from a stored session.
    persistenceId: null,
  });
  window.smqiEditor = yasgui;
})();
