"""Read Twilio's webhook parameters (an incoming SMS/MMS, or a status callback) into dataclasses.

Pure and dependency-free: no Django, no database, no I/O, so it runs in the webhook view, in
the inbound worker and over the recorded parameter sets in tests. Twilio posts
``application/x-www-form-urlencoded`` bodies; ``parse_body`` reads the raw bytes as stored,
``parse_params`` a dict of them. Nothing here raises on odd input: a missing field is ''.

* An incoming message carries ``MessageSid`` (also as ``SmsSid``/``SmsMessageSid`` on older
  payloads), ``From``, ``To``, ``Body``, ``NumMedia`` and per file ``MediaUrl<N>`` and
  ``MediaContentType<N>``.
* A status callback about a message Loket sent carries ``MessageStatus`` (queued, sent,
  delivered, undelivered, failed, read …) and, when it failed, ``ErrorCode``.
  https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

# Twilio's standard opt-out and opt-in keywords: a message that is exactly one of these (any
# case, surrounding blanks and punctuation ignored). Twilio itself acts on the same list, so
# Loket and Twilio agree; "STOP" is also what Dutch senders tell customers to send.
# https://help.twilio.com/articles/223134027
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})
MAX_MEDIA = 10  # Twilio passes at most ten files with one MMS


@dataclass
class TwMedia:
    url: str
    content_type: str = ""

    @property
    def sid(self) -> str:
        """The media's own id (``ME…``), the last part of its URL."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]


@dataclass
class TwMessage:
    sid: str = ""
    account_sid: str = ""
    messaging_service_sid: str = ""
    from_: str = ""  # the customer: +E.164, or "whatsapp:+…" for WhatsApp through Twilio
    to: str = ""  # the organisation's Twilio number
    body: str = ""
    media: list[TwMedia] = field(default_factory=list)
    num_segments: int = 0

    @property
    def keyword(self) -> str:
        """'stop' or 'start' when the whole message is an opt-out or opt-in keyword, else ''."""
        return keyword(self.body)


@dataclass
class TwStatus:
    sid: str = ""  # the id Twilio gave Loket's outbound message
    account_sid: str = ""
    status: str = ""
    error_code: int | None = None
    error_message: str = ""
    from_: str = ""  # the organisation's number
    to: str = ""  # the customer


def parse_body(raw: bytes) -> dict[str, str]:
    """The form as Twilio posted it (UTF-8, url-encoded); a repeated name keeps its last value."""
    return dict(parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True))


def is_status(params: dict[str, str]) -> bool:
    """A status callback names the status of a sent message; an incoming message does not."""
    return bool(params.get("MessageStatus"))


def message_sid(params: dict[str, str]) -> str:
    return params.get("MessageSid") or params.get("SmsMessageSid") or params.get("SmsSid") or ""


def delivery_id(params: dict[str, str]) -> str:
    """The id a stored delivery is unique on: the message's sid, ``status:<sid>:<status>`` for a
    status (each status once), or a digest of the parameters when there is no sid (the same
    body twice is still stored once)."""
    sid = message_sid(params)
    if not sid:
        sid = "sha256:" + hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()
    if is_status(params):
        return f"status:{sid}:{params['MessageStatus'].strip().lower()}"
    return sid


def parse_params(params: dict[str, str]) -> TwMessage | TwStatus:
    if is_status(params):
        return TwStatus(
            sid=message_sid(params),
            account_sid=params.get("AccountSid", ""),
            status=params.get("MessageStatus", "").strip().lower(),
            error_code=_int(params.get("ErrorCode")),
            error_message=params.get("ErrorMessage", ""),
            from_=params.get("From", "").strip(),
            to=params.get("To", "").strip(),
        )
    count = min(_int(params.get("NumMedia")) or 0, MAX_MEDIA)
    media = [
        TwMedia(url=params[f"MediaUrl{n}"].strip(), content_type=params.get(f"MediaContentType{n}", "").strip())
        for n in range(count)
        if params.get(f"MediaUrl{n}", "").strip()
    ]
    return TwMessage(
        sid=message_sid(params),
        account_sid=params.get("AccountSid", ""),
        messaging_service_sid=params.get("MessagingServiceSid", ""),
        from_=params.get("From", "").strip(),
        to=params.get("To", "").strip(),
        body=params.get("Body", ""),
        media=media,
        num_segments=_int(params.get("NumSegments")) or 0,
    )


def keyword(text: str) -> str:
    word = text.strip().strip(".!?,;:'\"").strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return "stop"
    if word in OPT_IN_KEYWORDS:
        return "start"
    return ""


def _int(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None
