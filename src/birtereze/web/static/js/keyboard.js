// The kiosk's on-screen keyboard (web/templates/_keyboard.html): kiosks and the hall's tablets have no
// keyboard of their own, and a tablet's would cover half the page. It types into the text field of its
// form that last had the focus, at the caret, within the field's maxlength; a number field gets the
// digits alone. Shift is on at the start of an empty field and after one capital, as on a phone. A
// keyboard marked data-keyboard="focus" (a search above a list) comes up only once its field is touched.
(function () {
  "use strict";

  function typeable(element) {
    return element.tagName === "INPUT" && (element.type === "text" || element.type === "search");
  }

  function setUp(board) {
    var scope = board.closest("form") || document;
    var fields = Array.prototype.filter.call(scope.querySelectorAll("input"), typeable);
    if (!fields.length) {
      board.hidden = true;
      return;
    }
    // The field with a mistake to correct first, else the first empty one, else the first.
    var field = fields.filter(function (f) { return f.getAttribute("aria-invalid") === "true"; })[0] ||
      fields.filter(function (f) { return !f.value; })[0] || fields[0];
    var shiftKey = board.querySelector('[data-edit="shift"]');
    var shifted = false;

    function kind() {
      return field.getAttribute("data-inputmode") || "text";
    }
    function shift(on) {
      shifted = on;
      shiftKey.setAttribute("aria-pressed", String(on));
      board.classList.toggle("keyboard--shift", on);
    }
    function fit() {
      board.classList.toggle("keyboard--digits", kind() !== "text");
      board.classList.toggle("keyboard--decimal", kind() === "decimal");
      shift(kind() === "text" && !field.value && field.type === "text");
    }
    fields.forEach(function (f) {
      f.setAttribute("data-inputmode", f.getAttribute("inputmode") || "text");
      f.setAttribute("inputmode", "none");
      f.addEventListener("focus", function () {
        field = f;
        board.hidden = false;
        fit();
      });
    });
    var onFocus = board.getAttribute("data-keyboard") === "focus";
    board.hidden = onFocus;

    // The keys keep the focus (and the caret) in the field.
    board.addEventListener("mousedown", function (event) { event.preventDefault(); });
    board.addEventListener("click", function (event) {
      var key = event.target.closest("button");
      if (!key) return;
      if (key.hasAttribute("data-switch")) {
        var to = key.getAttribute("data-switch");
        board.querySelectorAll("[data-layout]").forEach(function (layout) {
          layout.hidden = layout.getAttribute("data-layout") !== to;
        });
        board.querySelectorAll("[data-switch]").forEach(function (other) {
          other.hidden = other.getAttribute("data-switch") === to;
        });
        return;
      }
      if (key.getAttribute("data-edit") === "shift") {
        shift(!shifted);
        return;
      }
      var start = field.selectionStart === null ? field.value.length : field.selectionStart;
      var end = field.selectionEnd === null ? start : field.selectionEnd;
      var edit = key.getAttribute("data-edit");
      if (edit === "delete") {
        if (start === end && start > 0) start -= 1;
        field.setRangeText("", start, end, "end");
      } else if (edit === "clear") {
        field.value = "";
      } else {
        var text = key.getAttribute("data-char");
        if (kind() === "numeric" && !/^[0-9]$/.test(text)) return;
        if (kind() === "decimal" && !/^[0-9.]$/.test(text)) return;
        var limit = field.maxLength > 0 ? field.maxLength : Infinity;
        if (field.value.length - (end - start) + text.length > limit) return;
        field.setRangeText(shifted ? text.toUpperCase() : text, start, end, "end");
        if (shifted) shift(false);
      }
      if (!field.value && kind() === "text" && field.type === "text") shift(true);
      field.focus();
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
    fit();
    if (!onFocus) {
      field.focus();
      field.setSelectionRange(field.value.length, field.value.length);  // type after what is there
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-keyboard]").forEach(setUp);
  });
})();
