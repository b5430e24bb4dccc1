/* citewise chat: citation popovers, jump to the quote, exports.
 *
 * Loaded once per page (gradio's launch(js=...)). The answer HTML is built and escaped
 * in Python (assistant/chat_view.py, assistant/chat_sources.py); this script only adds
 * behaviour to it:
 *   - hovering or focusing a [n] button shows a popover with the badge, quote and
 *     short reference of that citation (role="tooltip", wired with aria-describedby,
 *     which Gradio's sanitizer strips from the message, so it is added here);
 *   - clicking [n] (or Enter/Space on it) scrolls the sources panel to the quote,
 *     highlights it inside its passage, moves focus there and announces it; "Back to
 *     [n]" returns focus to the answer;
 *   - "Copy answer" copies the answer's Markdown; "Download RIS/BibTeX" saves its
 *     references. Nothing leaves the browser: the texts are already in the panel.
 */
() => {
  if (window.citewise) return;
  window.citewise = { ready: true };
  const JUMP_WAIT_MS = 15000;

  const popover = document.createElement("div");
  popover.id = "cw-popover";
  popover.className = "cw-popover";
  popover.setAttribute("role", "tooltip");
  popover.hidden = true;
  document.body.appendChild(popover);
  let lastCite = null;

  /** "cw-cite-KEY-I" -> {key, i}; null for anything else. */
  function citeParts(button) {
    const match = /^cw-cite-(.+)-(\d+)$/.exec((button && button.id) || "");
    return match ? { key: match[1], i: match[2] } : null;
  }

  function citeNumber(button) {
    return (button.firstChild ? button.firstChild.textContent : "").replace(/[[\]]/g, "");
  }

  function closestCite(target) {
    return target && target.closest ? target.closest("button.cw-cite") : null;
  }

  /** Screen reader wiring the sanitizer removed: a label and the popover text as description. */
  function enhance() {
    document.querySelectorAll("button.cw-cite:not([aria-describedby])").forEach((button) => {
      const parts = citeParts(button);
      const popId = parts && `cw-pop-${parts.key}-${parts.i}`;
      if (!popId || !document.getElementById(popId)) return; // not revealed yet
      button.setAttribute("aria-describedby", popId);
      button.setAttribute("aria-label", `Source ${citeNumber(button)}: show the quote in the sources panel`);
    });
  }

  function show(button) {
    const parts = citeParts(button);
    const source = parts && document.getElementById(`cw-pop-${parts.key}-${parts.i}`);
    if (!source) return;
    popover.innerHTML = source.innerHTML; // built and escaped in Python, sanitized by Gradio
    popover.hidden = false;
    popover.dataset.for = button.id;
    place(button);
  }

  function place(button) {
    const margin = 8;
    const anchor = button.getBoundingClientRect();
    popover.style.maxWidth = `${Math.min(380, window.innerWidth - 2 * margin)}px`;
    const box = popover.getBoundingClientRect();
    const centred = anchor.left + anchor.width / 2 - box.width / 2;
    const left = Math.max(margin, Math.min(centred, window.innerWidth - box.width - margin));
    let top = anchor.bottom + 6;
    if (top + box.height > window.innerHeight - margin && anchor.top - box.height - 6 > margin) {
      top = anchor.top - box.height - 6;
    }
    popover.style.left = `${left}px`;
    popover.style.top = `${top}px`;
  }

  function hide() {
    popover.hidden = true;
    popover.dataset.for = "";
  }

  function announce(text) {
    const region = document.getElementById("cw-announce");
    if (region) region.textContent = text;
  }

  function jump(target, button) {
    document.querySelectorAll(".cw-passage.cw-target").forEach((el) => el.classList.remove("cw-target"));
    target.classList.add("cw-target");
    bringIntoView(target);
    target.focus({ preventScroll: true });
    const back = target.querySelector("[data-cw-back]");
    if (back) back.hidden = false;
    hide();
    announce(`Source ${citeNumber(button)}: the quote is highlighted in the sources panel.`);
  }

  /** Scroll the sources panel (when it scrolls on its own) to centre ``target``; scroll
   * the page only when the target is still out of sight (narrow screens). */
  function bringIntoView(target) {
    const panel = target.closest(".cw-sources");
    if (panel && panel.scrollHeight > panel.clientHeight + 1) {
      const t = target.getBoundingClientRect();
      const p = panel.getBoundingClientRect();
      panel.scrollTop += t.top - p.top - (p.height - t.height) / 2;
    }
    const box = target.getBoundingClientRect();
    if (box.top < 0 || box.bottom > window.innerHeight) target.scrollIntoView({ block: "center" });
  }

  function waitForElement(id, timeoutMs) {
    return new Promise((resolve) => {
      const started = Date.now();
      const poll = () => {
        const found = document.getElementById(id);
        if (found || Date.now() - started > timeoutMs) resolve(found);
        else setTimeout(poll, 100);
      };
      poll();
    });
  }

  function onCite(event, button) {
    const parts = citeParts(button);
    if (!parts) return;
    lastCite = button;
    const id = `cw-q-${parts.key}-${parts.i}`;
    const target = document.getElementById(id);
    if (target) {
      // The panel already shows this answer: keep the click from re-selecting the message.
      event.stopPropagation();
      jump(target, button);
      return;
    }
    // The panel shows another answer: the click selects this message, the chat shows its
    // sources, and the jump follows once they are there.
    waitForElement(id, JUMP_WAIT_MS).then((found) => found && jump(found, button));
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(
        () => true,
        () => copyWithSelection(text),
      );
    }
    return Promise.resolve(copyWithSelection(text));
  }

  function copyWithSelection(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    area.remove();
    return copied;
  }

  function onCopy(button) {
    const source = document.getElementById(`cw-export-md-${button.dataset.cwCopy}`);
    if (!source) return;
    copyText(source.textContent).then((copied) => {
      const label = button.dataset.label || button.textContent;
      button.dataset.label = label;
      button.textContent = copied ? "Copied ✓" : "Copy failed: select the text and copy it";
      announce(copied ? "The answer was copied as Markdown." : "The answer could not be copied.");
      setTimeout(() => (button.textContent = label), 2500);
    });
  }

  function onDownload(button) {
    const kind = button.dataset.cwDownload;
    const key = button.dataset.cwAnswer;
    const source = document.getElementById(`cw-export-${kind}-${key}`);
    if (!source) return;
    const type = kind === "ris" ? "application/x-research-info-systems" : "application/x-bibtex";
    const url = URL.createObjectURL(new Blob([source.textContent], { type: `${type};charset=utf-8` }));
    const link = document.createElement("a");
    link.href = url;
    link.download = `citewise-${key}.${kind}`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    announce(`References downloaded as ${kind === "ris" ? "RIS" : "BibTeX"}.`);
  }

  function onBack() {
    if (lastCite && document.body.contains(lastCite)) {
      lastCite.scrollIntoView({ block: "center" });
      lastCite.focus();
    }
  }

  document.addEventListener(
    "click",
    (event) => {
      const target = event.target;
      if (!target || !target.closest) return;
      const cite = closestCite(target);
      if (cite) return onCite(event, cite);
      const copy = target.closest("[data-cw-copy]");
      if (copy) return onCopy(copy);
      const download = target.closest("[data-cw-download]");
      if (download) return onDownload(download);
      if (target.closest("[data-cw-back]")) onBack();
    },
    true,
  );
  document.addEventListener("mouseover", (event) => {
    const cite = closestCite(event.target);
    if (cite) show(cite);
  });
  document.addEventListener("mouseout", (event) => {
    const cite = closestCite(event.target);
    if (cite && !cite.contains(event.relatedTarget) && document.activeElement !== cite) hide();
  });
  document.addEventListener("focusin", (event) => {
    const cite = closestCite(event.target);
    if (cite) show(cite);
  });
  document.addEventListener("focusout", (event) => {
    if (closestCite(event.target)) hide();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !popover.hidden) hide();
  });
  window.addEventListener(
    "scroll",
    () => {
      const anchor = popover.hidden ? null : document.getElementById(popover.dataset.for);
      if (anchor) place(anchor);
    },
    true,
  );

  let scheduled = false;
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      enhance();
    });
  }).observe(document.body, { childList: true, subtree: true });
  enhance();
}
