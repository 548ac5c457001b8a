// The manager's staffing page: tabs, charts (Chart.js, vendored), the twin's what-if, and the roster's
// cell edits. Every sentence comes from the server (templates and problem+json details), so the
// catalogs stay the one place for text. The bearer token is the staff pages' (staff.js), sent as an
// Authorization header with every request.
(function () {
  "use strict";
  var root = document.getElementById("staffing");
  if (!root || !window.fetch) {
    return;
  }
  document.documentElement.classList.add("js");

  var headers = window.birtereze.headers;

  async function send(method, url, body) {
    try {
      var response = await fetch(url, {
        method: method,
        headers: headers(true),
        body: JSON.stringify(body),
        credentials: "same-origin",
        cache: "no-store",
      });
      var text = await response.text();
      if (response.ok) {
        return { ok: true, html: text };
      }
      try {
        var problem = JSON.parse(text);
        return { ok: false, message: problem.detail || problem.title };
      } catch (error) {
        return { ok: false, message: root.getAttribute("data-error-text") };
      }
    } catch (error) {
      return { ok: false, message: root.getAttribute("data-error-text") };
    }
  }

  // --- tabs ------------------------------------------------------------------------------------
  var tabs = Array.prototype.slice.call(root.querySelectorAll('[role="tab"]'));

  function select(tab, focus) {
    tabs.forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    });
    if (focus) {
      tab.focus();
    }
    if (window.history.replaceState) {
      window.history.replaceState(null, "", "#" + tab.getAttribute("aria-controls"));
    }
    drawCharts(document.getElementById(tab.getAttribute("aria-controls")));
  }

  tabs.forEach(function (tab, index) {
    tab.addEventListener("click", function () {
      select(tab, false);
    });
    tab.addEventListener("keydown", function (event) {
      var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
      if (step) {
        event.preventDefault();
        select(tabs[(index + step + tabs.length) % tabs.length], true);
      }
    });
  });

  // --- charts ----------------------------------------------------------------------------------
  function drawCharts(scope) {
    if (!window.Chart || !scope || scope.hidden) {
      return;
    }
    scope.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.chart) {
        return;
      }
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      canvas.chart = window.birtereze.chart(canvas, JSON.parse(source.textContent));
    });
  }

  // --- the twin's what-if ----------------------------------------------------------------------
  var whatIf = document.getElementById("what-if-form");
  if (whatIf) {
    whatIf.addEventListener("submit", async function (event) {
      event.preventDefault();
      var button = whatIf.querySelector("button");
      var result = document.getElementById("what-if-result");
      button.disabled = true;
      whatIf.setAttribute("aria-busy", "true");
      var answer = await send("POST", root.getAttribute("data-what-if-url"), {
        day: whatIf.getAttribute("data-day"),
        opens_at: whatIf.elements.opens_at.value,
        zone_id: Number(whatIf.elements.zone_id.value),
      });
      button.disabled = false;
      whatIf.removeAttribute("aria-busy");
      if (answer.ok) {
        result.innerHTML = answer.html;
        drawCharts(result);
      } else {
        result.replaceChildren();
        var message = document.createElement("p");
        message.className = "notice";
        message.setAttribute("role", "alert");
        message.textContent = answer.message;
        result.appendChild(message);
      }
    });
  }

  // --- the roster ------------------------------------------------------------------------------
  var rosterBody = document.getElementById("roster-body");

  function showMessage(id, text) {
    var element = document.getElementById(id);
    if (element) {
      element.textContent = text;
      element.hidden = !text;
    }
  }

  function replaceRoster(html) {
    rosterBody.innerHTML = html;
  }

  var editing = null;

  function openEditor(button) {
    var dialog = document.getElementById("shift-dialog");
    var form = document.getElementById("shift-form");
    editing = { staff: Number(button.getAttribute("data-staff")), day: button.getAttribute("data-day") };
    document.getElementById("shift-dialog-who").textContent =
      button.getAttribute("data-name") + " · " + button.getAttribute("data-day");
    var zone = button.getAttribute("data-zone");
    form.elements.off.checked = !button.getAttribute("data-start");
    if (zone) {
      form.elements.zone_id.value = zone;
    }
    form.elements.start.value = button.getAttribute("data-start");
    form.elements.end.value = button.getAttribute("data-end");
    form.elements.lunch_start.value = button.getAttribute("data-lunch");
    ["zone_id", "start", "end", "lunch_start"].forEach(function (name) {
      form.elements[name].disabled = form.elements.off.checked;
    });
    showMessage("shift-error", "");
    dialog.showModal();
  }

  async function saveShift(form) {
    var week = rosterBody.querySelector(".roster").getAttribute("data-week");
    var off = form.elements.off.checked;
    var body = { week: week, staff_id: editing.staff, day: editing.day };
    if (!off) {
      body.zone_id = Number(form.elements.zone_id.value);
      body.start = form.elements.start.value || null;
      body.end = form.elements.end.value || null;
      body.lunch_start = form.elements.lunch_start.value || null;
    }
    var answer = await send("PUT", root.getAttribute("data-shift-url"), body);
    if (answer.ok) {
      document.getElementById("shift-dialog").close();
      replaceRoster(answer.html);
      showMessage("roster-message", "");
    } else {
      showMessage("shift-error", answer.message);
    }
  }

  async function makeRoster(button) {
    button.disabled = true;
    showMessage("roster-message", "");
    document.getElementById("roster-busy").hidden = false;
    var answer = await send("POST", root.getAttribute("data-roster-url"), {
      week: button.getAttribute("data-week"),
      time_limit_s: Number(button.getAttribute("data-time-limit")) || 3,
    });
    if (answer.ok) {
      replaceRoster(answer.html);
    } else {
      button.disabled = false;
      document.getElementById("roster-busy").hidden = true;
      showMessage("roster-message", answer.message);
    }
  }

  async function downloadCsv(button) {
    var url = root.getAttribute("data-csv-url") + "&week=" + encodeURIComponent(button.getAttribute("data-week"));
    var response = await fetch(url, { headers: headers(false), credentials: "same-origin", cache: "no-store" });
    if (!response.ok) {
      showMessage("roster-message", root.getAttribute("data-error-text"));
      return;
    }
    var link = document.createElement("a");
    link.href = URL.createObjectURL(await response.blob());
    link.download = "roster-" + button.getAttribute("data-week") + ".csv";
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  if (rosterBody) {
    rosterBody.addEventListener("click", function (event) {
      var button = event.target.closest("[data-action]");
      if (!button) {
        return;
      }
      var action = button.getAttribute("data-action");
      if (action === "edit-shift") {
        openEditor(button);
      } else if (action === "close-dialog") {
        document.getElementById("shift-dialog").close();
      } else if (action === "make-roster") {
        makeRoster(button);
      } else if (action === "download-csv") {
        downloadCsv(button);
      } else if (action === "print") {
        window.print();
      }
    });
    rosterBody.addEventListener("submit", function (event) {
      if (event.target.id === "shift-form") {
        event.preventDefault();
        saveShift(event.target);
      }
    });
    rosterBody.addEventListener("change", function (event) {
      if (event.target.name === "off") {
        var form = event.target.form;
        ["zone_id", "start", "end", "lunch_start"].forEach(function (name) {
          form.elements[name].disabled = event.target.checked;
        });
      }
    });
  }

  var wanted = window.location.hash.slice(1);
  var first = tabs.filter(function (tab) {
    return tab.getAttribute("aria-controls") === wanted;
  })[0] || tabs[0];
  if (first) {
    select(first, false);
  }
})();
