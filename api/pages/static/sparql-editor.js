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
  // An IRI is linked only when it is an http(s) URL: a store may hold anything, and a
  // javascript:, data: or vbscript: IRI is shown as text.
  var linkable = /^https?:\/\//i;
  function escaped(text) {
    return text.replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }
  var uriLink = Table.prototype.getUriLinkFromBinding;
  Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
    if (!linkable.test(binding.value)) {
      return "<span class='iri'>" + escaped("<" + binding.value + ">") + "</span>";
    }
    var html = uriLink.call(this, binding, prefixes);
    Object.keys(localIris).forEach(function (base) {
      if (binding.value.indexOf(base) === 0) {
        var local = localIris[base] + binding.value.substring(base.length);
        // the link as YASR writes it (href='...') or as its sanitiser returns it (href="...")
        ["'", '"'].forEach(function (quote) {
          html = html.split("href=" + quote + binding.value + quote).join("href=" + quote + local + quote);
        });
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

  // What YASGUI leaves unnamed or misnested for assistive technology: its text areas and
  // endpoint field get names, and the add-tab button leaves the tab list (a tablist may
  // hold only tabs).
  function label() {
    document.querySelectorAll("#yasgui textarea").forEach(function (area) {
      area.setAttribute("aria-label", "SPARQL query");
    });
    document.querySelectorAll("#yasgui input.autocomplete").forEach(function (input) {
      input.setAttribute("aria-label", "SPARQL endpoint");
    });
    // a long query scrolls inside the editor: keyboard users can reach and scroll it
    document.querySelectorAll("#yasgui .CodeMirror-scroll").forEach(function (scroller) {
      scroller.setAttribute("tabindex", "0");
      scroller.setAttribute("aria-label", "SPARQL query, scrollable");
    });
    var list = document.querySelector("#yasgui .tabsList");
    var add = list && list.querySelector(".addTab");
    if (add && add.parentElement.parentElement === list) {
      list.parentElement.insertBefore(add.parentElement, list.nextSibling);
    }
  }
  label();
  yasgui.on("tabChange", label);
  yasgui.on("tabAdd", function () {
    setTimeout(label, 0);
  });
})();
