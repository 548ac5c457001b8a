// The hall's display board: the tickets called and their windows, live over Server-Sent Events; each
// call is highlighted and announced (a chime, then Kazakh, then Russian), calls that come together are
// announced one after another, never skipped; the stream reconnects by itself after a network break.
(() => {
  "use strict";
  const board = document.getElementById("board");
  const token = board.dataset.token;
  const calls = document.getElementById("board-calls");
  const earlier = document.getElementById("board-earlier");
  const offline = document.getElementById("board-offline");
  const clock = document.getElementById("board-clock");
  const LANGUAGES = ["kk", "ru"];
  const NOW_ROWS = 6;
  const EARLIER_ITEMS = 8;
  const HIGHLIGHT_MS = 8000;
  const auth = { Authorization: `Bearer ${token}` };
  // The calls already on when the page was made are in the table; the stream brings the next ones.

  // --- what is shown -------------------------------------------------------------------------------
  const rowOf = (window) => calls.querySelector(`tr[data-window="${window}"]`);

  function show(number, window, fresh) {
    const existing = rowOf(window);
    if (existing) existing.remove();
    const row = document.createElement("tr");
    row.dataset.window = String(window);
    row.dataset.number = number;
    const ticket = document.createElement("td");
    ticket.className = "board__number";
    ticket.textContent = number;
    const place = document.createElement("td");
    place.className = "board__window";
    place.textContent = String(window);
    row.append(ticket, place);
    calls.prepend(row);
    if (fresh) {
      row.classList.add("board__call--new");
      setTimeout(() => row.classList.remove("board__call--new"), HIGHLIGHT_MS);
    }
    while (calls.rows.length > NOW_ROWS) retire(calls.rows[calls.rows.length - 1]);
  }

  function retire(row) {
    if (!row) return;
    const item = document.createElement("li");
    item.textContent = `${row.dataset.number} → ${row.dataset.window}`;
    earlier.prepend(item);
    while (earlier.children.length > EARLIER_ITEMS) earlier.lastElementChild.remove();
    row.remove();
  }

  // --- announcements, one after another --------------------------------------------------------------
  const pending = [];
  let speaking = false;

  function announce(number, window) {
    for (const lang of LANGUAGES) pending.push({ lang, number, window });
    if (!speaking) speakNext();
  }

  async function speakNext() {
    const next = pending.shift();
    if (!next) {
      speaking = false;
      return;
    }
    speaking = true;
    const query = new URLSearchParams({ ticket: next.number, window: String(next.window) });
    try {
      const response = await fetch(`${board.dataset.announcementUrl}${next.lang}?${query}`, { headers: auth });
      if (response.ok) {
        const audio = new Audio(URL.createObjectURL(await response.blob()));
        await new Promise((done) => {
          audio.addEventListener("ended", done, { once: true });
          audio.addEventListener("error", done, { once: true });
          audio.play().catch(done); // a browser that refuses to play still shows the call
        });
        URL.revokeObjectURL(audio.src);
      }
    } catch (error) {
      // The network is down: the call stays on the screen; the next one is still announced.
    }
    speakNext();
  }

  // --- the live stream -------------------------------------------------------------------------------
  const ENDED = new Set(["ticket.finished", "ticket.no_show", "ticket.transferred", "ticket.cancelled"]);

  // A zone's board shows its own windows' calls only.
  const zoneWindows = new Set(board.dataset.windows.split(" ").filter(Boolean));
  const ours = (window) => zoneWindows.size === 0 || zoneWindows.has(String(window));

  function onEvent(message) {
    const event = JSON.parse(message.data);
    recount();
    if (!ours(event.window_number)) return;
    if (event.type === "ticket.called" || event.type === "ticket.recalled") {
      show(event.number, event.window_number, true);
      announce(event.number, event.window_number);
    } else if (ENDED.has(event.type) && event.window_number) {
      const row = rowOf(event.window_number);
      if (row && (!event.number || row.dataset.number === event.number)) retire(row);
    }
  }

  // --- waiting counts per queue, fetched again (at most once a second) as tickets come and go --------
  const waiting = document.querySelector(".board__waiting");
  let counting = null;
  function recount() {
    if (counting) return;
    counting = setTimeout(async () => {
      try {
        const response = await fetch(waiting.dataset.url, { headers: auth });
        if (response.ok) document.getElementById("board-queues").innerHTML = await response.text();
      } catch (error) {
        // The next event, or the next minute, brings them.
      }
      counting = null;
    }, 1000);
  }
  setInterval(recount, 60000); // estimated waits move with time

  // --- the information line: one notice at a time --------------------------------------------------
  const notices = Array.from(document.querySelectorAll(".board__info-item"));
  let notice = 0;
  setInterval(() => {
    if (notices.length < 2) return;
    notices[notice].hidden = true;
    notice = (notice + 1) % notices.length;
    notices[notice].hidden = false;
  }, 12000);

  let stream = null;
  function connect() {
    const url = `${board.dataset.eventsUrl}?access_token=${encodeURIComponent(token)}`;
    stream = new EventSource(url);
    stream.addEventListener("open", () => {
      offline.hidden = true;
      board.dataset.live = "true";
    });
    for (const type of ["ticket.called", "ticket.recalled", ...ENDED]) stream.addEventListener(type, onEvent);
    for (const type of ["ticket.issued", "ticket.resumed", "window.opened", "window.closed"]) {
      stream.addEventListener(type, recount);
    }
    // Too much was missed to replay: the page starts again from what is on now.
    stream.addEventListener("reset", () => window.location.reload());
    stream.addEventListener("error", () => {
      offline.hidden = false;
      board.dataset.live = "false";
      if (stream.readyState === EventSource.CLOSED) setTimeout(connect, 3000); // else the browser retries
    });
  }

  function tick() {
    clock.textContent = new Date().toLocaleTimeString(document.documentElement.lang, {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: board.dataset.timezone, // the centre's time, whatever the screen's own setting
    });
  }
  tick();
  setInterval(tick, 10000);
  window.boardAnnouncements = pending; // what is still to be said, for the staff checking a board
  connect();
})();
