// The citizen's ticket page: every few seconds, fetch the page's changing part from the server and redraw
// it when it changed (a new status, fewer people ahead, the window to go to). Server-rendered, so every
// word stays in the translation catalogs; no library needed.
(function () {
  "use strict";
  var region = document.getElementById("ticket-live");
  if (!region || !window.fetch || !("content" in document.createElement("template"))) {
    return;
  }
  document.documentElement.classList.add("js");
  var url = region.getAttribute("data-refresh-url");
  var every = Math.max(Number(region.getAttribute("data-refresh-seconds")) || 5, 1) * 1000;
  var cancel = document.getElementById("ticket-cancel");
  var busy = false;

  function show(next) {
    var shown = region.firstElementChild;
    if (shown && shown.getAttribute("data-key") === next.getAttribute("data-key")) {
      return;
    }
    region.replaceChildren(next);
    document.title = next.getAttribute("data-title") + " · Birtereze";
    if (cancel) {
      cancel.hidden = next.getAttribute("data-status") !== "waiting";
    }
    if (next.getAttribute("data-status") === "called" && navigator.vibrate) {
      navigator.vibrate([300, 150, 300]);
    }
  }

  async function refresh() {
    var shown = region.firstElementChild;
    if (busy || document.hidden || (shown && shown.hasAttribute("data-final"))) {
      return;
    }
    busy = true;
    try {
      var response = await fetch(url, { cache: "no-store", credentials: "same-origin" });
      if (response.ok) {
        var template = document.createElement("template");
        template.innerHTML = (await response.text()).trim();
        var next = template.content.firstElementChild;
        if (next) {
          show(next);
        }
      }
    } catch (error) {
      // The phone is offline for a moment: the next round tries again.
    } finally {
      busy = false;
    }
  }

  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
})();
