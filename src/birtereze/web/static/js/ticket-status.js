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
  var arrive = document.getElementById("ticket-arrive");
  var arriveButton = document.getElementById("arrive-button");
  var arriveMessage = document.getElementById("arrive-message");
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
    if (arrive) {
      arrive.hidden = !next.hasAttribute("data-awaiting-arrival");
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

  // A remote ticket: "I am at the centre" checks it in by the phone's location (the server compares it
  // with the centre's; the point is not stored). Denied or too far: the message says what to do instead.
  function say(text) {
    arriveMessage.textContent = text;
    arriveMessage.hidden = !text;
  }

  function arriveHere() {
    if (!navigator.geolocation) {
      say(arrive.getAttribute("data-text-unavailable"));
      return;
    }
    arriveButton.disabled = true;
    say(arrive.getAttribute("data-text-checking"));
    navigator.geolocation.getCurrentPosition(
      async function (position) {
        try {
          var response = await fetch(arrive.getAttribute("data-arrive-url"), {
            method: "POST",
            cache: "no-store",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              "Accept-Language": arrive.getAttribute("data-locale"),
            },
            body: JSON.stringify({
              latitude: position.coords.latitude,
              longitude: position.coords.longitude,
              accuracy_m: position.coords.accuracy || 0,
            }),
          });
          if (response.ok) {
            say("");
            arrive.hidden = true;
            await refresh();
            return;
          }
          var problem = {};
          try {
            problem = await response.json();
          } catch (error) {
            // Not problem+json: the general message below.
          }
          say(problem.detail || arrive.getAttribute("data-text-failed"));
        } catch (error) {
          say(arrive.getAttribute("data-text-failed"));
        } finally {
          arriveButton.disabled = false;
        }
      },
      function (error) {
        arriveButton.disabled = false;
        say(
          arrive.getAttribute(
            error.code === error.PERMISSION_DENIED ? "data-text-denied" : "data-text-unavailable"
          )
        );
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 }
    );
  }

  if (arrive && arriveButton && arriveMessage) {
    arriveButton.addEventListener("click", arriveHere);
  }

  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      refresh();
    }
  });
})();
