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

    function open() {
      if (!frame) { // the chat loads on first open, not with every intranet page view
        frame = document.createElement("iframe");
        frame.src = chatUrl;
        frame.title = title;
        frame.setAttribute("allow", "clipboard-write");
        frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
        panel.appendChild(frame);
      }
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      frame.focus();
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
    document.body.appendChild(host);
    window.newsbotWidget = { open: open, close: close, chatUrl: chatUrl };
  }

  window.newsbotWidget = { pending: true };
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
