"""What is new in an e-mail, and what is quoted history or signature: the agent reads the first.

``split_reply(text)`` returns the new text and the rest (folded away in the case view, one
click to open). The rest starts at the earliest of:

- a reply header, also when a mail client wrapped it over two or three lines: "Op … schreef
  …:", "Op … heeft … het volgende geschreven:" (Apple Mail in Dutch), "On … wrote:", "Am …
  schrieb …:", and the French, Spanish and Portuguese forms;
- an Outlook header block: "Van:/Verzonden:/Aan:/Onderwerp:" (and "From:/Sent:/To:/Subject:",
  "Von:/Gesendet:/An:/Betreff:"), also bold (``*Van:*``), with the line of underscores or
  dashes above it;
- a separator: "-----Oorspronkelijk bericht-----", "-----Original Message-----",
  "-----Ursprüngliche Nachricht-----";
- trailing lines quoted with ">";
- a signature: the "-- " line, or a phone's "Verzonden vanaf mijn iPhone" near the end.

Nothing is folded when that would leave no new text, nor when the answer is written between
the quoted lines (an inline reply: the answer is below the quote header). A forwarded message
is content, not history: it stays. Decision: written here, not a library — quotequail (the
maintained candidate) missed both Dutch Outlook header blocks and "-----Original Message-----"
in ``../shared/corpora`` and folded inline replies, hiding the answer; mail-parser-reply left
Dutch quote headers in. ``tests/test_quotes.py`` runs every reply body of the corpora.
"""

from __future__ import annotations

import re

MAX_CHARS = 200_000  # longer texts are shown whole: folding is a convenience, not worth the time

REPLY_HEADER = re.compile(
    r"^\s*>?\s*("
    r"(op|on|am|le|el|em)\s.{4,300}?\s(schreef|wrote|schrieb|a\s+écrit|escribió|escreveu)\b[^:]{0,120}:"
    r"|op\s.{4,200}?\sheeft\s.{1,200}?\s(het\s+volgende\s+)?geschreven\s*:"
    r")\s*$",
    re.IGNORECASE,
)
SEPARATOR = re.compile(
    r"^\s*-{3,}\s*(oorspronkelijk\s+bericht|original\s+message|ursprüngliche\s+nachricht|originalnachricht)"
    r"\s*-{3,}\s*$",
    re.IGNORECASE,
)
HEADER_FROM = re.compile(r"^\s*\*?(van|from|von|de)\s*:\*?\s*\S", re.IGNORECASE)
HEADER_DATE = re.compile(r"^\s*\*?(verzonden|sent|gesendet|datum|date|envoyé)\s*:", re.IGNORECASE)
HEADER_TO = re.compile(r"^\s*\*?(aan|to|an|à|onderwerp|subject|betreff|objet)\s*:", re.IGNORECASE)
RULE = re.compile(r"^\s*(_{10,}|-{10,})\s*$")
SIGNATURE = re.compile(r"^--\s?$")
MOBILE = re.compile(
    r"^\s*(verzonden|verstuurd)\s+(vanaf|met|via)\s+(mijn\s+)?\S+|^\s*sent\s+from\s+(my\s+)?\S+"
    r"|^\s*von\s+meinem\s+\S+\s+gesendet|^\s*(outlook\s+voor\s+(ios|android)|get\s+outlook\s+for\s+(ios|android))",
    re.IGNORECASE,
)


def split_reply(text: str) -> tuple[str, str]:
    """(new text, quoted history and signature); the second is "" when nothing is folded."""
    if not text or len(text) > MAX_CHARS:
        return text, ""
    lines = text.split("\n")
    start = _quote_start(lines)
    folds = start is not None and _has_text(lines[:start]) and not _inline_reply(lines, start)
    end = _signature_start(lines, start if folds and start is not None else len(lines))
    if end >= len(lines):
        return text, ""
    return "\n".join(lines[:end]).rstrip(), "\n".join(lines[end:]).strip("\n")


def _has_text(lines: list[str]) -> bool:
    return any(line.strip() for line in lines)


def _quote_start(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if SEPARATOR.match(line):
            return index
        if _reply_header_at(lines, index):
            return index
        if HEADER_FROM.match(line) and _outlook_block(lines, index) and not _forwarded(lines, index):
            return _above_rule(lines, index)
        if line.lstrip().startswith(">") and _quoted_to_the_end(lines, index):
            return index
    return None


def _reply_header_at(lines: list[str], index: int) -> bool:
    """A reply header starts at this line, on it alone or wrapped over the next one or two."""
    for span in (1, 2, 3):
        joined = " ".join(part.strip() for part in lines[index : index + span])
        if REPLY_HEADER.match(joined):
            # "Am heutigen Tage" + a header on the next lines is text and a header, not one header.
            return span == 1 or not _reply_header_at(lines[index + 1 : index + span], 0)
    return False


def _outlook_block(lines: list[str], index: int) -> bool:
    """A From/Van line followed, within six lines, by a date line and a to/subject line."""
    following = lines[index + 1 : index + 7]
    return any(HEADER_DATE.match(line) for line in following) and any(HEADER_TO.match(line) for line in following)


FORWARD = re.compile(
    r"^\s*-{3,}\s*(forwarded\s+message|doorgestuurd\s+bericht|weitergeleitete\s+nachricht)\s*-{3,}\s*$|^\s*begin\s+forwarded",
    re.IGNORECASE,
)


def _forwarded(lines: list[str], index: int) -> bool:
    """The header block of a forwarded message (under "---------- Forwarded message ----------")."""
    above = [line for line in lines[max(0, index - 3) : index] if line.strip()]
    return bool(above) and bool(FORWARD.match(above[-1]))


def _above_rule(lines: list[str], index: int) -> int:
    above = index - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    if above >= 0 and (RULE.match(lines[above]) or SEPARATOR.match(lines[above])):
        return above
    return index


def _quoted_to_the_end(lines: list[str], index: int) -> bool:
    return all(line.lstrip().startswith(">") or not line.strip() for line in lines[index:])


def _inline_reply(lines: list[str], start: int) -> bool:
    """Answers between quoted lines: quoted lines, then a paragraph of the sender's own after a
    blank line, then quoted lines again. (An unquoted line right under a quoted one is a quoted
    line that a client wrapped without its ">", not an answer.)"""
    seen_quote = seen_answer = False
    previous_blank = False
    for line in lines[start + 1 :]:
        if not line.strip():
            previous_blank = True
            continue
        if line.lstrip().startswith(">"):
            if seen_answer:
                return True
            seen_quote = True
        elif seen_quote and previous_blank:
            seen_answer = True
        previous_blank = False
    return False


def _signature_start(lines: list[str], end: int) -> int:
    """Where a signature starts before ``end``: the "-- " line, or a phone's line near the end."""
    for index in range(end):
        if SIGNATURE.match(lines[index]) and _has_text(lines[:index]):
            return index
    content = [index for index in range(end) if lines[index].strip()]
    for index in content[-3:]:
        if MOBILE.match(lines[index]) and _has_text(lines[:index]):
            return index
    return end
