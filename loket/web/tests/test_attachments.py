from __future__ import annotations

import pytest
from django.urls import reverse

from loket.cases.receiving import InboundMessage, IncomingAttachment, do_receive_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(org, team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    result = do_receive_message(
        org,
        InboundMessage(
            channel="email",
            identity_kind="email",
            identity_value="piet@example.nl",
            text="Zie bijlage",
            attachments=[IncomingAttachment("factuur <2026>.html", b"<script>alert(1)</script>", "text/html")],
        ),
    )
    return result.message.attachments.get()


def test_member_downloads_an_attachment_as_a_file_never_a_page(agent_client, attachment):
    response = agent_client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response.content == b"<script>alert(1)</script>"
    assert response["Content-Disposition"].startswith("attachment;")
    assert attachment.filename in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_viewer_may_download_attachments(viewer_client, attachment):
    response = viewer_client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 200


def test_attachment_of_another_organisation_is_not_found(outsider_client, attachment):
    response = outsider_client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 404
    assert b"alert(1)" not in response.content


def test_attachment_download_needs_a_login(client, attachment):
    response = client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 302


def test_attachment_whose_file_is_gone_is_not_found_not_a_crash(agent_client, attachment, caplog):
    attachment.file.delete(save=False)
    response = agent_client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 404
    assert "has no readable file" in caplog.text
