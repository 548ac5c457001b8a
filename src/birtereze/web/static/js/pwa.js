/* The phone app shell: registers the service worker (/sw.js, scope "/") on the citizen pages that
   base.html loads this on, and makes the offline page's "Try again" reload the page the citizen asked for. */
(function () {
  "use strict";
  const script = document.currentScript;
  if ("serviceWorker" in navigator && script && script.dataset.sw) {
    navigator.serviceWorker.register(script.dataset.sw, { scope: "/" }).catch(() => {
      // No worker (a private window, an old browser): the pages work as they are, online.
    });
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("[data-pwa-reload]");
    if (link && navigator.onLine !== false) {
      event.preventDefault();
      window.location.reload();
    }
  });
})();
