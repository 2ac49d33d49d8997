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

  // Each live part's version as the page shows it now.
  const shownVersions = () => new Map(
    Array.from(document.querySelectorAll("[data-live-id]"), (part) => [part.dataset.liveId, part.dataset.liveVersion]),
  );

  const refresh = async () => {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const before = shownVersions();
      const response = await fetch(window.location.href, {
        headers: { "HX-Request": "true" },
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const part of fresh.querySelectorAll("[data-live-id]")) {
        const current = document.querySelector(`[data-live-id="${CSS.escape(part.dataset.liveId)}"]`);
        if (!current || beingEdited(current)) continue;
        // Changed on this page while the page was being read (the reader's own save answered
        // meanwhile): what was read may be older than what is shown, so it is not put back;
        // the page is read again instead.
        if (current.dataset.liveVersion !== before.get(part.dataset.liveId)) { again = true; continue; }
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

// Confirmation of destructive or irreversible actions. A form, or the submit button, marked
// `data-confirm` asks in a modal <dialog> first; confirmed, the form is sent again with
// `confirm=yes`. Without JavaScript the server asks on a page of its own (the same words).
// With `data-confirm-when` (a selector), it asks only when the form holds a match: a save
// that also removes something ticked in it.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof HTMLDialogElement !== "function") return; // the server's page asks instead

  let dialog = null;
  const build = () => {
    dialog = document.createElement("dialog");
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-detail");
    dialog.innerHTML =
      '<article><h2 id="confirm-dialog-title"></h2><p id="confirm-dialog-detail"></p>' +
      '<footer class="form-actions"><button type="button" class="secondary outline" data-answer="no" autofocus></button>' +
      '<button type="button" class="contrast" data-answer="yes"></button></footer></article>';
    document.body.appendChild(dialog);
    return dialog;
  };

  const ask = (words, onYes, returnTo) => {
    const box = dialog || build();
    box.querySelector("#confirm-dialog-title").textContent = words.confirm || "";
    box.querySelector("#confirm-dialog-detail").textContent = words.confirmDetail || "";
    const yes = box.querySelector("[data-answer=yes]");
    const no = box.querySelector("[data-answer=no]");
    yes.textContent = words.confirmYes || "OK";
    no.textContent = words.confirmNo || "Cancel";
    const finish = (answer) => {
      yes.onclick = null;
      no.onclick = null;
      box.onclose = null;
      if (box.open) box.close();
      if (answer) onYes();
      else if (returnTo && returnTo.isConnected) returnTo.focus();
    };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    box.onclose = () => finish(false); // Escape
    box.showModal();
    no.focus(); // the safe answer first
  };

  // In the capture phase, before htmx (or the browser) sends the form.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement)) return;
      const submitter = event.submitter || null;
      const marked = submitter && submitter.dataset.confirm ? submitter : form.dataset.confirm ? form : null;
      if (!marked) return;
      if (marked.dataset.confirmWhen && !form.querySelector(marked.dataset.confirmWhen)) return;
      const given = form.querySelector("input[name=confirm][data-confirm-answer]");
      if (given) {
        // Confirmed: this submission goes through; the answer is not kept for a next one.
        setTimeout(() => given.remove(), 0);
        return;
      }
      event.preventDefault();
      event.stopImmediatePropagation();
      ask(
        marked.dataset,
        () => {
          const answer = document.createElement("input");
          answer.type = "hidden";
          answer.name = "confirm";
          answer.value = "yes";
          answer.dataset.confirmAnswer = "1";
          form.appendChild(answer);
          if (submitter) form.requestSubmit(submitter);
          else form.requestSubmit();
        },
        submitter || form.querySelector("button[type=submit], button:not([type])"),
      );
    },
    true,
  );
});

// Success messages and focus after an htmx write. The server sends the message of a write
// answered in place as an `itpp-notice` event (HX-Trigger); it goes into the status region.
// Then focus goes where the reader's attention is needed — the first error in what was
// swapped in, or its status message ("Saved.") — and never falls back to <body>.
document.addEventListener("DOMContentLoaded", () => {
  const notice = () => document.getElementById("notice");

  // A page reached after a write (the server's message after a redirect): say it first.
  const fresh = notice();
  if (fresh && fresh.dataset.fresh && fresh.textContent.trim() !== "" && !window.location.hash) {
    fresh.focus({ preventScroll: false });
  }

  document.body.addEventListener("itpp-notice", (event) => {
    const region = notice();
    if (!region) return;
    const text = typeof event.detail === "string" ? event.detail : (event.detail && event.detail.value) || "";
    region.textContent = "";
    const line = document.createElement("p");
    line.className = "notice";
    line.textContent = text;
    region.appendChild(line);
  });

  // A write (not a read: filters, the inbox count's polling leave focus alone). Each request
  // is handled once, though a swap settles each of its top-level elements.
  const isWrite = (detail) => {
    const config = detail && detail.requestConfig;
    return Boolean(config && config.verb && config.verb.toLowerCase() !== "get");
  };
  const handled = new WeakSet();
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (!isWrite(event.detail)) return;
    const region = notice();
    if (region) region.textContent = ""; // an old message does not describe this write
  });

  const focusOn = (element) => {
    if (!element.matches("a[href], button, input, select, textarea, [tabindex]")) {
      element.setAttribute("tabindex", "-1");
    }
    element.focus();
  };

  const visibleText = (element) => element.textContent.trim() !== "";

  document.body.addEventListener("htmx:afterSettle", (event) => {
    // A part the answer updated out of band (a counter beside the saved row) is not where
    // the reader's attention goes: the row it came with is.
    if (event.target instanceof Element && event.target.hasAttribute("data-swap-oob")) return;
    if (!isWrite(event.detail) || handled.has(event.detail.requestConfig)) return;
    handled.add(event.detail.requestConfig);
    let root = event.target;
    if (!(root instanceof Element) || !root.isConnected) root = document.getElementById("main");
    const within = (selector) =>
      Array.from(root.matches(selector) ? [root] : root.querySelectorAll(selector)).find(visibleText);
    const target =
      within(".error-summary, .form-error, .conflict, [role=alert]") ||
      root.querySelector("[aria-invalid=true]") ||
      within(".saved, .notice, [role=status]:not(.live-status):not(.copy-status)") ||
      (notice() && visibleText(notice()) ? notice() : null);
    const active = document.activeElement;
    if (target) {
      focusOn(target);
    } else if (!active || active === document.body || !active.isConnected) {
      focusOn(root);
    }
  });
});

// htmx parses the content it swaps in as if scripts were off, so a <noscript> in it would become
// live elements: a commitment picker's Search button (there for pages without JavaScript) would
// then be its form's first submit button, the one Enter presses. Such content goes.
document.addEventListener("htmx:load", (event) => {
  const root = event.detail.elt;
  if (!(root instanceof Element)) return;
  if (root.tagName === "NOSCRIPT") {
    root.remove();
    return;
  }
  root.querySelectorAll("noscript").forEach((element) => element.remove());
});

// "/" anywhere but in a field moves to the header's search box (aria-keyshortcuts says so).
document.addEventListener("keydown", (event) => {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  const target = event.target;
  if (target.closest && target.closest("input, textarea, select, [contenteditable]")) return;
  const box = document.getElementById("header-search");
  if (!box) return;
  event.preventDefault();
  box.focus();
});

// The tables' filter dropdowns (<details class="dropdown">): Escape inside one closes it and
// gives the focus back to its summary; a click elsewhere closes it.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.dropdown[open]").forEach((details) => {
    if (!details.contains(event.target)) details.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !(event.target instanceof Element)) return;
  const details = event.target.closest("details.dropdown[open]");
  if (!details) return;
  details.removeAttribute("open");
  details.querySelector("summary").focus();
});

// Attachments: with JavaScript, the upload form's drop zone (a button: it also opens the file
// picker, from the keyboard too) sends a dropped or chosen file at once, as the request's body,
// with a progress bar; the answer is the refreshed list, which replaces the old one, or the
// reason the file was refused (in the reader's language). Without JavaScript the form posts
// the file and the page comes back.
function setUpUploads(root) {
  root.querySelectorAll("form[data-upload]").forEach((form) => {
    if (form.dataset.uploadReady || !window.XMLHttpRequest) return;
    const zone = form.querySelector("[data-drop-zone]");
    const input = form.querySelector("input[type=file]");
    const bar = form.querySelector("[data-upload-progress]");
    const status = form.querySelector("[data-upload-status]");
    const problem = form.querySelector("[data-upload-error]");
    if (!zone || !input || !bar || !status || !problem) return;
    form.dataset.uploadReady = "1";
    zone.hidden = false;
    form.querySelectorAll("[data-without-js]").forEach((element) => { element.hidden = true; });
    input.required = false;

    const send = (file) => {
      const chosen = form.querySelector("input[name=visibility]:checked");
      const visibility = chosen ? chosen.value : "shared";
      const xhr = new XMLHttpRequest();
      xhr.open("POST", `${form.dataset.upload}&visibility=${encodeURIComponent(visibility)}`);
      xhr.setRequestHeader("X-CSRF-Token", form.querySelector("input[name=csrf_token]").value);
      xhr.setRequestHeader("X-File-Name", encodeURIComponent(file.name));
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      problem.textContent = "";
      status.textContent = (form.dataset.uploading || "").replace("{name}", file.name);
      bar.value = 0;
      bar.hidden = false;
      zone.disabled = true;
      // Marked busy: a live refresh meanwhile leaves this part alone (the answer replaces it).
      form.classList.add("htmx-request");
      xhr.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) bar.value = Math.round((event.loaded * 100) / event.total);
      });
      const fail = (message) => {
        form.classList.remove("htmx-request");
        zone.disabled = false;
        bar.hidden = true;
        status.textContent = "";
        problem.textContent = message || document.body.dataset.networkError || "";
        input.value = "";
      };
      xhr.addEventListener("load", () => {
        const type = xhr.getResponseHeader("content-type") || "";
        if (xhr.status !== 200) {
          fail(type.startsWith("text/plain") ? xhr.responseText : "");
          return;
        }
        bar.value = 100;
        form.classList.remove("htmx-request");
        const section = form.closest("[data-live-id]");
        const fresh = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("[data-live-id]");
        if (!section || !fresh) { fail(""); return; }
        const adopted = document.importNode(fresh, true);
        section.replaceWith(adopted);
        setUpUploads(adopted);
        let notice = "";
        try {
          notice = JSON.parse(xhr.getResponseHeader("HX-Trigger") || "{}")["itpp-notice"] || "";
        } catch (error) {
          notice = "";
        }
        const newStatus = adopted.querySelector("[data-upload-status]");
        if (newStatus) newStatus.textContent = notice;
        const newZone = adopted.querySelector("[data-drop-zone]");
        if (newZone) newZone.focus();
      });
      xhr.addEventListener("error", () => fail(""));
      xhr.send(file);
    };

    zone.addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      if (input.files && input.files.length) send(input.files[0]);
    });
    for (const type of ["dragenter", "dragover"]) {
      zone.addEventListener(type, (event) => {
        event.preventDefault();
        zone.classList.add("drop-over");
      });
    }
    zone.addEventListener("dragleave", () => zone.classList.remove("drop-over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("drop-over");
      const files = event.dataTransfer ? event.dataTransfer.files : null;
      if (files && files.length) send(files[0]);
    });
    // The form itself (Enter in it): the picker, as the zone.
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      input.click();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => setUpUploads(document));
document.addEventListener("live:refreshed", () => setUpUploads(document));
