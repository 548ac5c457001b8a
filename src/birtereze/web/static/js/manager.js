// The branch manager's board: the live panel (calls for help, windows, queues, alerts) and the day's
// figures are server-rendered fragments, fetched again when the branch's event stream says something
// changed; actions (open, close, change a window's profile, answer a call for help) go to the REST API.
// Every sentence comes from the server (templates and problem+json details); the bearer token is the
// staff pages' (staff.js).
(function () {
  "use strict";
  var root = document.getElementById("manager");
  if (!root || !window.fetch) {
    return;
  }
  document.documentElement.classList.add("js");

  var session = window.birtereze;
  var locale = root.getAttribute("data-locale");
  var panel = document.getElementById("manager-panel");
  var kpis = document.getElementById("manager-kpis");
  var message = document.getElementById("manager-message");
  var announcer = document.getElementById("manager-announce");

  var headers = session.headers;

  function say(text) {
    message.textContent = text || "";
  }

  function problemText(response) {
    return session.problem(response, root.getAttribute("data-error-text"));
  }

  // --- the live panel ------------------------------------------------------------------------------
  // A refresh keeps the focused control and any choice made in a list but not yet sent.
  function keep(scope) {
    var focused = document.activeElement && scope.contains(document.activeElement) ? document.activeElement.id : "";
    var chosen = {};
    scope.querySelectorAll("select[data-keep]").forEach(function (select) {
      if (select.dataset.changed === "true") {
        chosen[select.id] = select.value;
      }
    });
    return { focused: focused, chosen: chosen };
  }

  function restore(kept) {
    Object.keys(kept.chosen).forEach(function (id) {
      var select = document.getElementById(id);
      if (select && select.querySelector('option[value="' + kept.chosen[id] + '"]')) {
        select.value = kept.chosen[id];
        select.dataset.changed = "true";
      }
    });
    if (kept.focused) {
      var element = document.getElementById(kept.focused);
      if (element) {
        element.focus();
      }
    }
  }

  var panelBusy = false;
  var panelAgain = false;

  async function refreshPanel() {
    if (panelBusy) {
      panelAgain = true;
      return;
    }
    panelBusy = true;
    try {
      var response = await fetch(root.getAttribute("data-panel-url"), {
        headers: headers(false),
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        var html = await response.text();
        var before = Number((panel.querySelector("[data-calls]") || root).getAttribute("data-calls") || 0);
        var kept = keep(panel);
        panel.innerHTML = html;
        restore(kept);
        var after = Number(panel.querySelector("[data-calls]").getAttribute("data-calls"));
        if (after > before) {
          announcer.textContent = "";
          announcer.textContent = root.getAttribute("data-assist-text");
        }
      }
    } catch (error) {
      // The network is down: the stream's indicator says so; the next event or tick tries again.
    }
    panelBusy = false;
    if (panelAgain) {
      panelAgain = false;
      refreshPanel();
    }
  }

  panel.addEventListener("change", function (event) {
    if (event.target.matches("select[data-keep]")) {
      event.target.dataset.changed = "true";
    }
  });

  // --- the day's figures and charts -----------------------------------------------------------------
  function drawCharts(scope) {
    if (!window.Chart) {
      return;
    }
    scope.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source || canvas.chart) {
        return;
      }
      canvas.chart = window.birtereze.chart(canvas, JSON.parse(source.textContent));
    });
  }

  async function refreshKpis() {
    try {
      var response = await fetch(root.getAttribute("data-kpis-url"), {
        headers: headers(false),
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        var open = kpis.querySelector("details") && kpis.querySelector("details").open;
        kpis.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
          if (canvas.chart) {
            canvas.chart.destroy();
          }
        });
        var kept = keep(kpis);
        kpis.innerHTML = await response.text();
        if (open) {
          kpis.querySelector("details").open = true;
        }
        restore(kept);
        drawCharts(kpis);
      }
    } catch (error) {
      // Tried again after the next change.
    }
  }

  async function downloadCsv(link) {
    var response = await fetch(link.getAttribute("href"), {
      headers: headers(false),
      credentials: "same-origin",
      cache: "no-store",
    });
    if (!response.ok) {
      say(await problemText(response));
      return;
    }
    var file = document.createElement("a");
    file.href = URL.createObjectURL(await response.blob());
    file.download = link.getAttribute("download") || "kpis.csv";
    document.body.appendChild(file);
    file.click();
    file.remove();
  }

  kpis.addEventListener("click", function (event) {
    var link = event.target.closest('[data-action="csv"]');
    if (link) {
      event.preventDefault();
      downloadCsv(link);
    }
  });

  // --- actions ---------------------------------------------------------------------------------------
  async function post(url, body) {
    var separator = url.indexOf("?") < 0 ? "?" : "&";
    try {
      var response = await fetch(url + separator + "lang=" + encodeURIComponent(locale), {
        method: "POST",
        headers: headers(true),
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
      if (response.ok) {
        return null;
      }
      return await problemText(response);
    } catch (error) {
      return root.getAttribute("data-error-text");
    }
  }

  function chosen(id) {
    var select = document.getElementById(id);
    return select && select.value ? Number(select.value) : null;
  }

  async function act(button) {
    var action = button.getAttribute("data-action");
    var windows = root.getAttribute("data-windows-url");
    var problem;
    button.disabled = true;
    say("");
    if (action === "answer") {
      var call = button.getAttribute("data-call");
      var window_id = chosen("assist-window-" + call);
      problem = await post(root.getAttribute("data-calls-url") + call + "/answer", window_id ? { window_id: window_id } : {});
    } else {
      var id = button.getAttribute("data-window");
      var profile = chosen("profile-" + id);
      if (action === "open") {
        problem = await post(windows + id + "/open", { work_profile_id: profile });
      } else if (action === "close") {
        problem = await post(windows + id + "/close", {});
      } else if (action === "profile") {
        problem = await post(windows + id + "/profile", { work_profile_id: profile });
      }
    }
    button.disabled = false;
    say(problem || root.getAttribute("data-done-text"));
    if (!problem) {
      var select = action === "answer" ? null : document.getElementById("profile-" + button.getAttribute("data-window"));
      if (select) {
        select.dataset.changed = "false";
      }
    }
    refreshPanel();
  }

  panel.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-action]");
    if (button && !button.disabled) {
      act(button);
    }
  });

  // --- the live stream -------------------------------------------------------------------------------
  var PANEL_EVENTS = [
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.confirmed", "ticket.no_show",
    "ticket.finished", "ticket.parked", "ticket.resumed", "ticket.transferred", "ticket.cancelled",
    "service.recorded", "window.opened", "window.closed", "window.break_started", "window.break_ended",
    "window.ready", "window.profile_changed", "alert.raised", "alert.cleared", "assist.called",
    "assist.answered",
  ];
  var KPI_DELAY_MS = 3000;
  var panelTimer = null;
  var kpiTimer = null;

  function soon() {
    if (!panelTimer) {
      panelTimer = setTimeout(function () {
        panelTimer = null;
        refreshPanel();
      }, 100);
    }
  }

  function later() {
    if (!kpiTimer) {
      kpiTimer = setTimeout(function () {
        kpiTimer = null;
        refreshKpis();
      }, KPI_DELAY_MS);
    }
  }

  function onEvent(event) {
    soon();
    if (event.type.indexOf("ticket.") === 0 || event.type === "assist.called" || event.type === "assist.answered") {
      later();
    }
  }

  var stream = null;
  function connect() {
    var url = root.getAttribute("data-events-url") + "?access_token=" + encodeURIComponent(session.token());
    stream = new EventSource(url);
    stream.addEventListener("open", function () {
      root.setAttribute("data-live", "true");
      soon(); // what changed while the stream was down
    });
    PANEL_EVENTS.forEach(function (type) {
      stream.addEventListener(type, onEvent);
    });
    stream.addEventListener("reset", function () {
      refreshPanel();
      refreshKpis();
    });
    stream.addEventListener("error", function () {
      root.setAttribute("data-live", "false");
      if (stream.readyState === EventSource.CLOSED) {
        setTimeout(connect, 3000); // else the browser retries by itself
      }
    });
  }

  drawCharts(kpis);
  connect();
  setInterval(refreshPanel, Number(root.getAttribute("data-refresh-s")) * 1000);
})();
