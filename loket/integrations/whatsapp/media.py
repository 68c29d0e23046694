"""WhatsApp media into Loket's storage: the Graph API's media URL, then the file itself.

Meta keeps a customer's media for a while and hands it out only with the account's access
token: ``GET /<media id>`` gives a short-lived URL, ``GET <url>`` (with the token) the bytes.
Both go through the one outbound HTTP seam. The file becomes an ordinary attachment of the
message (content type sniffed, served only to the organisation's members, like e-mail's).
"""

from __future__ import annotations

import json
import mimetypes

from django.conf import settings
from django.utils.translation import gettext as _

from loket.cases.receiving import IncomingAttachment
from loket.integrations.models import ChannelAccount
from loket.integrations.whatsapp.payload import WaMedia
from loket.lib import http


class MediaUnavailable(Exception):
    """Meta will not hand out this file (gone, refused, too large): the message is stored
    without it, saying so. ``reason`` is for the agent."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MediaNotYet(Exception):
    """The file could not be fetched now (no answer, Meta's error, a token to fix): the
    message is tried again later, with backoff, as any delivery."""


def download(account: ChannelAccount, media: WaMedia) -> IncomingAttachment:
    token = account.secret("access_token")
    if not token:
        raise MediaNotYet("the WhatsApp account has no access token")
    auth = {"Authorization": f"Bearer {token}"}
    limit = settings.WHATSAPP_MEDIA_MAX_BYTES
    meta = _answer(http.get(f"{settings.WHATSAPP_GRAPH_URL.rstrip('/')}/{media.id}", headers=auth, max_bytes=65_536))
    try:
        info = json.loads(meta.content)
    except ValueError:
        raise MediaNotYet(f"Graph API answered {meta.status} without JSON") from None
    url = info.get("url") if isinstance(info, dict) else None
    if not url:
        raise MediaNotYet("Graph API gave no media URL")
    try:
        size = int(info.get("file_size") or 0)
    except (TypeError, ValueError):
        size = 0
    if size > limit:
        raise MediaUnavailable(_("te groot (%(size)s bytes; hoogstens %(limit)s)") % {"size": size, "limit": limit})
    try:
        file = _answer(http.get(str(url), headers=auth, max_bytes=limit))
    except http.TooLarge:
        raise MediaUnavailable(_("te groot (meer dan %(limit)s bytes)") % {"limit": limit}) from None
    content_type = media.mime_type or str(info.get("mime_type") or "") or "application/octet-stream"
    filename = media.filename or f"whatsapp-{media.id}{_extension(content_type)}"
    return IncomingAttachment(filename, file.content, content_type)


def _answer(response: http.Response) -> http.Response:
    if 200 <= response.status < 300:
        return response
    # 401/403: a token to fix; 408/429 and 5xx: Meta's load. Try again later. Other 4xx: gone.
    if response.status in (401, 403, 408, 429) or response.status >= 500:
        raise MediaNotYet(f"Graph API answered {response.status}: {response.body[:200]}")
    raise MediaUnavailable(_("WhatsApp gaf het bestand niet (%(status)s)") % {"status": response.status})


def _extension(content_type: str) -> str:
    base = content_type.split(";", 1)[0].strip()
    return {"audio/ogg": ".ogg", "image/jpeg": ".jpg"}.get(base) or mimetypes.guess_extension(base) or ""
