/* Loket agent desk: the little JavaScript the server-rendered pages need.
 * No inline scripts (CSP script-src 'self'): everything is wired through data- attributes.
 *   - htmx sends the CSRF token from <meta name="csrf-token">
 *   - [data-autosubmit] selects submit their form on change
 *   - [data-open-dialog=id] / [data-close-dialog] / dialog[data-open-on-load]; with
 *     [data-dialog-src=url] the dialog's content is fetched (htmx) when it opens
 *   - [data-select-on-focus] selects its text (secrets shown once)
 *   - typing in a form[data-typing-url] whose channel is chat tells the chat visitor (at most
 *     every 3 seconds): "Bram typt…"
 *   - [data-template-param=name] inputs fill the [data-template-slot=name] pieces of their form's
 *     preview of a WhatsApp template as the agent types
 *   - a WebSocket to <body data-live-path> refreshes the regions that show a changed case
 *     (and every [data-live-region][data-refresh-url], the monitor's dashboard and alarms);
 *     <body data-live> tells its state: connecting, connected, reconnecting or refused
 */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  document.addEventListener("htmx:configRequest", function (event) {
    var meta = document.querySelector('meta[name="csrf-token"]');
    if (meta) {
      event.detail.headers["X-CSRFToken"] = meta.content;
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-autosubmit]") && target.form) {
      target.form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (!dialog || dialog.open) {
        return;
      }
      var source = opener.getAttribute("data-dialog-src");
      if (!source) {
        dialog.showModal();
        return;
      }
      // The dialog's form is loaded when it opens; without htmx the link opens it as a page.
      if (window.htmx) {
        event.preventDefault();
        window.htmx.ajax("GET", source, { target: dialog, swap: "innerHTML" }).then(function () {
          dialog.showModal();
          var first = dialog.querySelector("select, input, textarea");
          if (first) {
            first.focus();
          }
        });
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    var inDialog = closer && closer.closest("dialog");
    if (inDialog) {
      event.preventDefault();
      inDialog.close();
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("[data-select-on-focus]")) {
      event.target.select();
    }
  });

  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-template-param]") || !input.form) {
      return;
    }
    var name = input.getAttribute("data-template-param");
    var value = input.value.trim();
    input.form.querySelectorAll("[data-template-slot]").forEach(function (slot) {
      if (slot.getAttribute("data-template-slot") === name) {
        slot.textContent = value || "{{" + name + "}}"; // text, never HTML
        slot.classList.toggle("template-slot--empty", !value);
      }
    });
  });

  function openDialogsOnLoad() {
    document.querySelectorAll("dialog[data-open-on-load]").forEach(function (dialog) {
      if (!dialog.open) {
        dialog.showModal();
      }
    });
  }

  // --- Live updates --------------------------------------------------------------------------

  var pending = {};
  var inFlight = {};
  var again = {};

  /* Re-read one region through its own (organisation-scoped) URL; bursts of events coalesce.
   * An event that arrives while the region is being re-read re-reads it once more afterwards
   * (htmx drops a second request to an element that has one in flight). */
  function refresh(id) {
    if (inFlight[id]) {
      again[id] = true;
      return;
    }
    if (pending[id]) {
      return;
    }
    pending[id] = window.setTimeout(function () {
      delete pending[id];
      var element = document.getElementById(id);
      if (element && element.dataset.refreshUrl && window.htmx) {
        inFlight[id] = true;
        var done = function () {
          delete inFlight[id];
          if (again[id]) {
            delete again[id];
            refresh(id);
          }
        };
        var unfolded = openDetails(element);
        var after = function () {
          reopenDetails(id, unfolded);
          done();
        };
        window.htmx.ajax("GET", element.dataset.refreshUrl, { target: "#" + id, swap: "outerHTML" }).then(after, done);
      }
    }, 250);
  }

  /* What the agent unfolded in a region (a quoted text, a mail's formatted version): kept open
   * when the region is re-read, keyed by the message it belongs to and its place in it. */
  function detailsKey(details) {
    var owner = details.closest("[id]");
    var siblings = owner ? owner.querySelectorAll("details") : [];
    return (owner ? owner.id : "") + ":" + Array.prototype.indexOf.call(siblings, details);
  }

  function openDetails(element) {
    var keys = [];
    element.querySelectorAll("details[open]").forEach(function (details) {
      keys.push(detailsKey(details));
    });
    return keys;
  }

  function reopenDetails(id, keys) {
    var element = document.getElementById(id);
    if (!element || !keys.length) {
      return;
    }
    element.querySelectorAll("details").forEach(function (details) {
      if (keys.indexOf(detailsKey(details)) !== -1) {
        details.open = true;
      }
    });
  }

  function refreshAll() {
    var caseId = document.body.dataset.caseId;
    if (caseId) {
      refresh("timeline");
      refresh("case-header");
      refresh("case-promises");
    } else if (document.getElementById("inbox-table")) {
      refresh("inbox-table");
    }
    // The monitor's pages (its dashboard, its alarms) re-read their region likewise.
    document.querySelectorAll("[data-live-region]").forEach(function (region) {
      refresh(region.id);
    });
  }

  function onEvent(message) {
    var caseId = document.body.dataset.caseId;
    if (caseId) {
      if (String(message.case_id) === caseId) {
        refreshAll();
      }
    } else {
      refreshAll();
    }
  }

  function connectLive() {
    var path = document.body.dataset.livePath;
    if (!path || !("WebSocket" in window)) {
      return;
    }
    var caseId = document.body.dataset.caseId;
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path;
    if (caseId) {
      url += "?case=" + encodeURIComponent(caseId);
      // When the page was rendered: the server says at once if the case changed since (an event
      // between the render and this socket's subscription would otherwise be missed).
      if (document.body.dataset.liveSince) {
        url += "&since=" + encodeURIComponent(document.body.dataset.liveSince);
      }
    }
    var delay = 1000;
    var everOpen = false;

    function open() {
      document.body.dataset.live = everOpen ? "reconnecting" : "connecting";
      var socket = new WebSocket(url);
      var heartbeat = null;
      socket.addEventListener("open", function () {
        document.body.dataset.live = "connected";
        if (everOpen) {
          refreshAll(); // events may have been missed while disconnected
        }
        everOpen = true;
        delay = 1000;
        // While the socket lives its agent counts as available for the chat (live/presence.py:
        // a mark that expires unless renewed; every 30 s here, it lasts 90 s).
        heartbeat = window.setInterval(function () {
          if (socket.readyState === WebSocket.OPEN) {
            socket.send(JSON.stringify({ type: "heartbeat" }));
          }
        }, 30000);
      });
      socket.addEventListener("message", function (event) {
        var message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        onEvent(message);
      });
      socket.addEventListener("close", function (event) {
        window.clearInterval(heartbeat);
        // 4401: logged out, 4403: no access to this case or organisation: do not hammer the server.
        if (event.code === 4401 || event.code === 4403) {
          document.body.dataset.live = "refused";
          return;
        }
        document.body.dataset.live = "reconnecting";
        window.setTimeout(open, delay + Math.random() * delay * 0.3);
        delay = Math.min(delay * 2, 30000);
      });
    }

    open();
  }

  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.dataset.typingUrl || event.target.tagName !== "TEXTAREA") {
      return;
    }
    var channel = form.querySelector("[name=channel]");
    if (!channel || channel.value !== "chat" || Date.now() - lastTyping < 3000) {
      return;
    }
    lastTyping = Date.now();
    var meta = document.querySelector('meta[name="csrf-token"]');
    window.fetch(form.dataset.typingUrl, {
      method: "POST",
      headers: { "X-CSRFToken": meta ? meta.content : "" },
      credentials: "same-origin",
    }).catch(function () {});
  });

  /* Regions whose text depends on the clock (a promise's countdown) are re-read every
   * data-refresh-every seconds, while the page is visible. */
  function refreshOnTheClock() {
    document.querySelectorAll("[data-refresh-every]").forEach(function (element) {
      var seconds = parseInt(element.dataset.refreshEvery, 10);
      if (!element.id || !(seconds > 0)) {
        return;
      }
      window.setInterval(function () {
        if (!document.hidden) {
          refresh(element.id);
        }
      }, seconds * 1000);
    });
  }

  function start() {
    openDialogsOnLoad();
    connectLive();
    refreshOnTheClock();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
