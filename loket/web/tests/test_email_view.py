"""An e-mail in the case view: new text first, quote folded, formatted version in a sandbox."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from loket.cases.receiving import InboundMessage, do_receive_message

pytestmark = pytest.mark.django_db

TEXT = "Wanneer komen jullie?\n\nOp ma 23 nov. 2026 om 10:00 schreef Woonwinkel <service@woonwinkel.nl>:\n> Dinsdag."
HTML = '<p>Wanneer komen jullie?</p><img src="https://tracker.example/open.png"><img src="cid:logo">'


@pytest.fixture
def email(org):
    inbound = InboundMessage(
        channel="email", identity_kind="email", identity_value="jolanda@example.nl", text=TEXT, html=HTML
    )
    return do_receive_message(org, inbound).message


def test_the_case_view_shows_the_new_text_and_folds_the_quote(agent_client, email):
    html = agent_client.get(reverse("web:case", args=[email.case_id])).content.decode()
    body, quoted = html.split('data-testid="quoted"')
    assert "Wanneer komen jullie?" in body
    assert "Dinsdag." not in body  # only under the fold
    assert "Dinsdag." in quoted.split("</details>")[0]
    assert "Afbeeldingen laden" in html
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    assert "tracker.example" not in body.split("<iframe")[0]  # the HTML is not in the desk's page


def test_the_formatted_version_blocks_remote_images_until_asked(agent_client, email):
    url = reverse("web:message_html", args=[email.pk])
    blocked = agent_client.get(url)
    assert blocked.status_code == 200
    assert blocked["X-Frame-Options"] == "SAMEORIGIN"
    policy = blocked["Content-Security-Policy"]
    assert "img-src 'self' data:" in policy
    assert "script-src 'none'" in policy
    assert "frame-ancestors 'self'" in policy
    page = blocked.content.decode()
    assert 'data-blocked-src="https://tracker.example/open.png"' in page
    assert ' src="https://tracker.example' not in page
    assert "geblokkeerd" in page

    loaded = agent_client.get(url, {"afbeeldingen": "1"})
    assert "https:" in loaded["Content-Security-Policy"].split("img-src")[1].split(";")[0]
    assert 'src="https://tracker.example/open.png"' in loaded.content.decode()


def test_a_viewer_may_read_it_too_but_an_outsider_may_not(viewer_client, outsider_client, email):
    url = reverse("web:message_html", args=[email.pk])
    assert viewer_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 404


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f2d2"
    "4d0000000049454e44ae426082"
)


@pytest.fixture
def mail_with_logo(org, settings, tmp_path):
    from loket.cases.receiving import IncomingAttachment

    settings.MEDIA_ROOT = tmp_path
    inbound = InboundMessage(
        channel="email",
        identity_kind="email",
        identity_value="jolanda@example.nl",
        text="Zie de foto.",
        html='<p>Zie de foto.</p><img src="cid:foto-1@example.nl"><img src="cid:script@example.nl">',
        attachments=[
            IncomingAttachment("foto.png", PNG, "image/png", content_id="foto-1@example.nl"),
            IncomingAttachment("x.svg", b"<svg onload=alert(1)>", "image/svg+xml", content_id="script@example.nl"),
        ],
    )
    return do_receive_message(org, inbound).message


def test_images_the_mail_carries_are_shown_through_a_signed_link(agent_client, client, mail_with_logo):
    page = agent_client.get(reverse("web:message_html", args=[mail_with_logo.pk])).content.decode()
    links = re.findall(r'src="(/berichten/afbeelding/[^"]+)"', page)
    assert len(links) == 1  # the PNG; an SVG (it can carry script) stays a download only
    assert 'src="cid:script@example.nl"' in page

    image = client.get(links[0])  # the sandboxed frame sends no session cookie
    assert image.status_code == 200
    assert image.content == PNG
    assert (image["Content-Type"], image["Content-Disposition"]) == ("image/png", "inline")
    assert "sandbox" in image["Content-Security-Policy"]

    assert client.get(links[0][:-3] + "abc/").status_code == 404  # a forged token
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert client.get(links[0]).status_code == 404  # an old one
