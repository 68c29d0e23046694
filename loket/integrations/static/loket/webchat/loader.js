// Loket's chat button for any website: <script src="https://<loket>/chat/widget.js" data-loket-chat="<key>" async></script>
//
// It adds a button and, when clicked, the chat in a frame served by Loket (so the website's
// own code never sees the conversation, and Loket's CSP decides which websites may show it).
// Optional attributes: data-lang="nl|en" (default: the page's language), data-label (the
// button's text). Styles are set through the DOM, not as inline style attributes, so a
// website with a strict Content-Security-Policy needs only to allow this script and the frame.
(() => {
  "use strict";
  const script = document.currentScript || document.querySelector("script[data-loket-chat]");
  if (!script || window.__loketChat) return;
  window.__loketChat = true;
  const key = script.dataset.loketChat;
  const origin = new URL(script.src).origin;
  const pageLang = (script.dataset.lang || document.documentElement.lang || navigator.language || "nl").slice(0, 2);
  const lang = pageLang === "en" ? "en" : "nl";
  const label = script.dataset.label || (lang === "en" ? "Chat with us" : "Chat met ons");
  const closeLabel = lang === "en" ? "Close chat" : "Chat sluiten";

  function css(element, styles) {
    for (const [name, value] of Object.entries(styles)) element.style.setProperty(name, value);
  }

  const button = document.createElement("button");
  button.type = "button";
  button.textContent = label;
  button.setAttribute("aria-expanded", "false");
  button.dataset.loketChatButton = "";
  css(button, {
    position: "fixed", right: "20px", bottom: "20px", "z-index": "2147483000",
    font: "600 15px/1 system-ui, sans-serif", color: "#fff", background: "#1d6f6a",
    border: "0", "border-radius": "24px", padding: "14px 20px", cursor: "pointer",
    "box-shadow": "0 4px 14px rgba(0,0,0,.25)",
  });

  const badge = document.createElement("span");
  css(badge, {
    display: "none", "margin-left": "8px", background: "#e63946", "border-radius": "10px",
    padding: "2px 7px", "font-size": "12px",
  });
  button.append(badge);

  let frame = null;

  function layout() {
    if (!frame) return;
    const small = window.matchMedia("(max-width: 600px)").matches;
    css(frame, small
      ? { inset: "0", width: "100%", height: "100%", "border-radius": "0" }
      : { inset: "auto 20px 84px auto", width: "380px", height: "min(600px, calc(100vh - 110px))", "border-radius": "12px" });
  }

  function open() {
    if (!frame) {
      frame = document.createElement("iframe");
      frame.src = `${origin}/chat/${encodeURIComponent(key)}/?lang=${lang}`;
      frame.title = label;
      frame.dataset.loketChatFrame = "";
      frame.setAttribute("allow", "clipboard-write");
      css(frame, {
        position: "fixed", "z-index": "2147483001", border: "0", background: "#fff",
        "box-shadow": "0 8px 30px rgba(0,0,0,.3)",
      });
      document.body.append(frame);
      window.addEventListener("resize", layout);
    }
    layout();
    frame.style.setProperty("display", "block");
    if (frame.contentWindow) frame.contentWindow.postMessage({ loketChat: "shown" }, origin);
    button.setAttribute("aria-expanded", "true");
    button.setAttribute("aria-label", closeLabel);
    badge.style.setProperty("display", "none");
  }

  function close() {
    if (frame) {
      frame.style.setProperty("display", "none");
      if (frame.contentWindow) frame.contentWindow.postMessage({ loketChat: "hidden" }, origin);
    }
    button.setAttribute("aria-expanded", "false");
    button.removeAttribute("aria-label");
    button.focus();
  }

  button.addEventListener("click", () => (button.getAttribute("aria-expanded") === "true" ? close() : open()));

  window.addEventListener("message", (event) => {
    if (event.origin !== origin || !event.data || typeof event.data !== "object") return;
    if (event.data.loketChat === "close") close();
    if (event.data.loketChat === "unread") {
      const count = Number(event.data.count) || 0;
      badge.textContent = String(count);
      badge.style.setProperty("display", count ? "inline-block" : "none");
    }
  });

  const place = () => document.body.append(button);
  if (document.body) place();
  else document.addEventListener("DOMContentLoaded", place);
})();
