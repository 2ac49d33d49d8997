// ITPP Tracker web: small behaviours on top of htmx. The pages work without this file.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Looked up each time: a response may replace the whole content, the message area with it.
  const flashArea = () => document.getElementById("flash");

  // An htmx request the server refused (403, 404, 5xx…): show its readable message.
  document.body.addEventListener("htmx:responseError", (event) => {
    const flash = flashArea();
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
    const flash = flashArea();
    if (!flash) return;
    flash.textContent = document.body.dataset.networkError || "";
    flash.focus();
  });

  // A successful swap clears an old message.
  document.body.addEventListener("htmx:afterRequest", (event) => {
    const flash = flashArea();
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
// Live pages: a page marked `data-live-events` listens to the plan's changes (server-sent
// events relayed from the API by the web service) and, when another official changes
// something, re-reads itself and replaces the parts marked `data-live-id` — except a part the
// reader is editing, which keeps what they typed. Without JavaScript the page is simply static.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.querySelector("[data-live-events]");
  if (!root || !window.EventSource) return;
  const status = document.getElementById("live-status");
  const source = new EventSource(root.dataset.liveEvents);
  let pending = null;
  let refreshing = false;
  let again = false;

  const beingEdited = (region) => {
    const active = document.activeElement;
    if (active && region.contains(active) && active.matches("input, select, textarea")) return true;
    for (const field of region.querySelectorAll("input:not([type=hidden]), textarea")) {
      if (field.value !== field.defaultValue) return true;
    }
    for (const select of region.querySelectorAll("select:not([multiple])")) {
      // With no option marked selected, the browser shows the first one.
      const initial = Math.max(0, Array.from(select.options).findIndex((o) => o.defaultSelected));
      if (select.selectedIndex !== initial) return true;
    }
    return region.querySelector(".htmx-request") !== null;
  };

  const refresh = async () => {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await fetch(window.location.href, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const part of fresh.querySelectorAll("[data-live-id]")) {
        const current = document.querySelector(`[data-live-id="${CSS.escape(part.dataset.liveId)}"]`);
        if (!current || beingEdited(current)) continue;
        // Unchanged (same version): keep it as it is, with any message it shows.
        const version = part.dataset.liveVersion;
        if (version !== undefined && version === current.dataset.liveVersion) continue;
        const adopted = document.importNode(part, true);
        current.replaceWith(adopted);
        if (window.htmx) window.htmx.process(adopted);
      }
      root.dispatchEvent(new CustomEvent("live:refreshed", { bubbles: true }));
    } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  };

  source.addEventListener("change", (event) => {
    try {
      const data = JSON.parse(event.data);
      if (status && data.message) status.textContent = data.message;
    } catch (error) {
      // A message we cannot read still means the page changed.
    }
    // Several events of one write arrive together: re-read the page once.
    clearTimeout(pending);
    pending = setTimeout(refresh, 120);
  });
  // The session ended: stop listening (the next click signs in again).
  source.addEventListener("end", () => source.close());
  window.addEventListener("pagehide", () => source.close());
});
