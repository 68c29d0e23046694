"""A message's formatted (HTML) version, on a page of its own, shown in a sandboxed frame.

The frame keeps an e-mail's layout from touching the desk's, and lets this page have its own
Content-Security-Policy: remote images (a tracking pixel tells the sender when and where the
mail was read) are blocked until the agent chooses to load them (``?afbeeldingen=1``).

Images the mail carries itself (``<img src="cid:…">``, a logo, a screenshot) are shown at
once, from ``inline_image``: the sandboxed frame has an origin of its own and sends no session
cookie, so each image URL carries a signed, short-lived token for that one attachment instead.
"""

from __future__ import annotations

import re

from csp.constants import NONE, SELF
from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET

from loket.cases.models import Attachment, Message
from loket.cases.selectors import access_message
from loket.lib.html import block_remote_images, has_remote_images
from loket.web.access import DeskRequest, member_required

CID_SRC = re.compile(r"\bsrc=\"cid:([^\"]+)\"", re.IGNORECASE)
INLINE_SALT = "loket.web.inline-image"
INLINE_MAX_AGE = 60 * 60  # seconds a frame's image links stay valid
# Shown inline only when the browser cannot take them for anything but an image.
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}

BLOCKED = {"img-src": [SELF, "data:"], "frame-ancestors": [SELF], "script-src": [NONE]}
LOADED = {"img-src": ["https:", "http:", "data:", SELF], "frame-ancestors": [SELF], "script-src": [NONE]}


@member_required
@xframe_options_sameorigin
def message_html(request: DeskRequest, message_id: int) -> HttpResponse:
    message = access_message(request.organization, message_id)
    load_images = request.GET.get("afbeeldingen") == "1"
    html = _with_inline_images(message)
    if not load_images:
        # Not even asked for: the CSP below would block the request too, but with an error.
        html = block_remote_images(html)
    context = {
        "html": html,
        "remote_images": has_remote_images(message.html),
        "load_images": load_images,
    }
    response = render(request, "web/message_html.html", context)
    response["Cache-Control"] = "private, no-store"
    response._csp_replace = LOADED if load_images else BLOCKED  # type: ignore[attr-defined]  # django-csp's hook
    return response


def _with_inline_images(message: Message) -> str:
    """The HTML with each ``cid:`` image pointing at its attachment (a signed link)."""
    html = message.html
    if "cid:" not in html:
        return html
    by_cid = {
        attachment.content_id: attachment.pk
        for attachment in message.attachments.filter(content_type__in=INLINE_TYPES).exclude(content_id="")
    }

    def link(match: re.Match[str]) -> str:
        pk = by_cid.get(match.group(1))
        if pk is None:
            return match.group(0)
        token = signing.dumps(pk, salt=INLINE_SALT)
        return f'src="{reverse("web:inline_image", args=[token])}"'

    return CID_SRC.sub(link, html)


@require_GET
def inline_image(request: DeskRequest, token: str) -> HttpResponse:
    """One image of a mail, for its formatted version; the signed token is the permission."""
    try:
        attachment_id = signing.loads(token, salt=INLINE_SALT, max_age=INLINE_MAX_AGE)
        attachment = Attachment.objects.get(pk=int(attachment_id), content_type__in=INLINE_TYPES)
        with attachment.file.open("rb") as handle:
            content = handle.read()
    except (signing.BadSignature, Attachment.DoesNotExist, ValueError, TypeError, OSError):
        raise Http404 from None
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"private, max-age={INLINE_MAX_AGE}"
    response._csp_replace = {"default-src": [NONE], "sandbox": True}  # type: ignore[attr-defined]  # django-csp hook
    return response
