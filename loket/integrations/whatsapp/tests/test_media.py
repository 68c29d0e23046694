"""WhatsApp media: the customer's file from Meta's Graph API onto the message, or a reason."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from loket.cases.models import Attachment, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.models import InboundDelivery
from loket.integrations.whatsapp.tests.conftest import JPEG
from loket.integrations.whatsapp.tests.meta import corpus, post

pytestmark = pytest.mark.django_db

IMAGE = "restfb__webhook-incoming-message-image.json"  # media id 400962571939895, "Some awesome image"


def test_an_image_is_fetched_with_the_token_and_attached_to_the_message(client, account, agent_client, graph):
    post(client, account, corpus(IMAGE))
    assert do_process_pending() == 1
    message = Message.objects.get()
    attachment = Attachment.objects.get(message=message)
    assert attachment.filename == "whatsapp-400962571939895.jpg"
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as stored:
        assert stored.read() == JPEG
    meta, file = [request for request in graph.requests if request.method == "GET"]
    assert str(meta.url) == "https://graph.facebook.com/v23.0/400962571939895"
    assert meta.headers["Authorization"] == file.headers["Authorization"] == "Bearer EAAG-token"
    # An agent of the organisation downloads it from the case.
    response = agent_client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response.content == JPEG
    assert response["Content-Disposition"].startswith("attachment")


def test_a_file_meta_no_longer_has_is_noted_and_the_message_still_lands(client, account, graph):
    graph.reply = lambda request: httpx.Response(
        404, json={"error": {"message": "Unsupported get request.", "type": "GraphMethodException", "code": 100}}
    )
    post(client, account, corpus(IMAGE))
    do_process_pending()
    message = Message.objects.get()
    assert "Some awesome image" in message.text
    assert "[het bestand kon niet worden opgehaald: WhatsApp gaf het bestand niet (404)]" in message.text
    assert not Attachment.objects.exists()


def test_when_meta_does_not_answer_the_message_waits_and_comes_with_its_file(client, account, graph):
    fetch = graph.reply
    graph.reply = lambda request: httpx.Response(503, text="Service Unavailable")
    post(client, account, corpus(IMAGE))
    do_process_pending()
    assert not Message.objects.exists()
    assert InboundDelivery.objects.get().status == InboundDelivery.Status.PENDING  # retried, not lost
    graph.reply = fetch
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        assert do_process_pending() == 1
    assert Attachment.objects.get().message == Message.objects.get()
