/* Birtereze service worker (served as /sw.js, scope "/"; BIRTEREZE, its settings, is written above by
   web/pwa.py). It keeps the offline shell, answers the citizen pages' navigations from the network with
   the offline page as the fallback, and shows web push notifications. It never caches an API answer or
   a personal page: those always go to the network. */
"use strict";

const CACHE_PREFIX = "birtereze-shell-";
const CACHE = CACHE_PREFIX + BIRTEREZE.version;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(BIRTEREZE.shell))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

function isCitizenPage(path) {
  return BIRTEREZE.pages.some((prefix) =>
    prefix.endsWith("/") ? path.startsWith(prefix) : path === prefix || path.startsWith(prefix + "/"),
  );
}

function offlinePage(url) {
  let language = url.searchParams.get("lang");
  if (!BIRTEREZE.languages.includes(language)) {
    language = (self.navigator.language || "").slice(0, 2).toLowerCase();
  }
  if (!BIRTEREZE.languages.includes(language)) {
    language = BIRTEREZE.languages[0];
  }
  return BIRTEREZE.offline + "?lang=" + language;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (!isCitizenPage(url.pathname)) {
      return; // the staff's, the kiosk's and the board's pages: not this worker's business
    }
    event.respondWith(
      fetch(request).catch(() =>
        caches.match(offlinePage(url)).then((page) => page || Response.error()),
      ),
    );
    return;
  }
  if (BIRTEREZE.shell.includes(url.pathname)) {
    // The shell's styles, scripts and icons: from the cache (renewed with each release), else the network.
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
  }
  // Everything else (the API, live streams, PDFs): the network, untouched.
});

self.addEventListener("push", (event) => {
  let message = {};
  if (event.data) {
    try {
      message = event.data.json();
    } catch (error) {
      message = { body: event.data.text() };
    }
  }
  const options = {
    body: message.body || "",
    icon: BIRTEREZE.icon,
    badge: BIRTEREZE.icon,
    data: { url: message.url || "/me" },
  };
  if (message.tag) {
    // A newer message of the same visit replaces the older one, and still rings.
    options.tag = message.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(message.title || "Birtereze", options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  let target = new URL((event.notification.data && event.notification.data.url) || "/me", self.location.origin);
  if (target.origin !== self.location.origin) {
    target = new URL("/me", self.location.origin); // a push leads to this site only
  }
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (new URL(client.url).pathname === target.pathname && "focus" in client) {
          return client.focus();
        }
      }
      return self.clients.openWindow(target.href);
    }),
  );
});
