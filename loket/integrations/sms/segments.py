"""How many SMS parts a text costs: GSM-7 (160 characters, 153 per part when split) or, as soon
as one character is outside the GSM 03.38 alphabet, UCS-2 (70, 67 per part).

Pure Python, no Django: the composer's live counter (``loket/web/static/loket/sms.js``) does the
same sums in the browser, and a test holds the two to the same answers. Counted as a phone
network does: an extension-table character (``€ [ ] { } \\ ^ ~ |`` and form feed) takes two
GSM-7 septets, a character outside the Basic Multilingual Plane (most emoji) two UCS-2 code
units, and neither pair is split over two parts. Twilio's optional "smart encoding" (replacing
curly quotes and the like by GSM look-alikes) is not assumed: the count is what the text costs
as written.
"""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (3GPP TS 23.038), one septet each; ESC (0x1B) is not a character.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: ESC + one septet, so two each.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7, UCS2 = "GSM-7", "UCS-2"
SINGLE = {GSM7: 160, UCS2: 70}
PER_PART = {GSM7: 153, UCS2: 67}  # a part of a longer message gives room to the joining header
MAX_PARTS = 10  # Loket refuses longer SMS (Twilio's own limit is 1,600 characters)


@dataclass(frozen=True)
class Segments:
    encoding: str  # GSM7 or UCS2
    parts: int  # 0 for an empty text
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) the text takes
    per_part: int  # what one part holds at this length: 160/153 or 70/67

    @property
    def too_long(self) -> bool:
        return self.parts > MAX_PARTS


def segments(text: str) -> Segments:
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding = GSM7
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
    else:
        encoding = UCS2
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
    units = sum(sizes)
    if units <= SINGLE[encoding]:
        return Segments(encoding, 1 if units else 0, units, SINGLE[encoding])
    per_part = PER_PART[encoding]
    parts, used = 1, 0
    for size in sizes:  # fill each part; a two-unit character that does not fit starts the next
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return Segments(encoding, parts, units, per_part)
