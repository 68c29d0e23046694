"""MMS media into Loket's storage: the file behind a ``MediaUrl<N>`` of an incoming message.

Twilio keeps a customer's media on its API (``…/Accounts/<sid>/Messages/<sid>/Media/<sid>``)
and, with "HTTP Basic Authentication for media" on, hands it out only with the Account SID and
auth token; it answers with a redirect to a short-lived copy on its CDN. Both go through the one
outbound HTTP seam, the credentials only to the API's own host. At most ATTACHMENT_MAX_BYTES
(Twilio takes at most 5 MB per MMS). The file becomes an ordinary attachment, as e-mail's and
WhatsApp's: a safe name, the type its bytes have, served only to the organisation's members.
"""

from __future__ import annotations

import base64
import mimetypes
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from loket.cases.receiving import IncomingAttachment
from loket.integrations.models import ChannelAccount
from loket.integrations.sms.config import SmsConfig
from loket.integrations.sms.payload import TwMedia
from loket.integrations.whatsapp.media import MediaNotYet, MediaUnavailable
from loket.lib import http

__all__ = ["MediaNotYet", "MediaUnavailable", "download"]

MAX_REDIRECTS = 3


def download(account: ChannelAccount, media: TwMedia) -> IncomingAttachment:
    """The file, or MediaUnavailable (gone, refused, too large: the message says so) or
    MediaNotYet (no answer, Twilio's error, credentials to fix: the message is tried again)."""
    limit = settings.ATTACHMENT_MAX_BYTES
    url = media.url
    for _hop in range(MAX_REDIRECTS + 1):
        if urlsplit(url).scheme not in ("http", "https"):
            raise MediaUnavailable(_("geen geldig adres"))
        try:
            answer = http.get(url, headers=_credentials(account, url), max_bytes=limit)
        except http.TooLarge:
            raise MediaUnavailable(_("te groot (meer dan %(limit)s bytes)") % {"limit": limit}) from None
        except http.HttpError as error:
            raise MediaNotYet(f"Twilio media: {error}") from error
        location = answer.headers.get("location")
        if answer.status in (301, 302, 303, 307, 308) and location:
            url = urljoin(url, location)
            continue
        break
    else:
        raise MediaNotYet("Twilio media: too many redirects")
    if not 200 <= answer.status < 300:
        # 401/403: credentials to fix; 408/429 and 5xx: Twilio's load. Try again later. Other 4xx: gone.
        if answer.status in (401, 403, 408, 429) or answer.status >= 500:
            raise MediaNotYet(f"Twilio media answered {answer.status}: {answer.body[:200]}")
        raise MediaUnavailable(_("Twilio gaf het bestand niet (%(status)s)") % {"status": answer.status})
    content_type = media.content_type or answer.headers.get("content-type", "") or "application/octet-stream"
    return IncomingAttachment(f"mms-{media.sid}{_extension(content_type)}", answer.content, content_type)


def _credentials(account: ChannelAccount, url: str) -> dict[str, str]:
    """Basic auth for Twilio's API host only; a CDN link (or anything else) gets no credentials."""
    if urlsplit(url).hostname != urlsplit(settings.TWILIO_API_URL).hostname:
        return {}
    token = account.secret("auth_token")
    sid = SmsConfig.of(account).account_sid
    if not token or not sid:
        raise MediaNotYet("the SMS account has no Account SID or auth token")
    return {"Authorization": "Basic " + base64.b64encode(f"{sid}:{token}".encode()).decode("ascii")}


def _extension(content_type: str) -> str:
    base = content_type.split(";", 1)[0].strip().lower()
    return {"image/jpeg": ".jpg", "audio/amr": ".amr"}.get(base) or mimetypes.guess_extension(base) or ""
