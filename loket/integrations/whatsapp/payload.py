"""Read a WhatsApp Business Platform (Cloud API) webhook body into plain dataclasses.

Pure and dependency-free: no Django, no database, no I/O, so it can run in the inbound view,
in a task, or over recorded payloads in tests. Meta batches several changes (and several
messages) into one body, and fields come and go between API versions, so the parser never
raises on any JSON value: an odd change, a message that is not an object or a missing key
becomes a short note in ``Webhook.other`` and the rest of the body is still read.

What goes where:

* ``messages``: what customers sent (``field == "messages"``, ``value.messages[]``). WhatsApp
  "system" notices (number or identity changed) are messages too, with type ``system`` and the
  notice in ``text``/``system``, because they belong on the customer's timeline. Edits and
  deletions by the customer are messages of type ``edit``/``revoke`` whose ``refers_to`` names
  the original wamid; an edit carries the new content (``content_type`` says what kind).
* ``statuses``: delivery reports about Loket's own outbound messages (``value.statuses[]``).
* ``echoes``: messages the business sent from the WhatsApp Business app on a coexistence number
  (``field == "smb_message_echoes"``). Kept apart so nobody mistakes them for the customer's words.
* ``other``: one line per change that is none of these (account, template, quality, user-id and
  group updates...), starting with the change's ``field``, plus notes on what was skipped.

Business-scoped user ids ("BSUID", e.g. ``US.13491208655302741918``): newer payloads may leave
out the phone number (``from``/``wa_id``) and carry ``from_user_id``/``user_id`` instead. Both
are kept; ``from_`` is the phone number only, and may be empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, TypeVar

WABA = "whatsapp_business_account"
TEMPLATE_STATUS = "message_template_status_update"
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker", "voice")
# Keys worth naming when a non-message change is summarised in ``other``.
SUMMARY_KEYS = ("event", "decision", "status", "message_template_name", "current_limit", "username")
VCARD_NAME = re.compile(r"^FN[;:](?:.*:)?(.+)$", re.MULTILINE)
T = TypeVar("T")


class WaError(NamedTuple):
    """One entry of an ``errors[]`` list: WhatsApp's numeric code, its title and the detail."""

    code: int
    title: str
    detail: str


@dataclass
class WaMedia:
    """A media object; ``id`` is what the Graph API downloads (the file itself is not in the webhook)."""

    id: str = ""
    mime_type: str = ""
    sha256: str = ""
    filename: str = ""
    url: str = ""
    voice: bool = False  # an audio recorded as a voice note (push-to-talk)
    animated: bool = False  # a sticker that moves


@dataclass
class WaLocation:
    latitude: float | None = None
    longitude: float | None = None
    name: str = ""
    address: str = ""
    url: str = ""


@dataclass
class WaContact:
    """A contact card the customer shared."""

    name: str = ""
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)


@dataclass
class WaSystem:
    """A WhatsApp system notice: ``kind`` is e.g. user_changed_number, customer_identity_changed."""

    kind: str = ""
    body: str = ""
    new_wa_id: str = ""
    new_user_id: str = ""


@dataclass
class WaMessage:
    id: str = ""  # the wamid; may be empty on a malformed message, callers that need one must check
    from_: str = ""  # customer's phone number (wa_id), international digits without "+"
    user_id: str = ""  # business-scoped user id (BSUID), when WhatsApp sends one
    parent_user_id: str = ""
    name: str = ""  # WhatsApp profile name
    username: str = ""  # WhatsApp @username, when the customer has one
    phone_number_id: str = ""  # the business number the customer wrote to
    display_phone_number: str = ""
    timestamp: datetime | None = None
    type: str = ""  # as sent: text, image, interactive, button, reaction, system, edit, revoke, ...
    content_type: str = ""  # kind of content carried: ``type``; an edit's new content type; "" for a revoke
    text: str = ""  # what an agent reads: body, caption, chosen button/row, location, contact cards, emoji
    reply_to: str = ""  # context.id: the wamid this message answers
    forwarded: bool = False
    refers_to: str = ""  # edit/revoke: the wamid of the original message
    media: WaMedia | None = None
    location: WaLocation | None = None
    contacts: list[WaContact] = field(default_factory=list)
    reaction_to: str = ""
    reaction_removed: bool = False
    interactive_id: str = ""  # the id the business gave the chosen button/list row, or a quick reply's payload
    system: WaSystem | None = None
    group_id: str = ""  # set when the message was written in a WhatsApp group
    referral: dict[str, str] = field(default_factory=dict)  # click-to-WhatsApp ad the chat started from
    errors: list[WaError] = field(default_factory=list)
    to: str = ""  # echoes only: the customer the business wrote to
    to_user_id: str = ""


@dataclass
class WaStatus:
    id: str = ""  # wamid of Loket's outbound message
    status: str = ""  # as sent: sent, delivered, read, failed, deleted, ...
    recipient_id: str = ""  # phone number, or a group id ending in @g.us
    recipient_user_id: str = ""
    recipient_type: str = ""  # "group" for group messages
    participant_id: str = ""  # group messages: the member this report is about
    timestamp: datetime | None = None
    phone_number_id: str = ""
    display_phone_number: str = ""
    errors: list[WaError] = field(default_factory=list)
    conversation_id: str = ""
    pricing_category: str = ""


@dataclass
class WaTemplateStatus:
    """A ``message_template_status_update``: a template of the business account changed status."""

    waba_id: str = ""  # the entry's id: the WhatsApp Business Account the template belongs to
    template_id: str = ""
    name: str = ""
    language: str = ""  # as sent: "en-US" here, where template lists say "en_US"
    event: str = ""  # APPROVED, REJECTED, PENDING, PAUSED, DISABLED, FLAGGED, REINSTATED, ...
    reason: str = ""
    time: datetime | None = None  # when Meta sent it (the entry's time)


@dataclass
class Webhook:
    messages: list[WaMessage] = field(default_factory=list)
    statuses: list[WaStatus] = field(default_factory=list)
    echoes: list[WaMessage] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


class _Sender(NamedTuple):
    wa_id: str
    user_id: str
    parent_user_id: str
    name: str
    username: str


def parse_webhook(body: object) -> Webhook:
    """Read one webhook body (whatever ``json.loads`` returned); never raises."""
    hook = Webhook()
    if not isinstance(body, dict):
        hook.other.append(f"not a JSON object ({type(body).__name__})")
        return hook
    if body.get("object") != WABA:
        hook.other.append(f"not a WhatsApp Business Account webhook (object={body.get('object')!r})")
        return hook
    entries = body.get("entry")
    if not isinstance(entries, list):
        hook.other.append("no entry list")
        return hook
    for e, entry in enumerate(entries):
        changes = _dict(entry).get("changes")
        if not isinstance(changes, list):
            hook.other.append(f"entry[{e}]: no changes list")
            continue
        for c, change in enumerate(changes):
            _read_change(change, f"entry[{e}].changes[{c}]", hook)
    return hook


def template_statuses(body: object) -> list[WaTemplateStatus]:
    """The template status updates in one webhook body; never raises (odd items are skipped)."""
    found: list[WaTemplateStatus] = []
    if not isinstance(body, dict) or body.get("object") != WABA:
        return found
    for entry in _list(body.get("entry")):
        entry = _dict(entry)
        for change in _list(entry.get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            if change.get("field") != TEMPLATE_STATUS or not value:
                continue
            reason = _str(value.get("reason"))
            found.append(
                WaTemplateStatus(
                    waba_id=_str(entry.get("id")),
                    template_id=_str(value.get("message_template_id")),
                    name=_str(value.get("message_template_name")),
                    language=_str(value.get("message_template_language")),
                    event=_str(value.get("event")).upper(),
                    reason="" if reason.upper() == "NONE" else reason,
                    time=_timestamp(entry.get("time")),
                )
            )
    return found


def _read_change(change: object, where: str, hook: Webhook) -> None:
    change = _dict(change)
    kind = _str(change.get("field"))
    value = change.get("value")
    if not isinstance(value, dict):
        hook.other.append(f"{where}: {kind or 'change'} without a value object")
        return
    meta = _dict(value.get("metadata"))
    senders = _senders(value.get("contacts"))
    if kind == "messages":
        messages = _read_list(value, "messages", where, hook, lambda raw: _message(raw, meta, senders, echo=False))
        statuses = _read_list(value, "statuses", where, hook, lambda raw: _status(raw, meta))
        errors = _errors(value.get("errors"))
        hook.messages.extend(messages or [])
        hook.statuses.extend(statuses or [])
        hook.other.extend(f"messages: error {e.code} {e.title} {e.detail}".rstrip() for e in errors)
        if messages is None and statuses is None and not errors:
            hook.other.append(f"{where}: messages change without messages or statuses")
    elif kind == "smb_message_echoes":
        echoes = _read_list(value, "message_echoes", where, hook, lambda raw: _message(raw, meta, senders, echo=True))
        if echoes is None:
            hook.other.append(f"{where}: smb_message_echoes change without message_echoes")
        hook.echoes.extend(echoes or [])
    else:
        hook.other.append(_summary(kind or "(no field)", value))


def _read_list(
    value: dict[str, Any], key: str, where: str, hook: Webhook, parse: Callable[[dict[str, Any]], T]
) -> list[T] | None:
    """Parse ``value[key]`` item by item; None when the key is absent.

    Each item is parsed inside its own guard: a bug or a shape nobody foresaw costs that one
    item (noted in ``other``), never the other messages in the body.
    """
    if key not in value:
        return None
    items = value[key]
    if not isinstance(items, list):
        hook.other.append(f"{where}: {key} is not a list")
        return []
    parsed = []
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            hook.other.append(f"{where}.{key}[{i}]: not an object")
            continue
        try:
            parsed.append(parse(raw))
        except Exception as error:  # the last-resort guard the docstring promises
            hook.other.append(f"{where}.{key}[{i}]: could not be read ({type(error).__name__}: {error})")
    return parsed


def _message(raw: dict[str, Any], meta: dict[str, Any], senders: list[_Sender], *, echo: bool) -> WaMessage:
    message = WaMessage(
        id=_str(raw.get("id")),
        from_=_str(raw.get("from")),
        user_id=_str(raw.get("from_user_id")),
        parent_user_id=_str(raw.get("from_parent_user_id")),
        phone_number_id=_str(meta.get("phone_number_id")),
        display_phone_number=_str(meta.get("display_phone_number")),
        timestamp=_timestamp(raw.get("timestamp")),
        type=_str(raw.get("type")),
        group_id=_str(raw.get("group_id")),
        errors=_errors(raw.get("errors")),
        to=_str(raw.get("to")),
        to_user_id=_str(raw.get("to_user_id")),
    )
    if not echo:  # on an echo the contacts describe the customer, not the sender
        _attach_sender(message, senders)
    context = _dict(raw.get("context"))
    message.reply_to = _str(context.get("id"))
    message.forwarded = context.get("forwarded") is True or context.get("frequently_forwarded") is True
    referral = _dict(raw.get("referral"))
    message.referral = {key: _str(val) for key, val in referral.items() if _str(val)}
    if message.type in ("edit", "revoke"):
        wrapper = _dict(raw.get(message.type))
        message.refers_to = _str(wrapper.get("original_message_id"))
        inner = _dict(wrapper.get("message"))
        if inner:
            _fill_content(message, inner, _str(inner.get("type")))
    else:
        _fill_content(message, raw, message.type)
    return message


def _attach_sender(message: WaMessage, senders: list[_Sender]) -> None:
    """Find the sender in ``value.contacts`` by phone number or BSUID.

    A message with neither (seen on BSUID contact requests) belongs to the only contact listed,
    if there is exactly one; otherwise the name stays empty rather than guessed.
    """
    match = next(
        (
            s
            for s in senders
            if (message.from_ and s.wa_id == message.from_) or (message.user_id and s.user_id == message.user_id)
        ),
        None,
    )
    if match is None and not message.from_ and not message.user_id and len(senders) == 1:
        match = senders[0]
    if match is None:
        return
    message.name, message.username = match.name, match.username
    message.from_ = message.from_ or match.wa_id
    message.user_id = message.user_id or match.user_id
    message.parent_user_id = message.parent_user_id or match.parent_user_id


def _fill_content(message: WaMessage, raw: dict[str, Any], kind: str) -> None:
    """Set ``text`` and the typed fields from the object under ``raw[kind]``."""
    message.content_type = kind
    body = _dict(raw.get(kind))
    if kind == "text":
        message.text = _str(body.get("body"))
    elif kind in MEDIA_TYPES:
        message.text = _str(body.get("caption"))
        message.media = WaMedia(
            id=_str(body.get("id")),
            mime_type=_unslash(_str(body.get("mime_type"))),
            sha256=_unslash(_str(body.get("sha256"))),
            filename=_str(body.get("filename")),
            url=_str(body.get("url")),
            voice=body.get("voice") is True or kind == "voice",
            animated=body.get("animated") is True,
        )
    elif kind == "location":
        message.location = WaLocation(
            latitude=_float(body.get("latitude")),
            longitude=_float(body.get("longitude")),
            name=_str(body.get("name")),
            address=_str(body.get("address")),
            url=_str(body.get("url")),
        )
        message.text = _location_text(message.location)
    elif kind == "contacts":
        message.contacts = [_contact(card) for card in _list(raw.get("contacts")) if isinstance(card, dict)]
        message.text = "\n\n".join(
            "\n".join(line for line in (card.name, *card.phones, *card.emails) if line) for card in message.contacts
        )
    elif kind == "interactive":
        _fill_interactive(message, body)
    elif kind == "button":
        message.text = _str(body.get("text"))
        message.interactive_id = _str(body.get("payload"))
    elif kind == "reaction":
        message.reaction_to = _str(body.get("message_id"))
        message.text = _str(body.get("emoji"))
        message.reaction_removed = not message.text
    elif kind == "order":
        message.text = _order_text(body)
    elif kind == "system":
        message.system = WaSystem(
            kind=_str(body.get("type")),
            body=_str(body.get("body")),
            new_wa_id=_str(body.get("wa_id")) or _str(body.get("new_wa_id")),
            new_user_id=_str(body.get("user_id")),
        )
        message.text = message.system.body


def _fill_interactive(message: WaMessage, body: dict[str, Any]) -> None:
    reply_kind = _str(body.get("type"))
    reply = _dict(body.get(reply_kind))
    if reply_kind == "nfm_reply":  # a WhatsApp Flow was submitted
        message.text = _str(reply.get("body")) or _str(reply.get("name"))
        message.interactive_id = _str(reply.get("name"))
        return
    title, description = _str(reply.get("title")), _str(reply.get("description"))
    message.text = f"{title}\n{description}" if description else title
    message.interactive_id = _str(reply.get("id"))


def _location_text(location: WaLocation) -> str:
    place = ", ".join(dict.fromkeys(part for part in (location.name, location.address) if part))
    coordinates = (
        f"{location.latitude}, {location.longitude}"
        if location.latitude is not None and location.longitude is not None
        else ""
    )
    return "\n".join(line for line in (place, coordinates, location.url) if line)


def _contact(card: dict[str, Any]) -> WaContact:
    names = _dict(card.get("name"))
    name = _str(names.get("formatted_name")) or " ".join(
        part for part in (_str(names.get("first_name")), _str(names.get("last_name"))) if part
    )
    if not name:  # contact requests carry only a vCard
        found = VCARD_NAME.search(_str(card.get("vcard")))
        name = found.group(1).strip() if found else ""
    phones = [_labelled(_dict(p), "phone") for p in _list(card.get("phones"))]
    emails = [_labelled(_dict(e), "email") for e in _list(card.get("emails"))]
    return WaContact(name=name, phones=[p for p in phones if p], emails=[e for e in emails if e])


def _labelled(item: dict[str, Any], key: str) -> str:
    value, label = _str(item.get(key)), _str(item.get("type"))
    return f"{value} ({label})" if value and label else value


def _order_text(order: dict[str, Any]) -> str:
    lines = [_str(order.get("text"))]
    for item in _list(order.get("product_items")):
        item = _dict(item)
        if not _str(item.get("product_retailer_id")):
            continue
        price = " ".join(p for p in (_str(item.get("item_price")), _str(item.get("currency"))) if p)
        line = f"{_str(item.get('quantity')) or '1'} x {_str(item.get('product_retailer_id'))}"
        lines.append(f"{line} ({price})" if price else line)
    return "\n".join(line for line in lines if line)


def _status(raw: dict[str, Any], meta: dict[str, Any]) -> WaStatus:
    return WaStatus(
        id=_str(raw.get("id")),
        status=_str(raw.get("status")),
        recipient_id=_str(raw.get("recipient_id")),
        recipient_user_id=_str(raw.get("recipient_user_id")),
        recipient_type=_str(raw.get("recipient_type")),
        participant_id=_str(raw.get("recipient_participant_id")),
        timestamp=_timestamp(raw.get("timestamp")),
        phone_number_id=_str(meta.get("phone_number_id")),
        display_phone_number=_str(meta.get("display_phone_number")),
        errors=_errors(raw.get("errors")),
        conversation_id=_str(_dict(raw.get("conversation")).get("id")),
        pricing_category=_str(_dict(raw.get("pricing")).get("category")),
    )


def _senders(contacts: object) -> list[_Sender]:
    senders = []
    for contact in _list(contacts):
        contact = _dict(contact)
        profile = _dict(contact.get("profile"))
        senders.append(
            _Sender(
                wa_id=_str(contact.get("wa_id")),
                user_id=_str(contact.get("user_id")),
                parent_user_id=_str(contact.get("parent_user_id")),
                name=_str(profile.get("name")),
                username=_str(profile.get("username")),
            )
        )
    return senders


def _errors(errors: object) -> list[WaError]:
    found = []
    for error in _list(errors):
        error = _dict(error)
        if not error:
            continue
        code = error.get("code")
        title = _str(error.get("title")) or _str(error.get("message"))
        detail = _str(_dict(error.get("error_data")).get("details"))
        if not detail and _str(error.get("message")) != title:
            detail = _str(error.get("message"))
        found.append(WaError(code if isinstance(code, int) and not isinstance(code, bool) else 0, title, detail))
    return found


def _summary(kind: str, value: dict[str, Any]) -> str:
    parts = [f"{key}={_str(value[key])}" for key in SUMMARY_KEYS if _str(value.get(key))]
    return f"{kind}: {', '.join(parts)}" if parts else kind


def _timestamp(value: object) -> datetime | None:
    """Epoch seconds (WhatsApp sends a string of digits) as an aware UTC datetime; None if unreadable."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _unslash(value: str) -> str:
    r"""Undo a JSON ``\/`` escape that some recorders keep as text (RestFB's fixtures do).

    Only used on MIME types and base64 digests, which never contain a backslash, so nothing is lost.
    """
    return value.replace("\\/", "/")


def _str(value: object) -> str:
    """A JSON scalar as text: ids arrive as strings or numbers; objects, lists and null become ''."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
