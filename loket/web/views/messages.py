"""A message's formatted (HTML) version, on a page of its own, shown in a sandboxed frame.

The frame keeps an e-mail's layout from touching the desk's, and lets this page have its own
Content-Security-Policy: remote images (a tracking pixel tells the sender when and where the
mail was read) are blocked until the agent chooses to load them (``?afbeeldingen=1``).
"""

from __future__ import annotations

import re

from csp.constants import NONE, SELF
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from loket.cases.selectors import access_message
from loket.integrations.email.quotes import REMOTE_IMAGE
from loket.web.access import DeskRequest, member_required

REMOTE_IMAGE_SRC = re.compile(r"(<img\b[^>]*?\s)src=(?=\"https?://)", re.IGNORECASE)

BLOCKED = {"img-src": [SELF, "data:"], "frame-ancestors": [SELF], "script-src": [NONE]}
LOADED = {"img-src": ["https:", "http:", "data:", SELF], "frame-ancestors": [SELF], "script-src": [NONE]}


@member_required
@xframe_options_sameorigin
def message_html(request: DeskRequest, message_id: int) -> HttpResponse:
    message = access_message(request.organization, message_id)
    load_images = request.GET.get("afbeeldingen") == "1"
    html = message.html
    if not load_images:
        # Not even asked for: the CSP below would block the request too, but with an error.
        html = REMOTE_IMAGE_SRC.sub(r"\1data-blocked-src=", html)
    context = {
        "html": html,
        "remote_images": bool(REMOTE_IMAGE.search(message.html)),
        "load_images": load_images,
    }
    response = render(request, "web/message_html.html", context)
    response["Cache-Control"] = "private, no-store"
    response._csp_replace = LOADED if load_images else BLOCKED  # type: ignore[attr-defined]  # django-csp's hook
    return response
