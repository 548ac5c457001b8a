// What the staff pages share (the console, the manager board, the staffing page): the bearer token —
// from the page's address (access_token) or this tab's session storage, where it is kept —, the headers
// that carry it, the translated detail of a problem+json answer, and the charts. Loaded before each
// page's script.
(() => {
  "use strict";
  const KEY = "birtereze.token";
  let token = new URLSearchParams(window.location.search).get("access_token") || "";

  function remember(value) {
    token = value || "";
    try {
      if (token) window.sessionStorage.setItem(KEY, token);
      else window.sessionStorage.removeItem(KEY);
    } catch (error) {
      // Storage refused (private mode): the token lasts as long as the page.
    }
  }

  if (token) {
    remember(token);
  } else {
    try {
      token = window.sessionStorage.getItem(KEY) || "";
    } catch (error) {
      // as above
    }
  }

  const COLOURS = ["#00465f", "#c25e00", "#2e7d32", "#6a1b9a", "#b00020", "#00838f", "#5d4037", "#455a64"];

  // A Chart.js chart (vendored) from the server's spec: labels, y (and y2) axis titles, stacked, and
  // datasets of {type: "bar"|"line", label, data, axis?}.
  function chart(canvas, spec) {
    const scales = {
      x: { stacked: spec.stacked },
      y: { stacked: spec.stacked, beginAtZero: true, title: { display: true, text: spec.y } },
    };
    if (spec.y2) {
      scales.y2 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: spec.y2 } };
    }
    return new window.Chart(canvas, {
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map((set, index) => {
          const colour = COLOURS[index % COLOURS.length];
          const line = set.type === "line";
          return {
            type: set.type,
            label: set.label,
            data: set.data,
            yAxisID: set.axis || "y",
            backgroundColor: line ? colour : `${colour}cc`,
            borderColor: colour,
            borderWidth: line ? 2 : 0,
            pointRadius: line ? 3 : 0,
            stack: line ? "lines" : "bars",
            order: line ? 0 : 1,
          };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales,
      },
    });
  }

  window.birtereze = {
    chart,
    token: () => token,
    remember,
    headers(json) {
      const result = { Accept: "text/html, application/json, application/problem+json" };
      if (token) result.Authorization = `Bearer ${token}`;
      if (json) result["Content-Type"] = "application/json";
      return result;
    },
    // The problem's translated detail, or ``fallback`` when the answer is not one.
    async problem(response, fallback) {
      try {
        const problem = await response.json();
        return problem.detail || problem.title || fallback;
      } catch (error) {
        return fallback;
      }
    },
  };
})();
