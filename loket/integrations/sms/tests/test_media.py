"""MMS: the customer's photo fetched from Twilio (basic auth, then its CDN) onto the message,
or the reason it could not be had; a Twilio that does not answer means: try again later."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from loket.cases.models import Attachment, Message
from loket.integrations.actions import do_process_pending
from loket.integrations.models import InboundDelivery
from loket.integrations.sms.tests.conftest import CDN, JPEG
from loket.integrations.sms.tests.provider import ACCOUNT_SID, AUTH_TOKEN, corpus, inbound, post

pytestmark = pytest.mark.django_db

MMS = "zammad__inbound_sms4.json"  # NumMedia=1, an image/jpeg, empty Body


def test_a_photo_is_fetched_with_basic_auth_and_attached_to_the_message(client, account, agent_client, twilio):
    post(client, account, corpus(MMS))
    assert do_process_pending() == 1
    message = Message.objects.get()
    assert message.text == "[afbeelding]"
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.content_type) == ("mms-XXXXXX.jpg", "image/jpeg")
    with attachment.file.open("rb") as stored:
        assert stored.read() == JPEG
    api, cdn = [request for request in twilio.requests if request.method == "GET"]
    assert str(api.url) == corpus(MMS)["MediaUrl0"]
    assert api.headers["Authorization"] == "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    assert str(cdn.url) == CDN
    assert "Authorization" not in cdn.headers  # the credentials stay with Twilio's API
    # An agent of the organisation downloads it from the case.
    response = agent_client.get(reverse("web:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert response.content == JPEG


def test_a_caption_and_several_files(client, account, twilio):
    media = "https://api.twilio.com/2010-04-01/Accounts/AC78349f4b974f5f6907c513a77d96756d/Messages/MM1/Media/ME"
    post(
        client,
        account,
        inbound(
            "Zo kwam de bank aan",
            NumMedia="2",
            MediaUrl0=media + "1",
            MediaContentType0="image/jpeg",
            MediaUrl1=media + "2",
            MediaContentType1="video/mp4",
        ),
    )
    do_process_pending()
    message = Message.objects.get()
    assert message.text == "[afbeelding]\n[video]\nZo kwam de bank aan"
    assert message.case.subject == "Zo kwam de bank aan"
    assert sorted(message.attachments.values_list("filename", flat=True)) == ["mms-ME1.jpg", "mms-ME2.mp4"]


def test_a_file_twilio_no_longer_has_is_noted_and_the_message_still_lands(client, account, twilio):
    twilio.reply = lambda request: httpx.Response(
        404, json={"code": 20404, "message": "The requested resource was not found"}
    )
    post(client, account, corpus(MMS))
    do_process_pending()
    message = Message.objects.get()
    assert message.text == "[afbeelding]\n[het bestand kon niet worden opgehaald: Twilio gaf het bestand niet (404)]"
    assert not Attachment.objects.exists()


def test_a_file_over_the_attachment_limit_is_noted_not_stored(client, account, twilio, settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    post(client, account, corpus(MMS))
    do_process_pending()
    assert "te groot (meer dan 50 bytes)" in Message.objects.get().text
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "trouble",
    [
        lambda request: httpx.Response(503, text="Service Unavailable"),
        lambda request: httpx.Response(401, json={"code": 20003, "message": "Authenticate"}),
        lambda request: (_ for _ in ()).throw(httpx.ConnectTimeout("timed out", request=request)),
    ],
    ids=["503", "401", "timeout"],
)
def test_when_twilio_does_not_hand_out_the_file_now_the_message_waits_and_comes_with_it(
    client, account, twilio, trouble
):
    fetch = twilio.reply
    twilio.reply = trouble
    post(client, account, corpus(MMS))
    do_process_pending()
    assert not Message.objects.exists()
    assert InboundDelivery.objects.get().status == InboundDelivery.Status.PENDING  # retried, not lost
    twilio.reply = fetch
    with time_machine.travel(timezone.now() + timedelta(minutes=1), tick=False):
        assert do_process_pending() == 1
    assert Attachment.objects.get().message == Message.objects.get()
