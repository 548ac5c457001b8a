// The information stand on a vertical screen: when its sections do not fit the screen at once, it shows
// them one at a time, turning every few seconds, and scrolls slowly through a section taller than the
// screen; it reloads its data every few minutes (a roster the manager edits shows up by itself), and
// keeps what it shows when the network is down. Printing shows every section (see stand.css).
(() => {
  "use strict";
  const main = document.getElementById("stand");
  if (!main) return;
  const ROTATE_MS = Math.max(5, Number(main.dataset.rotateS) || 20) * 1000;
  const REFRESH_MS = Math.max(30, Number(main.dataset.refreshS) || 300) * 1000;
  const PAUSE_MS = 3000; // still, at the top and at the bottom of a long section
  const SCROLL_PX_PER_S = 45;
  const still = window.matchMedia("(prefers-reduced-motion: reduce)");
  let current = 0;
  let turn = null;
  let frame = null;

  const sections = () => Array.from(main.querySelectorAll(".stand__section"));

  function stop() {
    if (turn !== null) window.clearTimeout(turn);
    if (frame !== null) window.cancelAnimationFrame(frame);
    turn = null;
    frame = null;
  }

  function drawPager(count) {
    const pager = document.getElementById("stand-pager");
    if (!pager) return;
    pager.replaceChildren();
    if (count < 2) return;
    for (let i = 0; i < count; i += 1) {
      const dot = document.createElement("li");
      if (i === current) dot.className = "is-current";
      pager.appendChild(dot);
    }
  }

  // Scroll a section from its top to its bottom over ``span`` milliseconds, after a pause.
  function scrollThrough(section, overflow, span) {
    const started = performance.now();
    const step = (now) => {
      const elapsed = now - started - PAUSE_MS;
      const share = Math.min(1, Math.max(0, elapsed / span));
      section.scrollTop = still.matches
        ? Math.floor(share * 3) / 3 * overflow // a few still steps instead of a glide
        : share * overflow;
      if (share < 1) frame = window.requestAnimationFrame(step);
    };
    frame = window.requestAnimationFrame(step);
  }

  function show(index) {
    stop();
    const all = sections();
    if (!all.length) return;
    current = ((index % all.length) + all.length) % all.length;
    all.forEach((section, i) => section.classList.toggle("is-shown", i === current));
    drawPager(all.length);
    const section = all[current];
    section.scrollTop = 0;
    const overflow = section.scrollHeight - section.clientHeight;
    let dwell = ROTATE_MS;
    if (overflow > 4) {
      const span = (overflow / SCROLL_PX_PER_S) * 1000;
      dwell = Math.max(ROTATE_MS, span + 2 * PAUSE_MS);
      scrollThrough(section, overflow, dwell - 2 * PAUSE_MS);
    }
    turn = window.setTimeout(() => show(current + 1), dwell);
  }

  // Page through the sections only when the whole stand is taller than the screen.
  function layout() {
    stop();
    document.body.classList.remove("stand--paging");
    sections().forEach((section) => section.classList.remove("is-shown"));
    drawPager(0);
    if (main.scrollHeight > window.innerHeight + 2) {
      document.body.classList.add("stand--paging");
      show(current);
    }
    main.dataset.ready = "true";
  }

  // Fresh data: the same page fetched again; its stand replaces this one's, on the same section.
  async function refresh() {
    try {
      const response = await fetch(window.location.href, { cache: "no-store", headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("stand");
      if (!fresh) return;
      main.replaceChildren(...Array.from(fresh.childNodes).map((node) => document.importNode(node, true)));
      layout();
    } catch (error) {
      // Offline: keep showing the last data; the next refresh tries again.
    }
  }

  let resized = null;
  window.addEventListener("resize", () => {
    if (resized !== null) window.clearTimeout(resized);
    resized = window.setTimeout(layout, 250);
  });
  window.setInterval(refresh, REFRESH_MS);
  layout();
})();
