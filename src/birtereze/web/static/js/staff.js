// What the staff pages share (the console, the manager board, the staffing page): the bearer token —
// from the page's address (access_token) or this tab's session storage, where it is kept —, the headers
// that carry it, and the translated detail of a problem+json answer. Loaded before each page's script.
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

  window.birtereze = {
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
