/*
 * newsbot chat page behaviour that Gradio has no setting for. Loaded in the page head.
 *
 * - A click on a citation [n] scrolls the sources column (and nothing else) to that card and
 *   marks it selected; on a phone it first opens the sources as a sheet over the answer.
 * - The sheet closes back to the answer (its button, or Escape).
 * - Chat messages' aria-label is the message's text, not its HTML.
 * - The date boxes' calendar opens on the index's newest day when the box is empty.
 * - Inside a frame (the widget): Escape asks the embedding page to close the panel, and the
 *   Library tab is not shown.
 */
(function () {
  "use strict";
  if (window.newsbotChat) return;

  var PHONE = "(max-width: 640px)";
  var embedded = window.self !== window.top;
  var MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august",
    "september", "october", "november", "december"];
  if (embedded) document.documentElement.classList.add("nb-embedded");

  function side() { return document.getElementById("nb-side"); }

  function openSheet() {
    document.body.classList.add("nb-sheet-is-open");
    // Gradio scopes the page's CSS under its container: the rule keys on the column itself.
    if (side()) side().classList.add("nb-sheet-is-open");
    var close = document.querySelector("#nb-side .nb-sheet-close");
    if (close) close.focus({ preventScroll: true });
  }

  function closeSheet() {
    if (!document.body.classList.contains("nb-sheet-is-open")) return false;
    document.body.classList.remove("nb-sheet-is-open");
    if (side()) side().classList.remove("nb-sheet-is-open");
    var opener = document.querySelector(".nb-sheet-open");
    if (opener) opener.focus({ preventScroll: true });
    return true;
  }

  function showCard(id) {
    var card = document.getElementById(id);
    var column = side();
    if (!card || !column) return;
    if (window.matchMedia(PHONE).matches) openSheet();
    var top = card.getBoundingClientRect().top - column.getBoundingClientRect().top;
    column.scrollTop += top - 8;
    document.querySelectorAll(".nb-source.nb-selected").forEach(function (other) {
      other.classList.remove("nb-selected");
    });
    card.classList.add("nb-selected");
    card.focus({ preventScroll: true });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var cite = target.closest("a.nb-cite");
    if (cite) {
      event.preventDefault(); // no jump to the #anchor: that scrolls every column
      showCard((cite.getAttribute("href") || "").slice(1));
      return;
    }
    if (target.closest(".nb-sheet-open")) { openSheet(); return; }
    if (target.closest(".nb-sheet-close")) { closeSheet(); return; }
    if (target.closest("#nb-clear-filters")) {
      // Text the date boxes could not read never reached the server: empty the boxes here.
      document.querySelectorAll("#nb-since input.time, #nb-until input.time").forEach(
        function (box) {
          box.value = "";
          box.dispatchEvent(new Event("input", { bubbles: true }));
        });
      return;
    }
    if (target.closest(".nb-clear-filters")) {
      var clear = document.getElementById("nb-clear-filters");
      if (clear) clear.click();
      return;
    }
    var calendar = target.closest("#nb-since button.calendar, #nb-until button.calendar");
    if (calendar) setTimeout(function () { toNewestMonth(calendar); }, 30);
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    // Escape in a filter box closes that box's own list first, not the sheet.
    var inSheet = event.target instanceof Element && event.target.closest("#nb-side");
    if (inSheet && event.target.matches("input, textarea")) return;
    if (closeSheet()) return;
    if (embedded && !event.defaultPrevented) {
      window.parent.postMessage({ newsbot: "close" }, "*");
    }
  });

  // Gradio's upload request carries no field of ours: the admin key typed in the Library goes
  // with it as a cookie of this page only (the server checks it before storing any file).
  document.addEventListener("input", function (event) {
    var box = event.target instanceof Element && event.target.closest("#nb-admin-key");
    if (!box) return;
    document.cookie = "newsbot_admin_key=" + encodeURIComponent(event.target.value) +
      "; path=/; SameSite=Strict" + (location.protocol === "https:" ? "; Secure" : "");
  }, true);

  // The calendar opens on today; an index that ends years earlier is then out of reach.
  function toNewestMonth(button) {
    var box = button.closest(".timebox");
    var newest = document.querySelector("#nb-index-range [data-newest]");
    var picker = document.querySelector(".picker-container .picker");
    if (!box || !newest || !picker || box.querySelector("input.time").value.trim()) return;
    var day = newest.getAttribute("data-newest").split("-");
    var want = Number(day[0]) * 12 + Number(day[1]) - 1;
    var shown = picker.querySelector(".month-year").textContent.trim().toLowerCase().split(/\s+/);
    var diff = Number(shown[1]) * 12 + MONTHS.indexOf(shown[0]) - want;
    var navs = picker.querySelectorAll(".picker-header .nav-button");
    for (var i = 0; i < Math.abs(diff) && i < 1200; i++) navs[diff > 0 ? 0 : 1].click();
  }

  // Gradio labels each message with its content, which for an answer is HTML: use the text.
  function fixLabels(root) {
    root.querySelectorAll("[aria-label*='<']").forEach(function (element) {
      var label = element.getAttribute("aria-label");
      var who = label.slice(0, label.indexOf(":") + 1);
      var text = element.textContent.replace(/\s+/g, " ").trim();
      var fixed = (who ? who + " " : "") + text.slice(0, 500);
      // An article's text may itself hold "<": set once, or this would observe itself forever.
      if (label !== fixed) element.setAttribute("aria-label", fixed);
    });
  }

  function typed(id, value) {
    var box = document.querySelector("#" + id + " input.time");
    return box ? box.value : value;
  }

  function start() {
    fixLabels(document.body);
    new MutationObserver(function () { fixLabels(document.body); }).observe(document.body, {
      subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"] });
  }

  window.newsbotChat = { typed: typed, showCard: showCard, openSheet: openSheet,
    closeSheet: closeSheet };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
