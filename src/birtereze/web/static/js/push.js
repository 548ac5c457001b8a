/* "Notify me on this phone" (citizens/_push_offer.html): web push for the signed-in citizen. The
   permission is asked on the tap only; the browser subscribes with the server's VAPID key
   (GET /api/v1/push/key) and the subscription is posted with the session's CSRF token
   (X-CSRF-Token), as every citizen write. The state shown: on, off, blocked, or not supported. */
(function () {
  "use strict";
  const root = document.querySelector("[data-push-offer]");
  if (!root) {
    return;
  }
  const state = root.querySelector("[data-push-state]");
  const onButton = root.querySelector("[data-push-on]");
  const offButton = root.querySelector("[data-push-off]");
  const supported =
    window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;

  function show(kind) {
    root.dataset.pushStatus = kind;
    state.textContent = root.dataset["text" + kind.charAt(0).toUpperCase() + kind.slice(1)] || "";
    onButton.hidden = !(kind === "off" || kind === "failed");
    offButton.hidden = kind !== "on";
    root.hidden = false;
  }

  if (!supported) {
    show("unsupported");
    return;
  }

  function keyBytes(text) {
    const base64 = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  }

  function sameKey(subscription, key) {
    const current = subscription.options && subscription.options.applicationServerKey;
    if (!current) {
      return true;
    }
    const bytes = new Uint8Array(current);
    return bytes.length === key.length && bytes.every((value, index) => value === key[index]);
  }

  async function worker() {
    await navigator.serviceWorker.register(root.dataset.sw, { scope: "/" });
    return navigator.serviceWorker.ready;
  }

  async function tell(method, body) {
    const response = await fetch(root.dataset.subscriptionsUrl, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify(body),
    });
    if (!response.ok) {
      throw new Error("push subscription: " + response.status);
    }
  }

  async function serverKey() {
    const response = await fetch(root.dataset.keyUrl, { credentials: "same-origin" });
    if (!response.ok) {
      throw new Error("push key: " + response.status);
    }
    return keyBytes((await response.json()).public_key);
  }

  async function turnOn() {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      show(permission === "denied" ? "blocked" : "off");
      return;
    }
    const registration = await worker();
    const key = await serverKey();
    let subscription = await registration.pushManager.getSubscription();
    if (subscription && !sameKey(subscription, key)) {
      await subscription.unsubscribe(); // made with another server key: it would be refused
      subscription = null;
    }
    if (!subscription) {
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    }
    await tell("POST", subscription.toJSON());
    show("on");
  }

  async function turnOff() {
    const registration = await worker();
    const subscription = await registration.pushManager.getSubscription();
    if (subscription) {
      try {
        await tell("DELETE", { endpoint: subscription.endpoint });
      } finally {
        await subscription.unsubscribe();
      }
    }
    show("off");
  }

  async function current() {
    if (Notification.permission === "denied") {
      show("blocked");
      return;
    }
    if (Notification.permission !== "granted") {
      show("off");
      return;
    }
    const registration = await worker();
    const subscription = await registration.pushManager.getSubscription();
    if (!subscription) {
      show("off");
      return;
    }
    // Told again: the server may not know it (another citizen signed in on this phone before).
    await tell("POST", subscription.toJSON());
    show("on");
  }

  function guarded(action) {
    return async () => {
      onButton.disabled = offButton.disabled = true;
      try {
        await action();
      } catch (error) {
        show("failed");
      } finally {
        onButton.disabled = offButton.disabled = false;
      }
    };
  }

  onButton.addEventListener("click", guarded(turnOn));
  offButton.addEventListener("click", guarded(turnOff));
  guarded(current)();
})();
