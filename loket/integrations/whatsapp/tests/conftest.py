"""The connected WhatsApp number the tests use (helpers: meta.py)."""

from __future__ import annotations

import httpx
import pytest

from loket.integrations.whatsapp.tests.meta import whatsapp_number


@pytest.fixture
def account(org, team):
    return whatsapp_number(org, team)


# A real JPEG's first bytes (SOI, JFIF APP0): enough for the content type to be sniffed.
JPEG = bytes.fromhex("ffd8ffe000104a46494600010101004800480000ffdb0043") + b"\x00" * 64 + bytes.fromhex("ffd9")


@pytest.fixture(autouse=True)
def graph(http_calls):
    """Meta's Graph API at the one outbound HTTP seam: media URLs and files as Meta documents
    them (``GET /<media id>``, then the file with the token), and sends answered with a wamid.
    A test sets ``graph.reply`` to answer otherwise; ``graph.requests`` lists what was asked."""
    requests, responder = http_calls

    def reply(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.host == "lookaside.fbsbx.com":
            return httpx.Response(200, content=JPEG, headers={"Content-Type": "image/jpeg"})
        if request.method == "GET":
            media_id = request.url.path.rsplit("/", 1)[-1]
            return httpx.Response(
                200,
                json={
                    "messaging_product": "whatsapp",
                    "url": f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media_id}",
                    "mime_type": "image/jpeg",
                    "sha256": "law0CgE277wMMnIJU0XIxhDne6Ptmwaek/thVM7mVtg=",
                    "file_size": str(len(JPEG)),
                    "id": media_id,
                },
            )
        return httpx.Response(200, json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.SENT"}]})

    responder.reply = reply
    responder.requests = requests
    return responder
