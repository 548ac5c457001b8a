// The citizen's branch finder: the live load of every centre (the public load API, every 30 s), a
// filter by service, and the least crowded centre near the citizen (their location is sent once, to the
// server's nearby-branches API, and not kept). Every sentence comes from the page or the API.
(() => {
  "use strict";
  const root = document.getElementById("finder");
  if (!root || !window.fetch) return;
  const data = root.dataset;
  const $ = (id) => document.getElementById(id);
  const cards = Array.from(document.querySelectorAll(".finder__card"));
  const service = $("finder-service");
  let loads = new Map();

  const minutes = (seconds) => data.minutesText.replace("MINUTES", String(Math.max(1, Math.ceil(seconds / 60))));

  function problem(text) {
    $("finder-problem").textContent = text || "";
    $("finder-problem").hidden = !text;
  }

  function paint() {
    const chosen = Number(service.value) || null;
    for (const card of cards) {
      const load = loads.get(Number(card.dataset.branch));
      if (!load) continue;
      const offer = chosen ? load.services.find((s) => s.service_id === chosen) : null;
      const missing = chosen && !offer;
      card.classList.toggle("finder__card--missing", Boolean(missing));
      card.querySelector(".finder__not-offered").hidden = !missing;
      // "Book a visit" goes straight to the chosen service's days where the centre offers it.
      const book = card.querySelector(".finder__book");
      if (book) book.href = offer ? `${book.dataset.href}&service_id=${chosen}` : book.dataset.href;
      const figures = offer || load;
      const waiting = offer ? offer.waiting : load.waiting;
      card.querySelector('[data-field="waiting"]').textContent = String(waiting);
      card.querySelector('[data-field="wait"]').textContent = waiting ? minutes(figures.estimated_wait_s) : "—";
      card.querySelector('[data-field="light"]').dataset.light = figures.light;
    }
    paintMap();
  }

  async function refresh() {
    try {
      const response = await fetch(data.loadsUrl, { cache: "no-store" });
      if (!response.ok) throw new Error(String(response.status));
      loads = new Map((await response.json()).map((load) => [load.branch_id, load]));
      problem("");
      paint();
    } catch (error) {
      problem(data.errorText);
    }
  }

  async function nearMe() {
    if (!navigator.geolocation) {
      problem(data.noLocationText);
      return;
    }
    navigator.geolocation.getCurrentPosition(
      async (position) => {
        showYou(position.coords.latitude, position.coords.longitude);
        const query = new URLSearchParams({
          lat: position.coords.latitude.toFixed(5),
          lon: position.coords.longitude.toFixed(5),
          lang: data.lang,
          limit: "10",
        });
        if (service.value) query.set("service_id", service.value);
        try {
          const response = await fetch(`${data.nearbyUrl}?${query}`, { cache: "no-store" });
          const answer = await response.json();
          if (!response.ok) throw new Error(answer.detail || "");
          show(answer);
        } catch (error) {
          problem(data.errorText);
        }
      },
      () => problem(data.noLocationText),
      { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 },
    );
  }

  function show(answer) {
    problem("");
    const list = $("finder-list");
    const order = answer.branches.map((b) => b.branch_id);
    for (const near of answer.branches) {
      const card = cards.find((c) => Number(c.dataset.branch) === near.branch_id);
      if (!card) continue;
      card.querySelector(".finder__distance").hidden = false;
      card.querySelector('[data-field="distance"]').textContent = data.kmText.replace("KM", near.distance_km.toFixed(1));
      card.classList.toggle("finder__card--best", near.branch_id === answer.recommended);
    }
    // The nearest first, then the others as they were.
    const sorted = [...cards].sort((a, b) => {
      const ia = order.indexOf(Number(a.dataset.branch));
      const ib = order.indexOf(Number(b.dataset.branch));
      return (ia < 0 ? 1e9 : ia) - (ib < 0 ? 1e9 : ib);
    });
    list.replaceChildren(...sorted);
    $("finder-advice").hidden = !answer.reason;
    $("finder-reason").textContent = answer.reason || "";
  }

  // --- the map: Kazakhstan's outline (no tile server) and a dot per centre, in its load's colour -----
  const COLOURS = { green: "#00a651", yellow: "#ffd400", orange: "#f47b20", red: "#d4351c" };
  const markers = new Map();
  let map = null;
  let you = null;

  async function drawMap() {
    if (!window.L) return;
    map = window.L.map("finder-map", { attributionControl: false, zoomSnap: 0.25, minZoom: 3 });
    const located = cards.filter((card) => card.dataset.lat);
    const points = located.map((card) => [Number(card.dataset.lat), Number(card.dataset.lon)]);
    // The view first: layers are drawn into it.
    if (points.length) map.fitBounds(points, { padding: [24, 24], maxZoom: 11 });
    else map.fitBounds([[40.6, 46.6], [55.4, 87.3]]);
    try {
      const outline = await (await fetch(data.outlineUrl)).json();
      window.L.geoJSON(outline, { style: { color: "#00465f", weight: 1.5, fillColor: "#e8eef1", fillOpacity: 1 } }).addTo(map);
    } catch (error) {
      // The dots are enough without the outline.
    }
    located.forEach((card, index) => {
      const marker = window.L.circleMarker(points[index], { radius: 9, weight: 2, color: "#0b0c0c", fillColor: "#b1b4b6", fillOpacity: 1 });
      marker.bindTooltip(card.querySelector(".finder__name").textContent);
      marker.on("click", () => card.scrollIntoView({ behavior: "smooth", block: "center" }));
      marker.addTo(map);
      markers.set(Number(card.dataset.branch), marker);
    });
  }

  function paintMap() {
    const chosen = Number(service.value) || null;
    for (const [branchId, marker] of markers) {
      const load = loads.get(branchId);
      if (!load) continue;
      const offer = chosen ? load.services.find((s) => s.service_id === chosen) : null;
      const light = chosen ? offer && offer.light : load.light;
      marker.setStyle({ fillColor: COLOURS[light] || "#b1b4b6", fillOpacity: chosen && !offer ? 0.3 : 1 });
    }
  }

  function showYou(latitude, longitude) {
    if (!map) return;
    if (you) you.remove();
    you = window.L.circleMarker([latitude, longitude], { radius: 7, weight: 3, color: "#00465f", fillColor: "#ffffff", fillOpacity: 1 });
    you.bindTooltip(data.youText, { permanent: false }).addTo(map);
  }

  service.addEventListener("change", paint);
  $("finder-near").addEventListener("click", nearMe);
  drawMap().finally(refresh); // the list is filled even where the map cannot be drawn
  setInterval(() => {
    if (!document.hidden) refresh();
  }, 30000);
})();
