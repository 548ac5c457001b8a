// The slot grid of the booking pages, kept fresh: every 30 s (while the page is shown) the day's free
// places are read again from the public slots API and each time is enabled or disabled to match, so a
// citizen does not pick a time that others have just taken. Without this script the page still works:
// a taken slot is refused on posting, with the reason. Every sentence comes from the page.
(() => {
  "use strict";
  const form = document.getElementById("slot-form");
  if (!form || !window.fetch || !form.dataset.slotsUrl) return;
  const data = form.dataset;
  const status = document.getElementById("slots-updated");
  const labels = Array.from(form.querySelectorAll(".slot[data-start]"));

  function paint(slots) {
    const free = new Map(slots.map((slot) => [Date.parse(slot.start), slot.free]));
    for (const label of labels) {
      const input = label.querySelector(".slot__input");
      const count = free.get(Date.parse(label.dataset.start)) || 0; // gone from the list: passed or full
      const current = label.classList.contains("slot--current");
      input.disabled = count <= 0;
      if (input.disabled) input.checked = false;
      label.classList.toggle("slot--full", count <= 0);
      if (!current) {
        label.querySelector(".slot__free").textContent =
          count > 0 ? data.freeText.replace("COUNT", String(count)) : data.fullText;
      }
    }
    if (status) {
      const now = new Date();
      const time = `${String(now.getHours()).padStart(2, "0")}:${String(now.getMinutes()).padStart(2, "0")}`;
      status.textContent = data.updatedText.replace("TIME", time);
    }
  }

  async function refresh() {
    try {
      const response = await fetch(data.slotsUrl, { cache: "no-store", headers: { Accept: "application/json" } });
      if (!response.ok) return; // the next round tries again; the server checks on posting anyway
      paint((await response.json()).slots);
    } catch (error) {
      // Offline for a moment: keep what is shown.
    }
  }

  setInterval(() => {
    if (!document.hidden) refresh();
  }, 30000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
})();
