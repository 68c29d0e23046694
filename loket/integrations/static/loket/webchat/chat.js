// The chat, inside its frame on Loket's origin (docs/channels/webchat.md).
//
// Sending is a POST (it answers with an error the visitor can read: too long, too large);
// receiving is a WebSocket that pushes the conversation as it grows, and, while the socket is
// down, a poll every few seconds. Each message the visitor writes has its own id, so a message
// sent twice after a dropped connection is stored once.
//
// Live or not: the page says whether the chat is live (open and someone available), and the
// frame asks again (GET status/) every config.statusSeconds and whenever it is shown. When it
// is not live, a new visitor gets the leave-a-message form instead of the chat; when an agent
// becomes available the form gives way to the chat, taking along what was typed in it.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("chat-config").textContent);
  const root = document.querySelector("[data-chat]");
  const log = root.querySelector("[data-log]");
  const composer = root.querySelector("[data-composer]");
  const textarea = composer.querySelector("textarea");
  const fileInput = composer.querySelector("[data-file]");
  const sendButton = composer.querySelector("button[type=submit]");
  const errorLine = composer.querySelector("[data-error]");
  const details = root.querySelector("[data-details]");
  const typingLine = root.querySelector("[data-typing]");
  const statusLine = root.querySelector("[data-status]");
  const offline = root.querySelector("[data-offline]");
  const leaveForm = offline.querySelector("[data-leave]");
  const leftPanel = offline.querySelector("[data-left]");
  const foot = root.querySelector("[data-foot]");
  const transcriptOpen = foot.querySelector("[data-transcript-open]");
  const transcriptForm = foot.querySelector("[data-transcript]");
  const transcriptResult = foot.querySelector("[data-transcript-result]");
  const strings = {};
  for (const item of document.querySelector("template[data-strings]").content.querySelectorAll("[data-key]")) {
    strings[item.dataset.key] = item.textContent;
  }

  const POLL_MS = 3000;
  const storageKey = `loket-chat:${config.key}`;
  const emailKey = `${storageKey}:email`;
  let token = readToken();
  let mode = null; // "live": the chat; "offline": the leave-a-message form
  let line = config.status.line; // the header's line while connected
  let left = false; // a message was left: the thanks stay
  let lastId = 0;
  let socket = null;
  let socketOpen = false;
  let reconnectDelay = 1000;
  let pollTimer = null;
  let typingTimer = null;
  let unread = 0;
  let inView = true; // the website shows the frame (the loader says when it hides it)
  const pending = new Map(); // client id → its bubble, until the server has it

  // --- The visitor token: kept for this widget in the browser's storage ----------------------
  function readToken() {
    try {
      return localStorage.getItem(storageKey) || "";
    } catch {
      return ""; // storage blocked: the conversation lasts as long as the page
    }
  }

  function keepToken(value) {
    token = value;
    try {
      localStorage.setItem(storageKey, value);
    } catch {
      /* see readToken */
    }
  }

  // The address the visitor gave (pre-chat or leave-a-message form), to offer for the transcript.
  // Kept in this browser only: the server never sends a visitor's address back.
  function keepEmail(value) {
    if (!value) return;
    try {
      localStorage.setItem(emailKey, value);
    } catch {
      /* see readToken */
    }
  }

  function knownEmail() {
    try {
      return localStorage.getItem(emailKey) || "";
    } catch {
      return "";
    }
  }

  async function ensureToken() {
    if (token) return token;
    const response = await fetch(config.urls.visitor, { method: "POST", credentials: "omit" });
    if (!response.ok) throw new Error(String(response.status));
    keepToken((await response.json()).token);
    return token;
  }

  function headers(extra = {}) {
    return { "X-Loket-Visitor": token, ...extra };
  }

  function url(path, query = {}) {
    const result = new URL(path, window.location.origin);
    result.searchParams.set("lang", config.language);
    for (const [name, value] of Object.entries(query)) result.searchParams.set(name, value);
    return result;
  }

  function clientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // --- Showing the conversation --------------------------------------------------------------
  function timeOf(iso) {
    return new Date(iso).toLocaleTimeString(config.language, { hour: "2-digit", minute: "2-digit" });
  }

  function meta(iso) {
    const line = document.createElement("span");
    line.className = "bubble__meta";
    line.textContent = timeOf(iso);
    return line;
  }

  function bubble(from, text, files = []) {
    const item = document.createElement("li");
    item.className = `bubble bubble--${from}`;
    const body = document.createElement("span");
    body.className = "bubble__text";
    body.textContent = [text, ...files.map((name) => `${strings.file}: ${name}`)].filter(Boolean).join("\n");
    item.append(body);
    return item;
  }

  function show(items) {
    let agentSeen = 0;
    for (const message of items) {
      if (message.id <= lastId) continue;
      lastId = message.id;
      const existing = message.client_id && pending.get(message.client_id);
      if (existing) {
        existing.classList.remove("bubble--pending");
        existing.append(meta(message.at));
        pending.delete(message.client_id);
        continue;
      }
      const item = bubble(message.from, message.text, message.files);
      if (message.from === "agent") {
        if (message.name) {
          const who = document.createElement("span");
          who.className = "bubble__who";
          who.textContent = message.name;
          item.prepend(who);
        }
        agentSeen = message.id;
        typingLine.hidden = true;
      }
      item.append(meta(message.at));
      log.append(item);
    }
    if (items.length) log.scrollTop = log.scrollHeight;
    if (agentSeen) seen(agentSeen);
    if (lastId) {
      foot.hidden = false;
      log.hidden = false;
    }
  }

  // The agent's replies count as read once the visitor has the chat open in view.
  function seen(upTo) {
    if (document.visibilityState !== "visible" || !inView) {
      unread += 1;
      window.parent.postMessage({ loketChat: "unread", count: unread }, "*");
      return;
    }
    fetch(url(config.urls.read), {
      method: "POST",
      credentials: "omit",
      headers: headers({ "Content-Type": "application/json" }),
      body: JSON.stringify({ up_to: upTo }),
    }).catch(() => {});
  }

  function caughtUp() {
    if (document.visibilityState === "visible" && inView && unread) {
      unread = 0;
      window.parent.postMessage({ loketChat: "unread", count: 0 }, "*");
      seen(lastId);
    }
  }

  document.addEventListener("visibilitychange", caughtUp);
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || !event.data || typeof event.data !== "object") return;
    if (event.data.loketChat === "shown") {
      inView = true;
      caughtUp();
      checkStatus();
      if (mode === "live") textarea.focus();
    }
    if (event.data.loketChat === "hidden") inView = false;
  });

  // --- Receiving: the socket, and polling while it is down -----------------------------------
  function connect() {
    if (!token || socket) return;
    // Poll until the socket is open: a socket that hangs (a proxy that does not pass WebSockets)
    // must not leave the visitor without the agent's replies.
    startPolling();
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${window.location.host}${config.urls.socket}?token=${encodeURIComponent(token)}`);
    socket.addEventListener("open", () => {
      socketOpen = true;
      reconnectDelay = 1000;
      stopPolling();
      statusLine.textContent = line;
      socket.send(JSON.stringify({ type: "since", id: lastId }));
    });
    socket.addEventListener("message", (event) => {
      const data = JSON.parse(event.data);
      if (data.type === "messages") show(data.items);
      if (data.type === "typing") showTyping(data.name);
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      socketOpen = false;
      if (event.code === 4403) {
        // The widget no longer knows this token (switched off, or another widget's): start over.
        return;
      }
      startPolling();
      statusLine.textContent = strings.offline;
      setTimeout(connect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, 30000);
    });
  }

  async function poll() {
    if (!token) return;
    try {
      const response = await fetch(url(config.urls.messages, { na: lastId }), {
        credentials: "omit",
        headers: headers(),
      });
      if (response.ok) show((await response.json()).items);
    } catch {
      /* offline: the next poll tries again */
    }
  }

  function startPolling() {
    if (!pollTimer) pollTimer = setInterval(poll, POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  function showTyping(name) {
    typingLine.textContent = strings.typing.replace("%(name)s", name);
    typingLine.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      typingLine.hidden = true;
    }, 6000);
  }

  // --- Sending ---------------------------------------------------------------------------------
  function showError(text) {
    errorLine.textContent = text;
    errorLine.hidden = !text;
  }

  async function post(body, item) {
    await ensureToken();
    const isFile = body instanceof FormData;
    const response = await fetch(url(isFile ? config.urls.upload : config.urls.messages), {
      method: "POST",
      credentials: "omit",
      headers: headers(isFile ? {} : { "Content-Type": "application/json" }),
      body: isFile ? body : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(answer.error || strings.failed);
      error.status = response.status;
      throw error;
    }
    connect();
    if (!socketOpen) poll();
    return answer;
  }

  function failed(item, retry) {
    item.classList.remove("bubble--pending");
    item.classList.add("bubble--failed");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = strings.retry;
    button.addEventListener("click", () => {
      item.classList.remove("bubble--failed");
      item.classList.add("bubble--pending");
      button.remove();
      retry();
    });
    item.append(button);
  }

  function detailsOnce() {
    if (details.hidden) return {};
    const form = new FormData(details);
    keepEmail(form.get("email"));
    return { name: form.get("name") || "", email: form.get("email") || "", phone: form.get("phone") || "" };
  }

  function send(text) {
    const id = clientId();
    const item = bubble("visitor", text);
    item.classList.add("bubble--pending");
    pending.set(id, item);
    log.append(item);
    log.scrollTop = log.scrollHeight;
    const body = { text, client_id: id, ...detailsOnce() };
    const attempt = () =>
      post(body, item)
        .then(() => {
          details.hidden = true;
          showError("");
        })
        .catch((error) => {
          if (error.status === 400 && body.email) {
            // The details were refused (an address that is not one): say so there.
            const line = details.querySelector("[data-details-error]");
            line.textContent = error.message;
            line.hidden = false;
          }
          showError(error.message);
          failed(item, attempt);
        });
    attempt();
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) return;
    textarea.value = "";
    send(text);
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });

  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    if (file.size > config.maxBytes) {
      showError(strings.tooLarge);
      return;
    }
    const id = clientId();
    const item = bubble("visitor", "", [file.name]);
    item.classList.add("bubble--pending");
    pending.set(id, item);
    log.append(item);
    const form = new FormData();
    form.append("file", file);
    form.append("client_id", id);
    const attempt = () =>
      post(form, item)
        .then(() => showError(""))
        .catch((error) => {
          showError(error.message);
          failed(item, attempt);
        });
    attempt();
  });

  // --- Live or not -----------------------------------------------------------------------------
  function applyStatus(status) {
    line = status.line;
    statusLine.textContent = status.line;
    offline.querySelector("[data-answer]").textContent = status.answer;
    if (status.live) {
      if (mode !== "live" && !left) showLive();
    } else if (mode === null || (mode === "live" && !lastId && !textarea.value.trim() && !pending.size)) {
      // A visitor already chatting keeps the chat: the agent's answer still reaches them here.
      showOffline();
    }
  }

  function showLive() {
    if (mode === "offline") {
      // Take along what was typed in the form, so nothing is typed twice.
      const form = new FormData(leaveForm);
      for (const name of ["name", "email", "phone"]) {
        const field = details.querySelector(`[name=${name}]`);
        if (field && !field.value) field.value = form.get(name) || "";
      }
      if (!textarea.value) textarea.value = form.get("text") || "";
    }
    mode = "live";
    root.classList.remove("chat--offline");
    offline.hidden = true;
    composer.hidden = false;
    log.hidden = false;
    details.hidden = !(config.askDetails && lastId === 0);
  }

  function showOffline() {
    mode = "offline";
    root.classList.add("chat--offline");
    offline.hidden = false;
    composer.hidden = true;
    details.hidden = true;
    typingLine.hidden = true;
    log.hidden = lastId === 0; // a new visitor needs no empty chat above the form
    const email = leaveForm.querySelector("[name=email]");
    if (!email.value) email.value = knownEmail();
  }

  async function checkStatus() {
    if (document.visibilityState !== "visible" || !inView) return;
    try {
      const response = await fetch(url(config.urls.status), { credentials: "omit" });
      if (response.ok) applyStatus(await response.json());
    } catch {
      /* offline: the next check tries again */
    }
  }

  function fieldErrors(form, fields = {}) {
    for (const hint of form.querySelectorAll("[data-field-error]")) {
      const message = fields[hint.dataset.fieldError] || "";
      hint.textContent = message;
      hint.hidden = !message;
      const input = form.querySelector(`[name=${hint.dataset.fieldError}]`);
      if (input) input.toggleAttribute("aria-invalid", Boolean(message));
    }
  }

  // --- Leaving a message -------------------------------------------------------------------------
  let leaveId = null; // one id per message, also when it is sent again after an error

  leaveForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = leaveForm.querySelector("button[type=submit]");
    const errorLine = leaveForm.querySelector("[data-leave-error]");
    const form = new FormData(leaveForm);
    const body = Object.fromEntries(["name", "email", "phone", "text"].map((name) => [name, form.get(name) || ""]));
    leaveId = leaveId || clientId();
    button.disabled = true;
    errorLine.hidden = true;
    try {
      await ensureToken();
      const response = await fetch(url(config.urls.leave), {
        method: "POST",
        credentials: "omit",
        headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ ...body, client_id: leaveId }),
      });
      const answer = await response.json().catch(() => ({}));
      if (!response.ok) {
        fieldErrors(leaveForm, answer.fields || {});
        if (!answer.fields) {
          errorLine.textContent = answer.error || strings.leaveFailed;
          errorLine.hidden = false;
        }
        return;
      }
      fieldErrors(leaveForm);
      keepEmail(body.email);
      left = true;
      leaveId = null;
      leaveForm.hidden = true;
      leftPanel.querySelector("[data-left-answer]").textContent = answer.answer || "";
      leftPanel.hidden = false;
      connect();
      poll();
    } catch {
      errorLine.textContent = strings.leaveFailed;
      errorLine.hidden = false;
    } finally {
      button.disabled = false;
    }
  });

  // --- The transcript by e-mail --------------------------------------------------------------------
  function showTranscriptForm(open) {
    transcriptForm.hidden = !open;
    transcriptOpen.hidden = open;
    transcriptOpen.setAttribute("aria-expanded", String(open));
    if (open) {
      const email = transcriptForm.querySelector("[name=email]");
      if (!email.value) {
        const given = details.querySelector("[name=email]").value || leaveForm.querySelector("[name=email]").value;
        email.value = given || knownEmail();
      }
      email.focus();
    }
  }

  transcriptOpen.addEventListener("click", () => {
    transcriptResult.hidden = true;
    showTranscriptForm(true);
  });
  transcriptForm.querySelector("[data-transcript-cancel]").addEventListener("click", () => showTranscriptForm(false));

  transcriptForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = transcriptForm.querySelector("[name=email]").value;
    const button = transcriptForm.querySelector("button[type=submit]");
    button.disabled = true;
    let message;
    let done = false;
    try {
      const response = await fetch(url(config.urls.transcript), {
        method: "POST",
        credentials: "omit",
        headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify({ email }),
      });
      const answer = await response.json().catch(() => ({}));
      done = response.ok;
      message = response.ok ? answer.message : answer.error || strings.mailFailed;
    } catch {
      message = strings.mailFailed;
    } finally {
      button.disabled = false;
    }
    transcriptResult.textContent = message;
    transcriptResult.classList.toggle("chat__error", !done);
    transcriptResult.hidden = false;
    if (done) {
      keepEmail(email);
      showTranscriptForm(false);
    }
  });

  root.querySelector("[data-close]").addEventListener("click", () => {
    window.parent.postMessage({ loketChat: "close" }, "*");
  });

  // --- Start: a returning visitor sees their conversation; a new one may give details --------
  async function start() {
    applyStatus(config.status);
    if (token) {
      const response = await fetch(url(config.urls.messages, { na: 0 }), { credentials: "omit", headers: headers() });
      if (response.status === 403) keepToken("");
      else if (response.ok) show((await response.json()).items);
    }
    if (mode === "live") details.hidden = !(config.askDetails && lastId === 0);
    connect();
  }
  setInterval(checkStatus, config.statusSeconds * 1000);
  start().catch(() => startPolling());
})();
