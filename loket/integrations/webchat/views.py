"""The chat widget over HTTP: the loader script, the chat frame, and the visitor's endpoints.

``/chat/widget.js`` is the one script a website includes. It puts a chat button on the page
and opens ``/chat/<key>/`` in a frame: the chat itself runs on Loket's origin, so the website
needs no CORS for it; the frame's Content-Security-Policy ``frame-ancestors`` names the
websites the admin allowed, and the browser refuses to show it anywhere else.

The visitor's endpoints take the visitor token in the ``X-Loket-Visitor`` header (not a
cookie: a frame on another site gets none, and a header cannot be sent by another page's
form, so there is no CSRF to guard against).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loket.cases.receiving import IncomingAttachment
from loket.integrations.channel_accounts import setting
from loket.integrations.models import ChannelAccount, LeftMessage
from loket.integrations.selectors import active_accounts
from loket.integrations.webchat.actions import (
    check_details,
    check_left_message,
    do_leave_message,
    do_mark_read,
    do_receive_chat_message,
)
from loket.integrations.webchat.conversation import visitor_messages
from loket.integrations.webchat.live import joined
from loket.integrations.webchat.status import ChatStatus, answer_text, chat_status, status_line
from loket.integrations.webchat.transcript import NotSent, TooMany, check_send_transcript
from loket.integrations.webchat.visitors import new_visitor, visitor_of

logger = logging.getLogger(__name__)

LOADER = Path(__file__).resolve().parent.parent / "static" / "loket" / "webchat" / "loader.js"


@cache
def _loader() -> bytes:
    return LOADER.read_bytes()


@require_GET
def loader(request: HttpRequest) -> HttpResponse:
    """The script a website includes; the same for every widget (its tag names the widget)."""
    response = HttpResponse(_loader(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"  # harmless for a public script; allows crossorigin=
    return response


def _account(key: str) -> ChannelAccount:
    account = (
        ChannelAccount.objects.filter(key=key, kind=ChannelAccount.Kind.CHAT, is_active=True)
        .select_related("organization")
        .first()
    )
    if account is None:
        raise Http404
    return account


def _language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")[:2].lower()
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


@xframe_options_exempt
@require_GET
def page(request: HttpRequest, key: str) -> HttpResponse:
    """The chat in its frame. Only the allowed websites may frame it (CSP frame-ancestors)."""
    account = _account(key)
    language = _language(request)
    sms = _texts(account)
    with translation.override(language):
        greeting = setting(account, "greeting") or _("Hallo! Waarmee kunnen we u helpen?")
        status = _status(account, sms)
        config = {
            "key": account.key,
            "language": language,
            "askDetails": bool(setting(account, "ask_details")),
            "maxBytes": settings.ATTACHMENT_MAX_BYTES,
            "sms": sms,
            "status": status,
            "statusSeconds": STATUS_SECONDS,
            "urls": {
                "visitor": reverse("webchat_visitor", args=[key]),
                "messages": reverse("webchat_messages", args=[key]),
                "upload": reverse("webchat_upload", args=[key]),
                "read": reverse("webchat_read", args=[key]),
                "status": reverse("webchat_status", args=[key]),
                "leave": reverse("webchat_leave", args=[key]),
                "transcript": reverse("webchat_transcript", args=[key]),
                "socket": f"/ws/chat/{key}/",
            },
        }
        context = {"account": account, "greeting": greeting, "config": config, "language": language, "sms": sms}
        response = render(request, "webchat/chat.html", context)
    origins = setting(account, "allowed_origins") or []
    response._csp_replace = {"frame-ancestors": origins or ["'none'"]}  # type: ignore[attr-defined]  # django-csp hook
    return response


# How often an open frame asks whether the chat is live (also whenever it is shown again).
STATUS_SECONDS = 30


def _texts(account: ChannelAccount) -> bool:
    """Whether the organisation can answer by SMS (it has an SMS number): only then does the
    leave-a-message form ask for a mobile number."""
    return active_accounts(account.organization_id, ChannelAccount.Kind.SMS).exists()


def _status(account: ChannelAccount, sms: bool) -> dict[str, Any]:
    """What the frame needs to choose between the live chat and the leave-a-message form."""
    status = chat_status(account)
    return {
        "live": status.live,
        "open": status.open,
        "available": status.available,
        "line": status_line(status),
        "answer": answer_text(status, by="email_or_sms" if sms else "email"),
    }


def _json(data: Any, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    return response


def _error(message: str, status: int) -> JsonResponse:
    return _json({"error": message}, status=status)


def _visitor(request: HttpRequest, account: ChannelAccount) -> str | None:
    return visitor_of(account, request.headers.get("X-Loket-Visitor", ""))


VisitorView = Callable[[HttpRequest, ChannelAccount, str], JsonResponse]


def visitor_endpoint(view: VisitorView) -> Callable[[HttpRequest, str], JsonResponse]:
    """A visitor's endpoint: the widget its key names (404 when unknown or switched off), the
    visitor its token names (403 when forged or another widget's), no CSRF (no cookie: see the
    module's docstring)."""

    @csrf_exempt
    @wraps(view)
    def wrapped(request: HttpRequest, key: str) -> JsonResponse:
        account = _account(key)
        visitor_id = _visitor(request, account)
        if visitor_id is None:
            return _error(_("Dit gesprek is niet (meer) geldig. Laad de pagina opnieuw."), 403)
        return view(request, account, visitor_id)

    return wrapped


@csrf_exempt
@require_POST
def visitor(request: HttpRequest, key: str) -> JsonResponse:
    """A token for a browser that has none (or whose token this widget does not know)."""
    account = _account(key)
    known = _visitor(request, account)
    if known is not None:
        return _json({"token": request.headers["X-Loket-Visitor"]})
    _id, token = new_visitor(account)
    return _json({"token": token}, status=201)


@require_http_methods(["GET", "POST"])
@visitor_endpoint
def messages(request: HttpRequest, account: ChannelAccount, visitor_id: str) -> JsonResponse:
    """GET: the conversation after ``?na=<id>`` (the polling fallback and the first load).
    POST (JSON ``text``, ``client_id``, optionally ``name``, ``email`` and ``phone``): the visitor writes."""
    with translation.override(_language(request)):
        if request.method == "GET":
            after = request.GET.get("na", "0")
            items = visitor_messages(account, visitor_id, after=int(after) if after.isdigit() else 0)
            return _json({"items": items})
        body = _body(request)
        if body is None:
            return _error(_("Het bericht kon niet worden gelezen."), 400)
        try:
            details = check_details(*(str(body.get(name) or "") for name in ("name", "email", "phone")))
        except ValidationError as error:
            return _error(" ".join(error.messages), 400)
        return _receive(
            account,
            visitor_id,
            client_id=str(body.get("client_id") or ""),
            text=str(body.get("text") or ""),
            details=details,
        )


def _receive(account: ChannelAccount, visitor_id: str, **message: Any) -> JsonResponse:
    """Store what the visitor sent; tell their open sockets which case it is on."""
    try:
        stored = do_receive_chat_message(account, visitor_id, **message)
    except ValidationError as error:
        return _error(" ".join(error.messages), 400)
    joined(account, visitor_id, stored.case_id)
    return _json({"id": stored.pk}, status=201)


@require_POST
@visitor_endpoint
def upload(request: HttpRequest, account: ChannelAccount, visitor_id: str) -> JsonResponse:
    """A file from the visitor (multipart ``file``, ``client_id``): the same limit as e-mail."""
    limit = settings.ATTACHMENT_MAX_BYTES
    with translation.override(_language(request)):
        too_large = _("Dit bestand is te groot: het mag hoogstens %(size)s MB zijn.") % {"size": limit // 1_000_000}
        # Refused before the body is read when the browser says it is too large.
        if int(request.META.get("CONTENT_LENGTH") or 0) > limit + 64 * 1024:
            return _error(too_large, 413)
        upload = request.FILES.get("file")
        if upload is None:
            return _error(_("Kies een bestand."), 400)
        if upload.size is None or upload.size > limit:
            return _error(too_large, 413)
        attachment = IncomingAttachment(upload.name or "", upload.read(), upload.content_type or "")
        client_id = str(request.POST.get("client_id") or "")
        return _receive(account, visitor_id, client_id=client_id, attachments=[attachment])


@require_POST
@visitor_endpoint
def read(request: HttpRequest, account: ChannelAccount, visitor_id: str) -> JsonResponse:
    """The visitor saw the conversation up to message ``up_to`` (JSON)."""
    try:
        up_to = int(json.loads(request.body).get("up_to", 0))
    except (ValueError, TypeError, AttributeError):
        return _error(_("Het bericht kon niet worden gelezen."), 400)
    return _json({"marked": do_mark_read(account, visitor_id, up_to)})


@require_GET
def status(request: HttpRequest, key: str) -> JsonResponse:
    """Whether the chat is live now (open and someone available), and the texts to show when
    it is not. Public: it tells nothing a visitor of the website could not see in the frame."""
    account = _account(key)
    with translation.override(_language(request)):
        return _json(_status(account, _texts(account)))


@require_POST
@visitor_endpoint
def leave(request: HttpRequest, account: ChannelAccount, visitor_id: str) -> JsonResponse:
    """The leave-a-message form (JSON ``name``, ``email``, ``phone``, ``text``, ``client_id``):
    the question becomes a case answered by e-mail or SMS. Errors name their fields."""
    with translation.override(_language(request)):
        body = _body(request)
        if body is None:
            return _error(_("Het bericht kon niet worden gelezen."), 400)
        sms = _texts(account)
        try:
            details, text = check_left_message(
                *(str(body.get(name) or "") for name in ("name", "email", "phone", "text")), sms=sms
            )
        except ValidationError as error:
            return _json({"error": " ".join(error.messages), "fields": _fields(error)}, status=400)
        state: ChatStatus = chat_status(account)
        reason = LeftMessage.Reason.UNAVAILABLE if state.open else LeftMessage.Reason.CLOSED
        try:
            stored = do_leave_message(
                account,
                visitor_id,
                client_id=str(body.get("client_id") or ""),
                text=text,
                details=details,
                reason=reason,
            )
        except ValidationError as error:
            return _error(" ".join(error.messages), 400)
        joined(account, visitor_id, stored.case_id)
        by = "email" if details.email else "sms"  # the channel the answer goes out on
        return _json({"id": stored.pk, "answer": answer_text(state, by=by)}, status=201)


@require_POST
@visitor_endpoint
def transcript(request: HttpRequest, account: ChannelAccount, visitor_id: str) -> JsonResponse:
    """E-mail the visitor's conversation (JSON ``email``) to them."""
    with translation.override(_language(request)):
        body = _body(request)
        if body is None:
            return _error(_("Het bericht kon niet worden gelezen."), 400)
        try:
            sent_to = check_send_transcript(account, visitor_id, str(body.get("email") or ""))
        except ValidationError as error:
            return _json({"error": " ".join(error.messages), "fields": _fields(error)}, status=400)
        except TooMany:
            return _error(_("U hebt dit gesprek al een paar keer laten mailen; probeer het over een uur opnieuw."), 429)
        except NotSent:
            return _error(_("Het mailen is niet gelukt. Probeer het later opnieuw."), 502)
        return _json({"sent_to": sent_to, "message": _("Het gesprek is gemaild naar %(email)s.") % {"email": sent_to}})


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        body = json.loads(request.body)
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _fields(error: ValidationError) -> dict[str, str]:
    if not hasattr(error, "error_dict"):
        return {}
    return {name: " ".join(messages) for name, messages in error.message_dict.items()}
