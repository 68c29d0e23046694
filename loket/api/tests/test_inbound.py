"""The generic inbound channel: stored before acknowledged, idempotent on the provider's id."""

from __future__ import annotations

import base64

import pytest

from loket.cases.models import Attachment, Case, Message
from loket.customers.models import Identity
from loket.events.testing import capture_events

BODY = {
    "external_id": "wa-123",
    "channel": "whatsapp",
    "sender": {"kind": "whatsapp", "value": "06-87 65 43 21", "name": "Kees Bakker"},
    "subject": "Monteur",
    "text": "Wanneer komt de monteur?",
}


@pytest.mark.django_db(transaction=True)
def test_message_is_committed_before_201_and_a_retry_returns_200_with_the_same_ids(api, team):
    with capture_events() as events:
        first = api.post("/inbound/messages", BODY)
        # The events are published on commit: seeing them here means the message was committed
        # before the response was sent.
        published = [event.type for event in events]
    assert first.status_code == 201
    created = first.json()
    assert created["created"] is True
    assert "case.message_received" in published
    message = Message.objects.get(pk=created["message_id"])
    assert (message.case_id, message.case.number) == (created["case_id"], created["case_number"])

    retry = api.post("/inbound/messages", {**BODY, "text": "Wanneer komt de monteur? (opnieuw)"})
    assert retry.status_code == 200
    assert retry.json() == {**created, "created": False}
    assert Message.objects.count() == 1
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_sender_in_any_phone_notation_is_one_customer(api, team):
    api.post("/inbound/messages", BODY)
    api.post(
        "/inbound/messages", {**BODY, "external_id": "wa-124", "sender": {"kind": "whatsapp", "value": "+31687654321"}}
    )
    identity = Identity.objects.get()
    assert (identity.value, identity.customer.name) == ("+31687654321", "Kees Bakker")
    assert Case.objects.get().message_count == 2


@pytest.mark.django_db
def test_default_channel_is_api_and_same_id_on_another_channel_is_another_message(api, team):
    body = {"external_id": "m-1", "sender": {"kind": "email", "value": "a@example.nl"}, "text": "Hoi"}
    assert api.post("/inbound/messages", body).status_code == 201
    assert api.post("/inbound/messages", {**body, "channel": "email"}).status_code == 201
    assert sorted(Message.objects.values_list("channel", flat=True)) == ["api", "email"]


@pytest.mark.django_db
def test_html_is_sanitised(api, team):
    body = {**BODY, "text": "", "html": '<p onclick="steal()">Hallo<script>alert(1)</script></p>'}
    message = Message.objects.get(pk=api.post("/inbound/messages", body).json()["message_id"])
    assert "script" not in message.html
    assert "onclick" not in message.html
    assert "Hallo" in message.html


@pytest.mark.django_db
def test_attachments_are_stored(api, team):
    content = b"%PDF-1.4 factuur"
    body = {
        **BODY,
        "attachments": [
            {
                "filename": "../../factuur.pdf",
                "content_type": "application/pdf",
                "content": base64.b64encode(content).decode(),
            }
        ],
    }
    api.post("/inbound/messages", body)
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size, attachment.content_type) == (
        "factuur.pdf",
        len(content),
        "application/pdf",
    )
    with attachment.file.open("rb") as stored:
        assert stored.read() == content


@pytest.mark.django_db
def test_attachment_over_the_limit_is_422_and_nothing_is_stored(api, team, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    body = {**BODY, "attachments": [{"filename": "groot.bin", "content": base64.b64encode(b"x" * 11).decode()}]}
    response = api.post("/inbound/messages", body)
    assert response.status_code == 422
    assert response.json()["fields"] == {"attachments.0.content": "attachment is larger than 10 bytes"}
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_attachment_that_is_not_base64_is_422(api, team):
    body = {**BODY, "attachments": [{"filename": "a.txt", "content": "niet base64!"}]}
    response = api.post("/inbound/messages", body)
    assert response.json()["fields"] == {"attachments.0.content": "is not valid base64"}


@pytest.mark.django_db
def test_message_without_any_content_is_422(api, team):
    response = api.post("/inbound/messages", {**BODY, "text": " "})
    assert response.status_code == 422


@pytest.mark.django_db
def test_unknown_channel_is_422(api, team):
    response = api.post("/inbound/messages", {**BODY, "channel": "fax"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"channel"}
