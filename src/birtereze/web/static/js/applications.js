// The operator's intake screen: each document file chosen is sent at once to the REST API
// (PUT /api/v1/applications/{id}/documents/{code}) with the staff's token (staff.js), without leaving the
// page, so that no answer typed in the form is lost; the translated refusal is shown beside the file.
(() => {
  "use strict";
  const root = document.getElementById("intake");
  if (!root || !window.birtereze) return;

  async function upload(input) {
    const file = input.files && input.files[0];
    const state = input.closest("li").querySelector(".apps__upload-state");
    if (!file || !state) return;
    state.classList.remove("apps__upload-state--wrong");
    state.textContent = root.dataset.uploadingText;
    const headers = window.birtereze.headers(false);
    headers["Content-Type"] = file.type || "application/octet-stream";
    try {
      const response = await fetch(input.dataset.uploadUrl, { method: "PUT", headers, body: file });
      if (response.ok) {
        state.textContent = root.dataset.uploadedText;
        input.closest("li").classList.remove("apps__document--missing");
      } else {
        state.classList.add("apps__upload-state--wrong");
        state.textContent = await window.birtereze.problem(response, root.dataset.errorText);
      }
    } catch (error) {
      state.classList.add("apps__upload-state--wrong");
      state.textContent = root.dataset.errorText;
    }
  }

  root.querySelectorAll("input[type=file][data-upload-url]").forEach((input) => {
    input.addEventListener("change", () => upload(input));
  });
})();
