// The application wizard (applications/citizen_pages.py): every step works without this script. It only
// adds, at the hall's kiosk, the IIN keypad (kiosks have no keyboard) and the return to the first screen
// after a while without a touch, so that the applicant's IIN and answers do not stay on the screen.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-keypad]").forEach(function (pad) {
      var field = document.getElementById(pad.getAttribute("data-keypad"));
      if (!field) return;
      pad.addEventListener("click", function (event) {
        var key = event.target.closest("[data-key]");
        if (!key) return;
        var value = key.getAttribute("data-key");
        if (value === "clear") field.value = field.value.slice(0, -1);
        else if (field.value.length < (field.maxLength > 0 ? field.maxLength : 12)) field.value += value;
        field.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });

    var body = document.querySelector("[data-idle-url]");
    if (!body) return;
    var url = body.getAttribute("data-idle-url");
    var seconds = parseInt(body.getAttribute("data-idle-s"), 10) || 90;
    var timer = null;
    function arm() {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { window.location.assign(url); }, seconds * 1000);
    }
    ["pointerdown", "keydown", "input", "scroll"].forEach(function (name) {
      document.addEventListener(name, arm, { passive: true });
    });
    arm();
  });
})();
