// The operator's console: sign in, then the desk (the window, the ticket at it, the waiting list) as the
// server renders it, refreshed after every operation and whenever the branch's event stream says that
// something changed. Buttons and forms carry the window operation they perform (data-op); the REST API
// does the work and its translated problem details are shown as they come. Every sentence comes from
// the server.
(() => {
  "use strict";
  const root = document.getElementById("console");
  if (!root || !window.fetch) return;
  const data = root.dataset;
  const $ = (id) => document.getElementById(id);
  const desk = $("console-desk");
  const session = window.birtereze;
  const headers = session.headers;
  const problemOf = (response) => session.problem(response, data.errorText);

  function tell(message) {
    const element = $("console-problem");
    element.textContent = message || "";
    element.hidden = !message;
  }

  // --- signing in and out --------------------------------------------------------------------------
  function signedOut() {
    session.remember("");
    disconnect();
    $("console-work").hidden = true;
    $("console-signin").hidden = false;
    $("signin-form").querySelector("input").focus();
  }

  $("signin-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const problem = $("signin-problem");
    problem.hidden = true;
    try {
      const response = await fetch(`${data.tokenUrl}?lang=${data.lang}`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: form.get("username"), password: form.get("password"), name: "console" }),
      });
      if (!response.ok) {
        problem.textContent = await problemOf(response);
        problem.hidden = false;
        return;
      }
      session.remember((await response.json()).access_token);
      event.target.reset();
      await start();
    } catch (error) {
      problem.textContent = data.errorText;
      problem.hidden = false;
    }
  });

  $("console-signout").addEventListener("click", signedOut);

  // --- the desk and the figures --------------------------------------------------------------------
  let branch = null;
  let loading = null;
  let again = false;

  async function refresh() {
    // One load at a time; a change during a load asks for one more afterwards.
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        const response = await fetch(`${data.deskUrl}?lang=${data.lang}`, { headers: headers(false), cache: "no-store" });
        if (response.status === 401) {
          signedOut();
          return;
        }
        if (!response.ok) {
          tell(await problemOf(response));
          return;
        }
        const focused = document.activeElement && document.activeElement.closest("#console-desk") ? document.activeElement : null;
        const openPanels = Array.from(desk.querySelectorAll("details[open]")).map((d) => d.id);
        desk.innerHTML = await response.text();
        for (const id of openPanels) if (id && $(id)) $(id).open = true;
        if (focused && focused.dataset.op) desk.querySelector(`[data-op="${focused.dataset.op}"]`)?.focus();
        const view = desk.firstElementChild;
        root.dataset.screen = view ? view.dataset.view : "";
        connect(view && view.dataset.branch ? view.dataset.branch : null);
      } while (again);
    })();
    try {
      await loading;
    } finally {
      loading = null;
    }
    figures();
  }

  async function figures() {
    const response = await fetch(`${data.figuresUrl}?lang=${data.lang}`, { headers: headers(false), cache: "no-store" });
    if (response.ok) $("console-figures").innerHTML = await response.text();
  }

  async function start() {
    $("console-signin").hidden = true;
    $("console-work").hidden = false;
    await refresh();
  }

  // --- window operations ---------------------------------------------------------------------------
  const windowId = () => desk.firstElementChild && desk.firstElementChild.dataset.window;

  function bodyOf(op, form) {
    if (!form) return undefined;
    const fields = new FormData(form);
    if (op === "transfer") {
      const target = fields.get("target");
      return {
        [target]: Number(fields.get(target)),
        position: fields.get("position"),
        delay_s: Math.round(Number(fields.get("delay_minutes") || 0) * 60),
      };
    }
    const body = {};
    for (const [name, value] of fields) {
      if (name === "window_id") continue;
      if (value === "") continue;
      body[name] = name.endsWith("_id") ? Number(value) : value;
    }
    return body;
  }

  async function operate(op, form, element) {
    if (element && element.dataset.confirm && !window.confirm(element.dataset.confirm)) return;
    tell("");
    let target = windowId();
    let body = bodyOf(op, form);
    if (op === "open") target = new FormData(form).get("window_id");
    if (op === "call") body = { visit_id: Number(element.dataset.visit) };
    // An operation of another resource (a call for help) names its own address and body.
    const url = element && element.dataset.post ? element.dataset.post : `${data.windowsUrl}${target}/${op}`;
    if (element && element.dataset.body) body = JSON.parse(element.dataset.body);
    try {
      const response = await fetch(`${url}?lang=${data.lang}`, {
        method: "POST",
        headers: headers(true),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (response.status === 401) {
        signedOut();
        return;
      }
      if (!response.ok) tell(await problemOf(response));
    } catch (error) {
      tell(data.errorText);
    }
    await refresh();
  }

  desk.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-op], button[data-post]");
    if (button && !button.form) operate(button.dataset.op, null, button);
  });
  desk.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-op]");
    if (!form) return;
    event.preventDefault();
    operate(form.dataset.op, form, form.querySelector("[type=submit]"));
  });

  // --- keyboard shortcuts: a letter, outside the fields ------------------------------------------------
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest("input, select, textarea, [contenteditable]")) return;
    const key = event.key.toLowerCase();
    const target = desk.querySelector(`[data-key="${key}"]`);
    if (!target) return;
    event.preventDefault();
    if (target.tagName === "DETAILS") {
      target.open = true;
      target.querySelector("select, input")?.focus();
    } else {
      target.click();
    }
  });

  // --- the live stream -----------------------------------------------------------------------------
  const TYPES = [
    "ticket.issued", "ticket.called", "ticket.recalled", "ticket.confirmed", "ticket.finished", "ticket.no_show",
    "ticket.transferred", "ticket.cancelled", "ticket.parked", "ticket.resumed", "window.opened", "window.closed",
    "window.break_started", "window.break_ended", "window.ready", "window.profile_changed", "assist.called",
    "assist.answered",
  ];
  let stream = null;
  let streamBranch = null;
  let pending = null;

  function soon() {
    clearTimeout(pending);
    pending = setTimeout(refresh, 250);
  }

  function disconnect() {
    if (stream) stream.close();
    stream = null;
    streamBranch = null;
  }

  function connect(branchId) {
    if (branchId === streamBranch && stream && stream.readyState !== EventSource.CLOSED) return;
    disconnect();
    if (!branchId) return;
    streamBranch = branchId;
    const live = $("console-live");
    stream = new EventSource(`${data.eventsUrl.replace("BRANCH", branchId)}?access_token=${encodeURIComponent(session.token())}`);
    stream.addEventListener("open", () => (live.dataset.live = "true"));
    for (const type of TYPES) stream.addEventListener(type, soon);
    stream.addEventListener("reset", soon);
    stream.addEventListener("error", () => {
      live.dataset.live = "false";
      if (stream && stream.readyState === EventSource.CLOSED) {
        const lost = streamBranch;
        disconnect();
        setTimeout(() => connect(lost), 3000);
      }
    });
  }

  // Minutes waited move on with the clock even when nothing happens.
  setInterval(() => {
    if (!document.hidden && session.token() && !$("console-work").hidden) refresh();
  }, 60000);

  if (session.token()) start();
  else signedOut();
})();
