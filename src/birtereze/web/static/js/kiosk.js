// The hall's kiosk: language → service (by zone, by life situation, or searched) with the priority
// categories → the ticket, shown and printed; or language → "I have a booking" → the booking's code,
// scanned or typed → the same ticket. Back to the first screen when left alone. Every sentence comes
// from the server (the page, its fragments and the API's translated problem details).
(() => {
  "use strict";
  const kiosk = document.getElementById("kiosk");
  const data = kiosk.dataset;
  const $ = (id) => document.getElementById(id);
  const screens = {
    start: $("kiosk-start"),
    services: $("kiosk-services"),
    "check-in": $("kiosk-check-in"),
    ticket: $("kiosk-ticket"),
  };
  const auth = { Authorization: `Bearer ${data.token}` };
  let current = "start";

  function show(name) {
    current = name;
    for (const [key, screen] of Object.entries(screens)) screen.hidden = key !== name;
    kiosk.dataset.screen = name;
    const heading = screens[name].querySelector("h1");
    if (name === "check-in") {
      code.focus({ preventScroll: true }); // where the scanner types
      code.select();
    } else if (heading) {
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

  // --- the arrival QR code: its key changes every few minutes ----------------------------------------
  // Fetched anew every minute and swapped in place, so that a photograph of it soon stops working; a
  // failed fetch keeps the code shown (the server still takes the previous key for a while).
  async function freshArrivalCode() {
    try {
      const response = await fetch(data.arrivalCodeUrl, { headers: auth, cache: "no-store" });
      if (!response.ok) return;
      const fresh = await response.json();
      for (const image of document.querySelectorAll(".kiosk__arrival-qr")) {
        image.src = fresh.qr;
        image.dataset.arrivalUrl = fresh.url;
      }
    } catch (error) {
      // offline for a moment: the next round tries again
    }
  }
  setInterval(freshArrivalCode, Number(data.arrivalSeconds) * 1000);
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

  // --- the on-screen keyboards: the search's, and the booking code's --------------------------------
  function typeInto(keyboard, field) {
    keyboard.addEventListener("click", (event) => {
      const key = event.target.closest("button");
      if (!key) return;
      if (field.selectionStart === 0 && field.selectionEnd === field.value.length) field.value = "";
      if (key.dataset.char !== undefined) field.value += key.dataset.char;
      else if (key.dataset.edit === "delete") field.value = field.value.slice(0, -1);
      else if (key.dataset.edit === "clear") field.value = "";
      field.dispatchEvent(new Event("input"));
    });
  }
  const keyboard = $("kiosk-keyboard");
  const toggle = $("kiosk-keyboard-toggle");
  toggle.addEventListener("click", () => {
    keyboard.hidden = !keyboard.hidden;
    toggle.setAttribute("aria-expanded", String(!keyboard.hidden));
  });
  typeInto(keyboard, search);

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
      const response = await fetch(`${data.issueUrl}?lang=${data.lang}`, {
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

  // ``booked``: a checked-in booking's slot start, noted on the ticket.
  async function present(token, booked) {
    $("kiosk-slip").replaceChildren();
    tell($("kiosk-print-problem"), "");
    $("kiosk-busy").hidden = false;
    show("ticket");
    const query = new URLSearchParams({ lang: data.lang });
    if (booked) query.set("booked", booked);
    const response = await fetch(`${withToken(data.ticketUrl, token)}?${query}`, { headers: auth });
    $("kiosk-busy").hidden = true;
    if (!response.ok) {
      tell($("kiosk-print-problem"), await problemOf(response));
      return;
    }
    $("kiosk-slip").innerHTML = await response.text();
    await print(token, query);
  }

  async function print(token, query) {
    if (data.networkPrinter !== "true") {
      window.print(); // a kiosk browser set to print silently prints the 80 mm slip at once
      kiosk.dataset.printed = "browser";
      return;
    }
    const response = await fetch(`${withToken(data.printUrl, token)}?${query}`, {
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

  // --- checking a booking in -----------------------------------------------------------------------
  // The 2D scanner is a keyboard: it types the booking's code (all its QR code holds) and Enter.
  const code = $("kiosk-code");
  const codeKeyboard = $("kiosk-code-keyboard");
  typeInto(codeKeyboard, code);
  // A tap on a key leaves the focus in the field, so that a scan after typing still lands there.
  codeKeyboard.addEventListener("mousedown", (event) => event.preventDefault());
  document.addEventListener("keydown", (event) => {
    // A scan while something else on the check-in screen has the focus: into the field it goes.
    if (current !== "check-in" || document.activeElement === code) return;
    if (event.key.length === 1 && !event.ctrlKey && !event.altKey && !event.metaKey) code.focus();
  });

  function checkInProblem(message, walkIn) {
    $("kiosk-check-in-message").textContent = message;
    $("kiosk-walk-in").hidden = !walkIn;
    $("kiosk-check-in-problem").hidden = !message;
  }
  code.addEventListener("input", () => {
    if (!$("kiosk-check-in-problem").hidden) checkInProblem("", false);
  });

  let checking = false;
  async function checkIn() {
    const typed = code.value.replace(/\s+/g, "").toUpperCase();
    if (checking) return;
    if (typed.length < 4) {
      checkInProblem(data.noCodeText, false);
      code.focus();
      return;
    }
    checking = true;
    checkInProblem("", false);
    $("kiosk-check-in-busy").hidden = false;
    try {
      const response = await fetch(`${data.checkInUrl}?lang=${data.lang}`, {
        method: "POST",
        headers: { ...auth, "Content-Type": "application/json" },
        body: JSON.stringify({ code: typed }),
      });
      if (!response.ok) {
        let problem = {};
        try {
          problem = await response.json();
        } catch (error) {
          problem = {};
        }
        // Too late: the booking is missed, and the visitor takes a ticket in the general queue. A booking
        // no longer active, at the kiosk, has been used (or cancelled): said in those words.
        const said = problem.code === "booking_not_active" ? data.usedText : problem.detail || problem.title;
        checkInProblem(said || data.errorText, problem.walk_in === true);
        code.focus();
        code.select(); // the next scan replaces the code
        return;
      }
      const checkedIn = await response.json();
      code.value = "";
      await present(checkedIn.status_token, checkedIn.booking.slot_start);
    } catch (error) {
      checkInProblem(data.errorText, false);
    } finally {
      checking = false;
      $("kiosk-check-in-busy").hidden = true;
    }
  }
  $("kiosk-check-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    checkIn();
  });
  function openCheckIn() {
    code.value = "";
    checkInProblem("", false);
    show("check-in");
  }
  $("kiosk-booking").addEventListener("click", openCheckIn);
  $("kiosk-check-in-back").addEventListener("click", () => show("services"));
  $("kiosk-walk-in").addEventListener("click", () => show("services"));

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

  const first = { "#services": "services", "#check-in": "check-in" }[window.location.hash];
  show(first || "start");
})();
