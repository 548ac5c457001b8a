// The hall's kiosk: language → service (by zone, by life situation, or searched) with the priority
// categories → the ticket, shown and printed; back to the first screen when left alone. Every sentence
// comes from the server (the page, its fragments and the API's translated problem details).
(() => {
  "use strict";
  const kiosk = document.getElementById("kiosk");
  const data = kiosk.dataset;
  const $ = (id) => document.getElementById(id);
  const screens = { start: $("kiosk-start"), services: $("kiosk-services"), ticket: $("kiosk-ticket") };
  const auth = { Authorization: `Bearer ${data.token}` };
  let current = "start";

  function show(name) {
    current = name;
    for (const [key, screen] of Object.entries(screens)) screen.hidden = key !== name;
    kiosk.dataset.screen = name;
    const heading = screens[name].querySelector("h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus({ preventScroll: true });
    }
    window.scrollTo(0, 0);
    idle();
  }

  // --- going back to the start when nobody touches the screen ---------------------------------------
  let timer = null;
  function idle() {
    clearTimeout(timer);
    if (current === "start") return;
    const seconds = Number(current === "ticket" ? data.ticketSeconds : data.idleSeconds);
    timer = setTimeout(restart, seconds * 1000);
  }
  function restart() {
    window.location.assign(data.startUrl); // the first screen, in Kazakh, with nothing remembered
  }
  for (const type of ["pointerdown", "keydown", "input"]) document.addEventListener(type, idle, { passive: true });

  // --- problems, in the API's words ------------------------------------------------------------------
  async function problemOf(response) {
    try {
      const problem = await response.json();
      return problem.detail || problem.title || data.errorText;
    } catch (error) {
      return data.errorText;
    }
  }
  function tell(element, message) {
    element.textContent = message;
    element.hidden = !message;
  }

  // --- priority categories: one at most ----------------------------------------------------------------
  const priorities = Array.from(document.querySelectorAll(".kiosk__priority"));
  for (const button of priorities) {
    button.addEventListener("click", () => {
      const chosen = button.getAttribute("aria-pressed") !== "true";
      for (const other of priorities) other.setAttribute("aria-pressed", "false");
      button.setAttribute("aria-pressed", String(chosen));
    });
  }
  const priority = () => priorities.find((b) => b.getAttribute("aria-pressed") === "true")?.dataset.priority;

  // --- tabs and search ---------------------------------------------------------------------------------
  const tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  function select(tab) {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
  }
  for (const tab of tabs) {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
      const next = tabs[(tabs.indexOf(tab) + (event.key === "ArrowRight" ? 1 : tabs.length - 1)) % tabs.length];
      select(next);
      next.focus();
    });
  }

  const search = $("kiosk-search");
  search.addEventListener("input", () => {
    const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    if (words.length && tabs.length) select(tabs[0]); // search the zones' list: every service once
    let found = 0;
    for (const group of document.querySelectorAll("#by-zone .kiosk__group")) {
      let shown = 0;
      for (const button of group.querySelectorAll(".kiosk__service")) {
        const match = words.every((word) => button.dataset.search.includes(word));
        button.parentElement.hidden = !match;
        shown += match ? 1 : 0;
      }
      group.hidden = shown === 0;
      found += shown;
    }
    $("kiosk-no-match").hidden = found > 0;
  });

  // --- the on-screen keyboard ------------------------------------------------------------------------
  const keyboard = $("kiosk-keyboard");
  const toggle = $("kiosk-keyboard-toggle");
  toggle.addEventListener("click", () => {
    keyboard.hidden = !keyboard.hidden;
    toggle.setAttribute("aria-expanded", String(!keyboard.hidden));
  });
  keyboard.addEventListener("click", (event) => {
    const key = event.target.closest("button");
    if (!key) return;
    if (key.dataset.char !== undefined) search.value += key.dataset.char;
    else if (key.dataset.edit === "delete") search.value = search.value.slice(0, -1);
    else if (key.dataset.edit === "clear") search.value = "";
    search.dispatchEvent(new Event("input"));
  });

  // --- taking a ticket ---------------------------------------------------------------------------------
  function key() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  }

  let taking = false;
  async function take(serviceId) {
    if (taking) return;
    taking = true;
    tell($("kiosk-problem"), "");
    const body = { service_id: serviceId, language: data.lang, channel: "kiosk" };
    if (priority()) body.priority = priority();
    try {
      const response = await fetch(data.issueUrl, {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json", "Idempotency-Key": key() },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        tell($("kiosk-problem"), await problemOf(response));
        return;
      }
      const issued = await response.json();
      await present(issued.status_token);
    } catch (error) {
      tell($("kiosk-problem"), data.errorText);
    } finally {
      taking = false;
    }
  }

  const withToken = (url, token) => url.replace("TOKEN", encodeURIComponent(token));

  async function present(token) {
    $("kiosk-slip").replaceChildren();
    tell($("kiosk-print-problem"), "");
    $("kiosk-busy").hidden = false;
    show("ticket");
    const response = await fetch(`${withToken(data.ticketUrl, token)}?lang=${data.lang}`, { headers: auth });
    $("kiosk-busy").hidden = true;
    if (!response.ok) {
      tell($("kiosk-print-problem"), await problemOf(response));
      return;
    }
    $("kiosk-slip").innerHTML = await response.text();
    await print(token);
  }

  async function print(token) {
    if (data.networkPrinter !== "true") {
      window.print(); // a kiosk browser set to print silently prints the 80 mm slip at once
      kiosk.dataset.printed = "browser";
      return;
    }
    const response = await fetch(`${withToken(data.printUrl, token)}?lang=${data.lang}`, {
      method: "POST",
      headers: auth,
    });
    if (response.ok) {
      kiosk.dataset.printed = "network";
    } else {
      tell($("kiosk-print-problem"), await problemOf(response));
    }
  }

  for (const button of document.querySelectorAll(".kiosk__service")) {
    button.addEventListener("click", () => take(Number(button.dataset.service)));
  }
  $("kiosk-done").addEventListener("click", restart);
  $("kiosk-back").addEventListener("click", () => show("start"));

  // --- calling a consultant (accessibility) ----------------------------------------------------------
  $("kiosk-assist").addEventListener("click", async () => {
    const answer = $("kiosk-assist-answer");
    try {
      const response = await fetch(data.assistUrl, {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ source: "kiosk" }),
      });
      if (response.ok) {
        answer.hidden = false;
        setTimeout(() => (answer.hidden = true), 30000);
      } else {
        tell($("kiosk-problem"), await problemOf(response));
      }
    } catch (error) {
      tell($("kiosk-problem"), data.errorText);
    }
  });

  // --- the clock, in the centre's time ---------------------------------------------------------------
  function tick() {
    $("kiosk-clock").textContent = new Date().toLocaleTimeString(data.lang, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: data.timezone, // the centre's time, whatever the device's own setting
    });
  }
  tick();
  setInterval(tick, 10000);

  show(window.location.hash === "#services" ? "services" : "start");
})();
