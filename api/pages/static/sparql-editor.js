// Starts the YASGUI query editor on the /sparql page, aimed at this server's endpoint.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("editor-config").textContent);
  var endpoint = window.location.origin + window.location.pathname;
  var localIris = config.localIris || {};

  // The results table: a literal shows its plain value (not "2013"^^xsd:integer), and an
  // IRI this server dereferences links to its page here rather than to its w3id.org name.
  var Table = Yasgui.Yasr.plugins.table;
  var formatLiteral = Table.prototype.formatLiteral;
  Table.prototype.formatLiteral = function (binding, prefixes) {
    var saved = this.persistentConfig.compact;
    this.persistentConfig.compact = true; // YASR's compact form is the plain value
    try {
      return formatLiteral.call(this, binding, prefixes);
    } finally {
      this.persistentConfig.compact = saved;
    }
  };
  var uriLink = Table.prototype.getUriLinkFromBinding;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    var html = uriLink.call(this, binding, prefixes);
    Object.keys(localIris).forEach(function (base) {
      if (binding.value.indexOf(base) === 0) {
        var local = localIris[base] + binding.value.substring(base.length);
        // YASR writes href='...' with the IRI as given; IRIs hold no quote
        html = html.split("href='" + binding.value + "'").join("href='" + local + "'");
      }
    });
    return html;
  };

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
