/*
 * newsbot widget: one tag adds a chat button to any page; the button opens the newsbot chat in
 * a panel.
 *
 *   <script src="https://NEWSBOT-HOST/widget.js" data-title="Ask the news desk" defer></script>
 *
 * Optional attributes: data-title (button and panel title), data-position ("right" or "left").
 *
 * No CSS leaks either way: the button and panel live in a shadow root (the page's selectors do
 * not reach inside, the widget's do not reach out), and the host element resets every
 * inherited property with inline !important styles, which no page stylesheet outranks. The
 * chat itself runs in an iframe from the newsbot server, so the page never sees article text.
 * The page can also call window.newsbotWidget.open() / .close().
 *
 * The server fills in the origins allowed to frame the chat (its `embed_origins` setting). On
 * any other page the panel says what to configure, with a link that opens the chat in a new
 * tab, instead of a frame the browser would refuse. Escape closes the panel, also while the
 * focus is inside the chat (the chat posts a "close" message to this page).
 */
(function () {
  "use strict";
  if (window.newsbotWidget) return; // the tag included twice: one button is enough

  var script = document.currentScript;
  if (!script) {
    var candidates = document.querySelectorAll('script[src*="widget.js"]');
    script = candidates[candidates.length - 1];
  }
  if (!script) return;

  var chatUrl = new URL("ui/", new URL(".", script.src)).href;
  var chatOrigin = new URL(chatUrl).origin;
  var EMBED_ORIGINS = /*EMBED_ORIGINS*/[];
  var title = (script.getAttribute("data-title") || "Ask the news").slice(0, 80);
  var side = script.getAttribute("data-position") === "left" ? "left" : "right";

  var STYLE =
    ":host{all:initial}" +
    "*{box-sizing:border-box}" +
    ".launcher{position:fixed;bottom:20px;" + side + ":20px;display:flex;align-items:center;" +
    "gap:8px;padding:12px 18px;border:0;border-radius:999px;background:#1d4ed8;color:#fff;" +
    "font:600 15px/1.2 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;cursor:pointer;" +
    "box-shadow:0 6px 20px rgba(0,0,0,.25);z-index:2147483646}" +
    ".launcher:hover{background:#1e40af}" +
    ".launcher:focus-visible,.close:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}" +
    ".launcher svg{width:18px;height:18px;fill:currentColor}" +
    ".panel{position:fixed;bottom:84px;" + side + ":20px;width:min(440px,calc(100vw - 40px));" +
    "height:min(680px,calc(100vh - 110px));display:flex;flex-direction:column;background:#fff;" +
    "border-radius:12px;overflow:hidden;box-shadow:0 12px 40px rgba(0,0,0,.3);" +
    "z-index:2147483647}" +
    ".panel[hidden]{display:none}" +
    ".bar{display:flex;align-items:center;justify-content:space-between;padding:10px 14px;" +
    "background:#1d4ed8;color:#fff;font:600 15px/1.2 system-ui,-apple-system,'Segoe UI'," +
    "Roboto,sans-serif}" +
    ".close{border:0;background:transparent;color:#fff;font:400 22px/1 system-ui,sans-serif;" +
    "cursor:pointer;padding:0 4px}" +
    "iframe{flex:1;width:100%;border:0;background:#fff}" +
    ".help{flex:1;overflow:auto;padding:16px 18px;color:#1f2937;" +
    "font:400 15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}" +
    ".help p{margin:0 0 12px}.help code{font:13px/1.4 ui-monospace,monospace;" +
    "background:#f3f4f6;border-radius:4px;padding:1px 4px;overflow-wrap:anywhere}" +
    ".help a{color:#1d4ed8;font-weight:600}" +
    "@media (max-width:480px){.panel{inset:0;width:100vw;height:100vh;border-radius:0}}";

  var ICON = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v9a2 ' +
    '2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/></svg>';

  function mount() {
    var host = document.createElement("newsbot-widget");
    host.style.cssText = "all:initial !important;display:block !important;" +
      "position:static !important;";
    var root = host.attachShadow({ mode: "open" });
    root.innerHTML =
      "<style>" + STYLE + "</style>" +
      '<button class="launcher" type="button" aria-haspopup="dialog" aria-expanded="false" ' +
      'aria-controls="newsbot-panel">' + ICON + '<span class="label"></span></button>' +
      '<div class="panel" id="newsbot-panel" role="dialog" hidden>' +
      '<div class="bar"><span class="title"></span>' +
      '<button class="close" type="button" aria-label="Close">\u00d7</button></div></div>';
    // The title is the embedding page's text: set as text, never parsed as HTML.
    root.querySelector(".label").textContent = title;
    root.querySelector(".title").textContent = title;
    var launcher = root.querySelector(".launcher");
    var panel = root.querySelector(".panel");
    panel.setAttribute("aria-label", title);
    var frame = null;
    var help = null;

    function allowed(origin) {
      if (origin === chatOrigin) return true;
      return EMBED_ORIGINS.some(function (pattern) {
        if (pattern.indexOf("*.") < 0) return pattern === origin;
        var parts = pattern.split("*.");
        var escape = function (t) { return t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); };
        return new RegExp("^" + escape(parts[0]) + "([a-zA-Z0-9-]+\\.)+" + escape(parts[1]) + "$")
          .test(origin);
      });
    }

    // Shown instead of the frame on a page whose origin the server does not list.
    function showHelp() {
      help = document.createElement("div");
      help.className = "help";
      help.setAttribute("tabindex", "-1");
      var lines = [
        ["This page cannot show the newsbot chat: its address, ", "code",
          window.location.origin, ", is not in the server's ", "code", "embed_origins",
          " setting."],
        ["To allow it, the newsbot administrator adds it, e.g. ", "code",
          'embed_origins = ["' + window.location.origin + '"]', " in newsbot.toml or ",
          "code", "NEWSBOT_EMBED_ORIGINS", ", and restarts newsbot."]];
      lines.forEach(function (parts) {
        var p = document.createElement("p");
        for (var i = 0; i < parts.length; i++) {
          if (parts[i] === "code") {
            var code = document.createElement("code");
            code.textContent = parts[++i];
            p.appendChild(code);
          } else {
            p.appendChild(document.createTextNode(parts[i]));
          }
        }
        help.appendChild(p);
      });
      var link = document.createElement("a");
      link.href = chatUrl;
      link.target = "_blank";
      link.rel = "noopener";
      link.className = "open-tab";
      link.textContent = "Open the chat in a new tab";
      var last = document.createElement("p");
      last.appendChild(link);
      help.appendChild(last);
      panel.appendChild(help);
    }

    function open() {
      if (!frame && !help && !allowed(window.location.origin)) showHelp();
      if (!frame && !help) { // the chat loads on first open, not with every intranet page view
        frame = document.createElement("iframe");
        frame.src = chatUrl;
        frame.title = title;
        frame.setAttribute("allow", "clipboard-write");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        panel.appendChild(frame);
      }
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      (frame || help.querySelector("a")).focus();
    }

    function close() {
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.focus();
    }

    launcher.addEventListener("click", function () { panel.hidden ? open() : close(); });
    root.querySelector(".close").addEventListener("click", close);
    root.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && !panel.hidden) close();
    });
    // Keys pressed in the chat stay in its frame: the chat asks for the close instead.
    window.addEventListener("message", function (event) {
      if (frame && event.source === frame.contentWindow && event.origin === chatOrigin &&
          event.data && event.data.newsbot === "close" && !panel.hidden) close();
    });
    document.body.appendChild(host);
    window.newsbotWidget = { open: open, close: close, chatUrl: chatUrl };
  }

  window.newsbotWidget = { pending: true };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
