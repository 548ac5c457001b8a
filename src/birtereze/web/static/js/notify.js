// The notifications page: the status filter applies as soon as it changes (the button stays for those
// without scripts), carrying the bearer token that the shared staff script keeps for this tab.
(() => {
  "use strict";
  const form = document.getElementById("notify-filter");
  if (!form) return;
  const select = form.querySelector("select[name=status]");
  select.addEventListener("change", () => {
    const token = window.birtereze ? window.birtereze.token() : "";
    if (token && !form.querySelector("input[name=access_token]")) {
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "access_token";
      input.value = token;
      form.appendChild(input);
    }
    form.requestSubmit();
  });
})();
