// ITPP Tracker web: small behaviours on top of htmx. The pages work without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const flash = document.getElementById("flash");

  // An htmx request the server refused (403, 404, 5xx…): show its readable message.
  document.body.addEventListener("htmx:responseError", (event) => {
    if (!flash) return;
    const xhr = event.detail.xhr;
    const type = xhr.getResponseHeader("content-type") || "";
    if (type.startsWith("text/html")) {
      flash.innerHTML = xhr.responseText;
    } else {
      flash.textContent = document.body.dataset.networkError || "";
    }
    flash.focus();
  });

  // No answer at all (network down, server stopped).
  document.body.addEventListener("htmx:sendError", () => {
    if (!flash) return;
    flash.textContent = document.body.dataset.networkError || "";
    flash.focus();
  });

  // A successful swap clears an old message.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    if (flash && event.detail.successful && flash.textContent.trim() !== "") {
      flash.textContent = "";
    }
  });
});

// Copy buttons (a new calendar feed's address): shown only where the clipboard can be used;
// without them the address is plain, selectable text.
function setUpCopyButtons(root) {
  root.querySelectorAll("button[data-copy-target]").forEach((button) => {
    if (!navigator.clipboard || button.dataset.copyReady) return;
    button.dataset.copyReady = "1";
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copyTarget);
      const status = button.parentElement.querySelector(".copy-status");
      if (!source) return;
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = button.dataset.copied || "";
      } catch (error) {
        if (status) status.textContent = button.dataset.copyFailed || "";
      }
    });
  });
}

document.addEventListener("DOMContentLoaded", () => setUpCopyButtons(document));
document.addEventListener("htmx:afterSettle", (event) => setUpCopyButtons(event.target));
