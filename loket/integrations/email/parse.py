"""Turn a raw e-mail (RFC 5322 bytes) into what Loket stores: text, HTML, attachments, threading ids.

Python's ``email`` package with the modern policy. Real mail is often broken; every step that
can fail on a bad header, an unknown charset or a torn MIME structure falls back to something
readable instead of raising. Only a message Loket cannot attribute to anyone (no sender
address at all) is rejected, with the reason; the caller keeps the raw bytes either way.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import mimetypes
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from tnefparse import TNEF

from loket.cases.receiving import IncomingAttachment
from loket.integrations.base import Rejected

AUTO_SUBJECT = re.compile(
    r"^\s*(automatisch antwoord|automatic reply|auto(matic)?[- ]?reply|out of (the )?office|afwezig|"
    r"abwesenheitsnotiz|autosvar)\b",
    re.IGNORECASE,
)


@dataclass
class Bounce:
    """A delivery status notification (RFC 3464) that reports a message as not delivered."""

    original_ids: list[str]  # Message-ID of the returned message: Loket's outbound e-mail, perhaps
    recipients: list[str]
    status: str  # "5.1.1"
    diagnostic: str  # what the receiving server said

    def reason(self) -> str:
        who = ", ".join(self.recipients)
        return " ".join(part for part in (who + ":" if who else "", self.status, self.diagnostic) if part)[:2000]


@dataclass
class ParsedEmail:
    message_id: str
    subject: str
    from_address: str
    from_name: str
    text: str
    html: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    delivered_to: list[str] = field(default_factory=list)  # Delivered-To, X-Original-To: set by the receiving MTA
    attachments: list[IncomingAttachment] = field(default_factory=list)
    automatic: bool = False  # an auto-reply, a bounce or bulk mail: never answered automatically
    bounce: Bounce | None = None
    defects: list[str] = field(default_factory=list)


def message_id_of(raw: bytes) -> str:
    """The Message-ID, read from the headers only; a stable stand-in when it is missing or broken.

    The stand-in is derived from the bytes, so the same message delivered twice gets the same id
    (and is stored once).
    """
    # Only the header block goes to the parser: it would read (and decode) the whole body too.
    ends = [end for end in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if end >= 0]
    head = raw[: min(ends) + 4] if ends else raw
    try:
        headers = BytesHeaderParser(policy=policy.compat32).parsebytes(head)
    except Exception:  # any header Python cannot read: fall back to the stand-in
        headers = None
    return _message_id(headers, raw)


def _message_id(headers: Message | None, raw: bytes) -> str:
    value = _ids(_header(headers, "Message-ID")) if headers is not None else []
    if value:
        return value[0][:255]
    return f"<{hashlib.sha256(raw).hexdigest()}@loket.invalid>"


def parse_email(raw: bytes) -> ParsedEmail:
    """Parse with the ``compat32`` policy: headers stay strings until Loket reads one, and Loket
    decodes the few it needs. The modern policy parses every header it touches into objects,
    which cost three quarters of the time on the corpus (measured: 66 → see docs/performance.md)."""
    message = BytesParser(policy=policy.compat32).parsebytes(raw)
    address, name = _sender(message)
    if not address:
        raise Rejected("no sender address (From, Sender, Reply-To and Return-Path are missing or unreadable)")
    text_part, html_part = _body_parts(message)
    # Line ends as the agent's screen wants them: the wire's CRLF (and a lone CR) become LF.
    text = _newlines(_content(text_part)) if text_part is not None else ""
    html = _newlines(_content(html_part)) if html_part is not None else ""
    attachments = _attachments(message, {id(text_part), id(html_part)})
    attachments, tnef_text, tnef_html = _unpack_tnef(attachments)
    if not text.strip() and not html.strip():
        text, html = tnef_text, tnef_html  # Outlook put the whole message in winmail.dat
    if not text.strip() and html.strip():
        text = html_to_text(html)
    subject = _header(message, "Subject")
    return ParsedEmail(
        message_id=_message_id(message, raw),
        subject=" ".join(subject.split())[:250],
        from_address=address,
        from_name=name,
        text=text,
        html=html,
        in_reply_to=_ids(_header(message, "In-Reply-To")),
        references=_ids(_header(message, "References")),
        to=_addresses(message, "To"),
        cc=_addresses(message, "Cc"),
        delivered_to=sorted({*_addresses(message, "Delivered-To"), *_addresses(message, "X-Original-To")}),
        attachments=attachments,
        automatic=_is_automatic(message, subject),
        bounce=_bounce(message),
        defects=sorted({type(defect).__name__ for part in _own_parts(message) for defect in part.defects}),
    )


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def html_to_text(html: str) -> str:
    """Readable text of an HTML body: tags dropped, blocks on their own lines, entities decoded."""
    html = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", html)
    html = re.sub(r"(?i)<br\s*/?>|</(p|div|li|tr|h[1-6]|blockquote)\s*>", "\n", html)
    stripped = html_lib.unescape(nh3.clean(html, tags=set()))
    lines = (" ".join(line.split()) for line in stripped.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# --- headers -----------------------------------------------------------------------------------


def _header(message: Message, name: str) -> str:
    """A header as text: unfolded, encoded-words decoded, raw 8-bit bytes read as UTF-8 (or
    Windows-1252 when they are not UTF-8). Never raises: a broken header reads as what it is."""
    values = _raw_all(message, name)
    return _decoded(values[0]) if values else ""


def _raw_all(message: Message, name: str) -> list[str]:
    """The header's values as they arrived (8-bit bytes surrogate-escaped): ``get()`` would turn
    those into a Header object whose text has lost them."""
    wanted = name.lower()
    return [str(value) for key, value in message.raw_items() if key.lower() == wanted]


def _decoded_8bit(text: str) -> str:
    """Raw 8-bit bytes in a header (surrogate-escaped by the parser) as UTF-8, else Windows-1252."""
    if not any("\udc80" <= char <= "\udcff" for char in text):
        return text
    data = text.encode("utf-8", errors="surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _decoded(value: object) -> str:
    if value is None:
        return ""
    text = _unfolded(_decoded_8bit(value if isinstance(value, str) else str(value)))
    if "=?" in text:
        with suppress(Exception):  # undecodable encoded-words: the raw text is still readable
            text = str(make_header(decode_header(text)))
    return text.strip()


def _ids(value: str) -> list[str]:
    return re.findall(r"<[^<>\s]+>", value)


ADDRESS = re.compile(r"[^\s<>\"(),;:@\[\]]+@[^\s<>\"(),;:@\[\]]+")


def _sender(message: Message) -> tuple[str, str]:
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        for raw in _raw_all(message, name)[:1]:
            # The address from the raw value (encoded-words could hide "<" and ">"); the name decoded.
            value = _decoded_8bit(_unfolded(raw))
            try:
                display, address = parseaddr(value)
            except RecursionError:  # Python's address parser recurses per group: a crafted header
                display, address = "", ""
            if ADDRESS.fullmatch(address):
                return address.strip().lower(), _decoded(display).strip().strip('"')
            found = ADDRESS.search(value)  # "a@example.nl b@example.nl": not RFC 5322, still a sender
            if found:
                return found.group(0).lower(), ""
    return "", ""


def _unfolded(value: str) -> str:
    return re.sub(r"\r?\n[ \t]*", " ", value)


def _addresses(message: Message, name: str) -> list[str]:
    values = [_decoded_8bit(_unfolded(value)) for value in _raw_all(message, name)]
    try:
        pairs = getaddresses(values)
    except RecursionError:  # Python's address parser recurses per group: a crafted header
        pairs = []
    found = {address.lower() for _display, address in pairs if ADDRESS.fullmatch(address)}
    if not found and values:
        found = {address.lower() for value in values for address in ADDRESS.findall(value)}
    return sorted(found)


def _is_automatic(message: Message, subject: str) -> bool:
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    precedence = _header(message, "Precedence").strip().lower()
    return (
        (auto_submitted not in ("", "no"))
        or bool(_header(message, "X-Autoreply"))
        or bool(_header(message, "X-Autorespond"))
        or precedence in ("bulk", "junk", "list", "auto_reply")
        or message.get_content_type() == "multipart/report"
        or bool(AUTO_SUBJECT.match(subject))
    )


DSN_PARTS = ("message/delivery-status", "message/global-delivery-status")
RETURNED_PARTS = ("message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers")


def _bounce(message: Message) -> Bounce | None:
    """The failure a delivery status notification reports; None for anything else.

    Only ``Action: failed`` counts: a delay ("delayed") or a success report changes nothing.
    The returned message's Message-ID comes from its attached copy or headers.
    """
    if message.get_content_type() != "multipart/report":
        return None
    recipients: list[str] = []
    statuses: list[str] = []
    diagnostics: list[str] = []
    original_ids: list[str] = []
    failed = False
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in DSN_PARTS:
            for fields in _dsn_fields(part):
                if fields.get("action", "").lower() != "failed":
                    continue
                failed = True
                recipient = (fields.get("original-recipient") or fields.get("final-recipient", "")).partition(";")[2]
                if recipient.strip():
                    recipients.append(recipient.strip().lower())
                statuses.append(fields.get("status", ""))
                diagnostics.append(fields.get("diagnostic-code", "").partition(";")[2].strip())
        elif content_type in RETURNED_PARTS and not original_ids:
            original_ids = _returned_ids(part)
    if not failed:
        return None
    return Bounce(
        original_ids=original_ids,
        recipients=list(dict.fromkeys(recipients)),
        status=next((s for s in statuses if s), ""),
        diagnostic=" ".join(next((d for d in diagnostics if d), "").split()),
    )


def _dsn_fields(part: Message) -> list[dict[str, str]]:
    """The per-recipient field blocks of a delivery-status part, names in lower case.

    Parsed from the text ourselves: senders put blank lines and folded lines where the
    standard puts none, and Python's parser of this type gives up on those.
    """
    payload = part.get_payload(decode=False)
    if isinstance(payload, list):  # Python parsed the blocks already: take their text back
        text = "\n\n".join(block.as_string() if isinstance(block, Message) else str(block) for block in payload)
    else:
        text = str(payload)
    blocks: list[dict[str, str]] = []
    current: dict[str, str] = {}
    last = ""
    for line in _newlines(text).split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current, last = {}, ""
            continue
        if line[0] in " \t" and last:
            current[last] += " " + line.strip()
            continue
        name, colon, value = line.partition(":")
        if colon:
            last = name.strip().lower()
            current[last] = value.strip()
    if current:
        blocks.append(current)
    return blocks


def _returned_ids(part: Message) -> list[str]:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return _ids(_header(payload[0], "Message-ID"))
    text = payload if isinstance(payload, str) else ""
    match = re.search(r"(?im)^message-id:\s*(<[^<>\s]+>)", text)
    return [match.group(1)] if match else []


# --- bodies and attachments --------------------------------------------------------------------


def _body_parts(message: Message) -> tuple[Message | None, Message | None]:
    """The first plain and the first HTML part that are the message's own text: not an
    attachment, not inside an attached message (what ``EmailMessage.get_body`` picks)."""
    text = html = None
    for part in _own_parts(message):
        if part.is_multipart() or (part.get_content_disposition() or "") == "attachment":
            continue
        content_type = part.get_content_type()
        if content_type == "text/plain" and text is None:
            text = part
        elif content_type == "text/html" and html is None:
            html = part
    return text, html


def _own_parts(message: Message) -> Iterator[Message]:
    """Like ``walk()``, without going into attached messages (message/rfc822): they are one
    attachment each, not a part of this message's text. Iterative: a message nested a
    thousand deep (a real attack on parsers) is no recursion error."""
    stack = [message]
    while stack:
        part = stack.pop()
        yield part
        if part.is_multipart() and not part.get_content_type().startswith("message/"):
            stack.extend(reversed([sub for sub in part.get_payload() if isinstance(sub, Message)]))


def _filename(part: Message) -> str:
    try:
        return _decoded(part.get_filename() or "")
    except Exception:  # a broken RFC 2231 parameter
        return ""


def _content(part: Message) -> str:
    """The text of a part in whatever charset it claims; undecodable bytes become U+FFFD."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # a broken Content-Type parameter
        charset = "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except (LookupError, ValueError):  # a charset Python does not know
        return payload.decode("utf-8", errors="replace")


def _unpack_tnef(attachments: list[IncomingAttachment]) -> tuple[list[IncomingAttachment], str, str]:
    """Outlook's ``winmail.dat`` (TNEF) replaced by the files in it; its text and HTML body.

    A winmail.dat that cannot be read stays as it is (the raw message is kept anyway).
    """
    result: list[IncomingAttachment] = []
    text = html = ""
    for attachment in attachments:
        if attachment.content_type != "application/ms-tnef" and attachment.filename.lower() != "winmail.dat":
            result.append(attachment)
            continue
        try:
            tnef = TNEF(attachment.content)
            files = [
                IncomingAttachment(
                    filename=(item.long_filename() or item.name or "bijlage").replace("\x00", ""),
                    content=bytes(item.data),
                    content_type=mimetypes.guess_type(item.long_filename() or item.name or "")[0]
                    or "application/octet-stream",
                )
                for item in tnef.attachments
            ]
            text = text or _tnef_text(tnef.body)
            html = html or _tnef_text(tnef.htmlbody)
        except Exception:  # a damaged or unusual winmail.dat: keep it as the customer sent it
            result.append(attachment)
            continue
        result.extend(files or [attachment])  # nothing in it but the text: keep it as it came
    return result, _newlines(text), _newlines(html)


def _tnef_text(value: object) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return value.decode("cp1252", errors="replace")
    return str(value or "")


def _attachment_bytes(part: Message, attached_message: bool) -> bytes:
    if attached_message:  # a forwarded message: kept whole, as an .eml
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        return b""
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    return str(part.get_payload() or "").encode("utf-8", errors="replace")


def _attachments(message: Message, bodies: set[int]) -> list[IncomingAttachment]:
    result = []
    for index, part in enumerate(_own_parts(message)):
        content_type = part.get_content_type()
        attached_message = content_type in ("message/rfc822", "message/global") and index > 0
        if id(part) in bodies or (part.is_multipart() and not attached_message):
            continue
        filename = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if content_type.startswith("text/") and not filename and disposition != "attachment":
            continue  # an alternative text part that is not the chosen body
        payload = _attachment_bytes(part, attached_message)
        extension = {"message/rfc822": ".eml", "message/global": ".eml", "text/calendar": ".ics"}.get(content_type, "")
        result.append(
            IncomingAttachment(
                filename=filename or f"bijlage-{index}{extension}",
                content=payload,
                content_type=content_type,
                content_id=_header(part, "Content-ID").strip().strip("<>")[:255],
            )
        )
    return result
