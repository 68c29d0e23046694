"""The loader script, the chat frame's framing rules, and files from the visitor."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from loket.cases.models import Message
from loket.integrations.webchat.tests.conftest import ORIGIN

pytestmark = pytest.mark.django_db


def test_the_loader_is_one_public_script(client):
    response = client.get(reverse("webchat_loader"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert b"data-loket-chat" in response.content or b"loketChat" in response.content


def test_only_the_allowed_websites_may_frame_the_chat(client, widget):
    response = client.get(reverse("webchat_page", args=[widget.key]), {"lang": "en"})
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert f"frame-ancestors {ORIGIN}" in policy
    assert "script-src 'self'" in policy  # the frame's own scripts only, no inline script
    assert "X-Frame-Options" not in response
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "Type your message" in html


def test_the_desk_still_refuses_to_be_framed(client, owner):
    client.force_login(owner)
    response = client.get(reverse("web:inbox"))
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_file_from_the_visitor_lands_on_the_case(client, widget, visitor):
    _id, token = visitor
    upload = SimpleUploadedFile("../../foto schade.jpg", b"\xff\xd8\xff\xe0 jpeg", content_type="image/jpeg")
    response = client.post(
        reverse("webchat_upload", args=[widget.key]),
        {"file": upload, "client_id": "f1"},
        headers={"X-Loket-Visitor": token},
    )
    assert response.status_code == 201, response.content
    attachment = Message.objects.get().attachments.get()
    assert attachment.filename == "foto schade.jpg"  # no path: sanitised like e-mail's


def test_a_file_over_the_limit_is_413_with_a_message_the_visitor_understands(client, widget, visitor, settings):
    settings.ATTACHMENT_MAX_BYTES = 1_000_000
    _id, token = visitor
    upload = SimpleUploadedFile("video.mp4", b"0" * 1_100_000, content_type="video/mp4")
    response = client.post(
        reverse("webchat_upload", args=[widget.key]),
        {"file": upload, "client_id": "f2"},
        headers={"X-Loket-Visitor": token},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "Dit bestand is te groot: het mag hoogstens 1 MB zijn."
    assert not Message.objects.exists()
