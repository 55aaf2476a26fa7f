// The entry page's video upload: a small tus 1.0.0 client (through the app), or S3 multipart
// parts PUT straight to presigned URLs, chosen by the page's data-mode. Survives dropped
// connections (retries with backoff, resuming from what the server holds) and page reloads
// (the upload's address is kept in localStorage under the entry and the file's fingerprint).
"use strict";

(() => {
  const root = document.getElementById("uploader");
  if (!root) {
    return;
  }
  const $ = (id) => document.getElementById(id);
  const input = $("video-file");
  const startButton = $("upload-start");
  const pauseButton = $("upload-pause");
  const resumeButton = $("upload-resume");
  const cancelButton = $("upload-cancel");
  const bar = $("upload-progress");
  const detail = $("upload-detail");
  const status = $("upload-status");
  const errorBox = $("upload-error");
  const result = $("upload-result");

  const mode = root.dataset.mode;
  const endpoint = root.dataset.endpoint;
  const entryId = Number(root.dataset.entryId);
  const maxBytes = Number(root.dataset.maxBytes);
  const chunkBytes = Number(root.dataset.chunkBytes) || 8 * 1024 * 1024;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = csrfMeta ? csrfMeta.content : "";
  const TUS = { "Tus-Resumable": "1.0.0" };
  const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  const MAX_ATTEMPTS = 12; // then the teacher decides: the Resume button tries again
  const ANNOUNCE_EVERY_MS = 10000;

  let file = null;
  let running = false;
  let paused = false;
  let request = null; // the XMLHttpRequest carrying bytes now
  let wake = null; // ends the wait before a retry early (pause, back online)
  let samples = [];
  let lastAnnounced = 0;
  let lastStep = -1;
  let attempts = 0; // failed tries in a row, for the backoff

  class Paused extends Error {}
  class HttpError extends Error {
    constructor(statusCode, message) {
      super(message);
      this.status = statusCode;
    }
  }

  // --- small helpers -----------------------------------------------------------------------------

  const megabytes = (bytes) => `${(bytes / 1048576).toFixed(1)} MB`;

  function duration(seconds) {
    const total = Math.max(1, Math.round(seconds));
    const minutes = Math.floor(total / 60);
    if (minutes >= 60) {
      return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
    }
    return minutes ? `${minutes} min ${total % 60} s` : `${total} s`;
  }

  function storageKey(chosen) {
    return ["psa-upload", mode, entryId, chosen.name, chosen.size, chosen.lastModified].join("|");
  }

  function remember(value) {
    try {
      window.localStorage.setItem(storageKey(file), value);
    } catch (ignored) {
      // Private browsing may refuse storage: the upload still works, only reloads restart it.
    }
  }

  function recall(chosen) {
    try {
      return window.localStorage.getItem(storageKey(chosen));
    } catch (ignored) {
      return null;
    }
  }

  function forget() {
    try {
      window.localStorage.removeItem(storageKey(file));
    } catch (ignored) {
      // nothing kept, nothing to remove
    }
  }

  async function messageOf(response) {
    try {
      const body = await response.json();
      if (body && body.message) {
        return body.message;
      }
    } catch (ignored) {
      // not JSON: fall back to the status line
    }
    return `The server answered ${response.status} ${response.statusText}.`;
  }

  function xhrMessage(xhr) {
    try {
      const body = JSON.parse(xhr.responseText);
      if (body && body.message) {
        return body.message;
      }
    } catch (ignored) {
      // not JSON
    }
    return `The server answered ${xhr.status}.`;
  }

  async function api(url, options) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store", ...options });
    if (!response.ok) {
      throw new HttpError(response.status, await messageOf(response));
    }
    return response;
  }

  function jsonRequest(method, body) {
    const options = {
      method,
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return options;
  }

  // Bytes go by XMLHttpRequest: fetch has no upload progress events.
  function sendBytes(method, url, headers, body, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      request = xhr;
      xhr.open(method, url);
      Object.entries(headers).forEach(([name, value]) => xhr.setRequestHeader(name, value));
      xhr.upload.addEventListener("progress", (event) => onProgress(event.loaded));
      xhr.addEventListener("load", () => {
        request = null;
        resolve(xhr);
      });
      xhr.addEventListener("error", () => {
        request = null;
        reject(new TypeError("network error"));
      });
      xhr.addEventListener("timeout", () => {
        request = null;
        reject(new TypeError("timed out"));
      });
      xhr.addEventListener("abort", () => {
        request = null;
        reject(new Paused("paused"));
      });
      xhr.send(body);
    });
  }

  // A pause pressed while no bytes were moving (during a HEAD, say) takes effect here.
  function stopIfPaused() {
    if (paused) {
      throw new Paused("paused");
    }
  }

  // --- what the teacher sees and hears ---------------------------------------------------------

  function announce(text) {
    status.textContent = text;
    lastAnnounced = Date.now();
  }

  function showProgress(done) {
    bar.max = file.size;
    bar.value = Math.min(done, file.size);
    const percent = Math.floor((100 * done) / file.size);
    const now = Date.now();
    samples.push([now, done]);
    samples = samples.filter(([when]) => now - when <= 10000);
    let text = `${percent}% uploaded: ${megabytes(done)} of ${megabytes(file.size)}`;
    const [firstTime, firstDone] = samples[0];
    if (now - firstTime >= 1000 && done > firstDone) {
      const speed = ((done - firstDone) * 1000) / (now - firstTime);
      text += `, ${megabytes(speed)}/s, about ${duration((file.size - done) / speed)} left`;
    }
    detail.textContent = `${text}.`;
    bar.textContent = `${percent}%`;
    // Screen readers hear every tenth, or every ANNOUNCE_EVERY_MS, not every progress event.
    const step = Math.floor(percent / 10);
    if (step !== lastStep || now - lastAnnounced >= ANNOUNCE_EVERY_MS) {
      lastStep = step;
      announce(`${text}.`);
    }
  }

  function setButtons(state) {
    startButton.disabled = state !== "ready";
    pauseButton.disabled = state !== "uploading";
    resumeButton.disabled = state !== "paused";
    cancelButton.disabled = !(state === "uploading" || state === "paused");
    input.disabled = state === "uploading" || state === "done";
  }

  function showError(message) {
    errorBox.textContent = message;
  }

  // --- tus: POST to create, HEAD to learn the offset, PATCH chunk after chunk --------------------

  async function tusOffset(url) {
    const response = await fetch(url, { method: "HEAD", headers: TUS, cache: "no-store" });
    if (response.status === 404 || response.status === 410) {
      return null;
    }
    if (!response.ok) {
      throw new HttpError(response.status, `The server answered ${response.status}.`);
    }
    return Number(response.headers.get("Upload-Offset"));
  }

  function metadata(pairs) {
    const encode = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
    return Object.entries(pairs)
      .map(([key, value]) => `${key} ${encode(String(value))}`)
      .join(",");
  }

  async function tusUpload() {
    let url = recall(file);
    let offset = url ? await tusOffset(url) : null;
    if (offset === null) {
      const created = await api(endpoint, {
        method: "POST",
        headers: {
          ...TUS,
          "Upload-Length": String(file.size),
          "Upload-Metadata": metadata({
            entry_id: entryId,
            filename: file.name,
            filetype: file.type || "application/octet-stream",
          }),
        },
      });
      url = new URL(created.headers.get("Location"), window.location.href).href;
      remember(url);
      offset = 0;
    }
    showProgress(offset);
    while (offset < file.size) {
      stopIfPaused();
      const start = offset;
      const end = Math.min(start + chunkBytes, file.size);
      const xhr = await sendBytes(
        "PATCH",
        url,
        { ...TUS, "Upload-Offset": String(start), "Content-Type": "application/offset+octet-stream" },
        file.slice(start, end),
        (loaded) => showProgress(start + loaded),
      );
      if (xhr.status === 409) {
        offset = await tusOffset(url); // out of step (a retried chunk had arrived): ask
        if (offset === null) {
          throw new HttpError(410, "The upload was lost on the server: start again.");
        }
        continue;
      }
      if (xhr.status !== 204) {
        throw new HttpError(xhr.status, xhrMessage(xhr));
      }
      offset = Number(xhr.getResponseHeader("Upload-Offset"));
      attempts = 0;
      showProgress(offset);
    }
  }

  async function tusCancel() {
    const url = recall(file);
    if (url) {
      await fetch(url, { method: "DELETE", headers: TUS });
    }
  }

  // --- S3: presigned part URLs from the app, parts PUT to the bucket, then complete -------------

  async function s3Upload() {
    let plan = null;
    const known = recall(file);
    if (known) {
      try {
        plan = await (await api(known, jsonRequest("GET"))).json();
      } catch (error) {
        if (!(error instanceof HttpError) || error.status >= 500) {
          throw error;
        }
        forget(); // expired or gone: start afresh
      }
    }
    if (!plan) {
      const body = {
        entry_id: entryId,
        filename: file.name,
        size: file.size,
        filetype: file.type || "application/octet-stream",
      };
      plan = await (await api(endpoint, jsonRequest("POST", body))).json();
      remember(plan.abort_url);
    }
    const etags = new Map();
    let done = 0;
    plan.done.forEach((part) => {
      etags.set(part.number, part.etag);
      done += part.size;
    });
    showProgress(done);
    for (const part of plan.parts) {
      if (etags.has(part.number)) {
        continue;
      }
      stopIfPaused();
      const start = (part.number - 1) * plan.part_size;
      const end = Math.min(start + plan.part_size, file.size);
      const before = done;
      const xhr = await sendBytes("PUT", part.url, {}, file.slice(start, end), (loaded) =>
        showProgress(before + loaded),
      );
      if (xhr.status !== 200) {
        throw new HttpError(xhr.status, `The video store answered ${xhr.status}.`);
      }
      const etag = xhr.getResponseHeader("ETag");
      if (!etag) {
        throw new HttpError(400, "The video store hid the part's ETag (check its CORS rules).");
      }
      etags.set(part.number, etag);
      done += end - start;
      attempts = 0;
      showProgress(done);
    }
    const parts = [...etags].map(([number, etag]) => ({ number, etag }));
    await api(plan.complete_url, jsonRequest("POST", { parts }));
  }

  async function s3Cancel() {
    const url = recall(file);
    if (url) {
      await fetch(url, { ...jsonRequest("DELETE"), credentials: "same-origin" });
    }
  }

  // --- running, retrying, pausing ----------------------------------------------------------------

  const retryable = (error) =>
    error instanceof TypeError ||
    (error instanceof HttpError && (error.status >= 500 || [408, 423, 429].includes(error.status)));

  function waitBeforeRetry(milliseconds) {
    return new Promise((resolve) => {
      const timer = window.setTimeout(resolve, milliseconds);
      wake = () => {
        window.clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = null;
    });
  }

  function warnOnLeave(event) {
    event.preventDefault();
    event.returnValue = "";
  }

  async function run() {
    running = true;
    paused = false;
    showError("");
    setButtons("uploading");
    window.addEventListener("beforeunload", warnOnLeave);
    try {
      for (;;) {
        try {
          await (mode === "s3" ? s3Upload() : tusUpload());
          forget();
          finished();
          return;
        } catch (error) {
          if (paused || error instanceof Paused) {
            setButtons("paused");
            announce(`Paused at ${bar.textContent}. Press Resume to carry on.`);
            return;
          }
          if (!retryable(error) || attempts >= MAX_ATTEMPTS) {
            const reason = error instanceof HttpError ? error.message : "The connection was lost.";
            showError(`${reason} Press Resume to try again.`);
            setButtons(error instanceof HttpError && !retryable(error) ? "ready" : "paused");
            if (error instanceof HttpError && !retryable(error)) {
              forget();
            }
            return;
          }
          const delay = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length - 1)];
          attempts += 1;
          announce(`Connection lost. Trying again in ${Math.round(delay / 1000)} s…`);
          await waitBeforeRetry(delay);
          if (paused) {
            setButtons("paused");
            announce("Paused. Press Resume to carry on.");
            return;
          }
        }
      }
    } finally {
      running = false;
      window.removeEventListener("beforeunload", warnOnLeave);
    }
  }

  function finished() {
    bar.max = file.size;
    bar.value = file.size;
    bar.textContent = "100%";
    detail.textContent = `100% uploaded: ${megabytes(file.size)}.`;
    announce("Upload complete: the video was received and is being processed.");
    setButtons("done");
    result.hidden = false;
    $("upload-result-heading").focus();
  }

  input.addEventListener("change", () => {
    file = input.files[0] || null;
    result.hidden = true;
    showError("");
    samples = [];
    lastStep = -1;
    bar.value = 0;
    if (!file) {
      setButtons("idle");
      detail.textContent = "No file chosen yet.";
      return;
    }
    if (file.size === 0) {
      showError("This file is empty. Choose the video file itself.");
      setButtons("idle");
      return;
    }
    if (file.size > maxBytes) {
      showError(`This file is ${megabytes(file.size)}; this contest accepts up to ${megabytes(maxBytes)}.`);
      setButtons("idle");
      return;
    }
    const resuming = recall(file) !== null;
    detail.textContent = resuming
      ? `${file.name} (${megabytes(file.size)}) was partly uploaded before: Upload carries on where it stopped.`
      : `${file.name} (${megabytes(file.size)}) is ready to upload.`;
    setButtons("ready");
  });

  startButton.addEventListener("click", () => {
    if (file && !running) {
      attempts = 0;
      run();
    }
  });

  pauseButton.addEventListener("click", () => {
    paused = true;
    if (request) {
      request.abort();
    }
    if (wake) {
      wake();
    }
  });

  resumeButton.addEventListener("click", () => {
    if (file && !running) {
      attempts = 0;
      announce("Resuming…");
      run();
    }
  });

  cancelButton.addEventListener("click", async () => {
    paused = true;
    if (request) {
      request.abort();
    }
    if (wake) {
      wake();
    }
    try {
      await (mode === "s3" ? s3Cancel() : tusCancel());
    } catch (ignored) {
      // the server sweeps abandoned uploads anyway
    }
    forget();
    bar.value = 0;
    detail.textContent = "Upload cancelled.";
    announce("Upload cancelled.");
    setButtons(file ? "ready" : "idle");
  });

  window.addEventListener("online", () => {
    if (wake) {
      wake(); // back online: retry now rather than at the end of the wait
    }
  });

  setButtons("idle");
})();
