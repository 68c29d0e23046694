/* Loket agent desk: the SMS part count under the composer, kept live while the agent types.
 * The same sums as loket/integrations/sms/segments.py (a browser test holds them equal):
 * GSM-7 (160 characters, 153 per part once split; an extension-table character counts two)
 * unless one character is outside that alphabet, then UCS-2 (70, 67 per part; a character
 * outside the Basic Multilingual Plane, most emoji, counts two). A pair is never split.
 * Wired through data- attributes (CSP: no inline script):
 *   <p data-sms-count data-max="10"> inside the composer form, with [data-sms-parts],
 *   [data-sms-units], [data-sms-encoding], [data-sms-per-part], [data-sms-unicode] and
 *   [data-sms-too-long]; shown while the form's channel select says "sms".
 */
(function () {
  "use strict";

  var BASIC =
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€";
  var SINGLE = { "GSM-7": 160, "UCS-2": 70 };
  var PER_PART = { "GSM-7": 153, "UCS-2": 67 };

  function segments(text) {
    var chars = Array.from(text); // code points: an emoji is one entry here
    var gsm = chars.every(function (c) {
      return BASIC.indexOf(c) >= 0 || EXTENSION.indexOf(c) >= 0;
    });
    var encoding = gsm ? "GSM-7" : "UCS-2";
    var sizes = chars.map(function (c) {
      if (gsm) {
        return EXTENSION.indexOf(c) >= 0 ? 2 : 1;
      }
      return c.codePointAt(0) > 0xffff ? 2 : 1;
    });
    var units = sizes.reduce(function (a, b) {
      return a + b;
    }, 0);
    if (units <= SINGLE[encoding]) {
      return { encoding: encoding, parts: units ? 1 : 0, units: units, perPart: SINGLE[encoding] };
    }
    var perPart = PER_PART[encoding];
    var parts = 1;
    var used = 0;
    sizes.forEach(function (size) {
      if (used + size > perPart) {
        parts += 1;
        used = 0;
      }
      used += size;
    });
    return { encoding: encoding, parts: parts, units: units, perPart: perPart };
  }

  window.loketSmsSegments = segments; // for the browser test that compares with the server

  function update(counter) {
    var form = counter.closest("form");
    var text = form && form.querySelector("textarea[name=text]");
    var channel = form && form.querySelector("[name=channel]");
    if (!text) {
      return;
    }
    counter.hidden = !channel || channel.value !== "sms";
    var count = segments(text.value);
    var max = parseInt(counter.dataset.max || "10", 10);
    counter.querySelector("[data-sms-parts]").textContent = String(count.parts);
    counter.querySelector("[data-sms-units]").textContent = String(count.units);
    counter.querySelector("[data-sms-encoding]").textContent = count.encoding;
    counter.querySelector("[data-sms-per-part]").textContent = String(count.perPart);
    counter.querySelector("[data-sms-unicode]").hidden = count.encoding !== "UCS-2";
    counter.querySelector("[data-sms-too-long]").hidden = count.parts <= max;
  }

  function updateFor(target) {
    var form = target.form || (target.closest && target.closest("form"));
    var counter = form && form.querySelector("[data-sms-count]");
    if (counter) {
      update(counter);
    }
  }

  document.addEventListener("input", function (event) {
    updateFor(event.target);
  });
  document.addEventListener("change", function (event) {
    updateFor(event.target);
  });

  function start() {
    document.querySelectorAll("[data-sms-count]").forEach(update);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
