// The judge's scoring screen: autosave (debounced JSON POSTs with the page's CSRF token), kept on
// this device while offline or signed out (localStorage, keyed by sheet) and sent when the
// browser is back online or on the next load; and watch evidence (the <video>'s played ranges,
// sent now and then and on pause/end). Without JavaScript the form's own buttons save and submit.
"use strict";

(() => {
  const form = document.getElementById("score-form");
  if (!form) {
    return;
  }
  const sheetId = form.dataset.sheetId;
  const draftUrl = form.dataset.draftUrl;
  const locked = form.dataset.locked === "true";
  const statusBox = document.getElementById("save-status");
  const watchStatus = document.getElementById("watch-status");
  const video = document.getElementById("entry-video");
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.content : "";
  const KEY = `psa-score-sheet|${sheetId}`;
  const DEBOUNCE_MS = 700;
  const RETRY_MS = 20000;
  const WATCH_EVERY_MS = 5000;

  class Refused extends Error {} // the server said no for good (400, 404, 409): don't retry

  // --- what is kept on this device ---------------------------------------------------------------

  function kept() {
    try {
      return JSON.parse(window.localStorage.getItem(KEY) || "null");
    } catch (ignored) {
      return null;
    }
  }

  function keep(draft) {
    try {
      window.localStorage.setItem(KEY, JSON.stringify(draft));
    } catch (ignored) {
      // Storage refused (private browsing, full): saving to the server still works.
    }
  }

  function forget(editedAt) {
    const draft = kept();
    // Only what was sent: an edit made while the save was on its way stays pending.
    if (draft && (editedAt === undefined || draft.editedAt === editedAt)) {
      window.localStorage.removeItem(KEY);
    }
  }

  // --- the form ----------------------------------------------------------------------------------

  function collect() {
    const points = {};
    form.querySelectorAll("fieldset[data-criterion-id]").forEach((fieldset) => {
      const chosen = fieldset.querySelector("input[type=radio]:checked");
      points[fieldset.dataset.criterionId] = chosen ? Number(chosen.value) : null;
    });
    return {
      points,
      comment: form.elements.comment.value,
      feedback: form.elements.feedback.value,
    };
  }

  function apply(draft) {
    Object.entries(draft.points || {}).forEach(([criterionId, value]) => {
      form.querySelectorAll(`input[name="criterion-${criterionId}"]`).forEach((radio) => {
        radio.checked = value !== null && Number(radio.value) === value;
      });
    });
    if (typeof draft.comment === "string") {
      form.elements.comment.value = draft.comment;
    }
    if (typeof draft.feedback === "string") {
      form.elements.feedback.value = draft.feedback;
    }
  }

  function say(text, offline) {
    statusBox.textContent = text;
    statusBox.classList.toggle("offline", Boolean(offline));
  }

  // --- sending -----------------------------------------------------------------------------------

  async function postJson(url, body, keepalive) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error", // a redirect (to the sign-in page, say) is not a save
      keepalive: Boolean(keepalive),
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken,
      },
      body: JSON.stringify(body),
    });
    let answer = null;
    try {
      answer = await response.json();
    } catch (ignored) {
      answer = null;
    }
    if (response.ok && answer) {
      return answer;
    }
    const message = (answer && answer.message) || `The server answered ${response.status}.`;
    if ([400, 403, 404, 409].includes(response.status)) {
      throw new Refused(message);
    }
    throw new Error(message); // 401 (signed out), 5xx: keep the draft and try again later
  }

  let timer = null;
  let retryTimer = null;
  let sending = false;

  async function flush() {
    window.clearTimeout(timer);
    const draft = kept();
    if (!draft || sending) {
      return;
    }
    if (!navigator.onLine) {
      say("Offline: kept on this device. It will be saved when you are back online.", true);
      return;
    }
    sending = true;
    say("Saving…");
    try {
      await postJson(draftUrl, {
        points: draft.points,
        comment: draft.comment,
        feedback: draft.feedback,
      });
      forget(draft.editedAt);
      say("Saved");
    } catch (error) {
      if (error instanceof Refused) {
        forget(draft.editedAt);
        say(`Not saved: ${error.message}`, true);
      } else {
        say("Offline: kept on this device. It will be saved when the connection is back.", true);
        window.clearTimeout(retryTimer);
        retryTimer = window.setTimeout(flush, RETRY_MS);
      }
    } finally {
      sending = false;
    }
    const newer = kept();
    if (newer && newer.editedAt !== draft.editedAt) {
      flush(); // changed while the save was on its way
    }
  }

  function changed() {
    keep({ ...collect(), editedAt: Date.now() });
    say(navigator.onLine ? "Saving…" : "Offline: kept on this device.", !navigator.onLine);
    window.clearTimeout(timer);
    timer = window.setTimeout(flush, DEBOUNCE_MS);
  }

  if (locked) {
    forget(); // a submitted sheet is what the server holds
  } else {
    form.addEventListener("change", changed);
    form.addEventListener("input", (event) => {
      if (event.target.tagName === "TEXTAREA") {
        changed();
      }
    });
    window.addEventListener("online", flush);
    window.addEventListener("offline", () => {
      if (kept()) {
        say("Offline: kept on this device.", true);
      }
    });
    // Work kept from an earlier visit that the server never got: show it and send it.
    const draft = kept();
    const serverTime = Date.parse(form.dataset.updatedAt);
    if (draft && !(draft.editedAt <= serverTime)) {
      apply(draft);
      say("Restored changes kept on this device; saving…");
      flush();
    } else if (draft) {
      forget(); // the server has newer work (from another device, say)
    }
  }

  // --- watch evidence ----------------------------------------------------------------------------

  const watchUrl = video && video.dataset.watchUrl;
  if (!watchUrl) {
    return;
  }
  let lastSent = "";

  function playedRanges() {
    const ranges = [];
    for (let i = 0; i < video.played.length; i += 1) {
      ranges.push([video.played.start(i), video.played.end(i)]);
    }
    return ranges;
  }

  async function sendWatch(keepalive) {
    const ranges = playedRanges();
    const signature = JSON.stringify(ranges);
    if (!ranges.length || signature === lastSent || !navigator.onLine) {
      return;
    }
    try {
      const answer = await postJson(
        watchUrl,
        { ranges, duration: Number.isFinite(video.duration) ? video.duration : null },
        keepalive,
      );
      lastSent = signature;
      if (watchStatus) {
        const percent = Math.floor(answer.watched_fraction * 100);
        watchStatus.textContent = watchStatus.textContent.replace(/\d+%/, `${percent}%`);
      }
    } catch (ignored) {
      // The played ranges stay in the player: the next report sends them all.
    }
  }

  video.addEventListener("pause", () => sendWatch());
  video.addEventListener("ended", () => sendWatch());
  window.setInterval(() => {
    if (!video.paused) {
      sendWatch();
    }
  }, WATCH_EVERY_MS);
  window.addEventListener("online", () => sendWatch());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") {
      sendWatch(true);
    }
  });
})();
