"""WhatsApp webhooks end to end: Meta's subscription check, signed deliveries of the recorded
payloads in ../shared/corpora/whatsapp, stored before the 200, on a case after the worker."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loket.cases.models import Case, Message
from loket.customers.models import Identity
from loket.integrations.actions import do_process_pending
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.whatsapp.payload import parse_webhook
from loket.integrations.whatsapp.tests.meta import corpus, outbound, post, status_body, url

pytestmark = pytest.mark.django_db


def test_meta_subscribes_with_the_verify_token_and_gets_the_challenge_back(client, account):
    response = client.get(
        url(account), {"hub.mode": "subscribe", "hub.verify_token": "woonwinkel-verify", "hub.challenge": "1158201444"}
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


def test_a_wrong_verify_token_is_refused(client, account):
    response = client.get(url(account), {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert response.status_code == 403


def test_a_forged_delivery_gets_403_and_stores_nothing(client, account):
    response = post(client, account, corpus("restfb__webhook-incoming-message-image.json"), secret="not-the-secret")
    assert response.status_code == 403
    assert InboundDelivery.objects.count() == 0


def test_an_unknown_account_is_404(client, account):
    response = client.post(reverse("whatsapp_webhook", args=["nobody"]), b"{}", content_type="application/json")
    assert response.status_code == 404


def test_a_signed_body_that_is_not_json_is_400_and_stores_nothing(client, account):
    assert post(client, account, b"{not json").status_code == 400
    assert InboundDelivery.objects.count() == 0


def test_a_message_is_stored_before_the_200_and_lands_on_a_case_for_the_accounts_team(client, account, team):
    response = post(client, account, corpus("restfb__webhook-incoming-message-image.json"))
    assert response.status_code == 200
    delivery = InboundDelivery.objects.get()
    assert delivery.channel_account == account
    assert delivery.external_id.startswith("wamid.")
    assert do_process_pending() == 1
    message = Message.objects.get()
    assert message.channel == "whatsapp"
    assert message.text == "[afbeelding]\nSome awesome image"
    assert message.case.subject == "Some awesome image"  # her words, not the media label
    assert message.case.team == team
    identity = Identity.objects.get(kind="whatsapp")
    assert identity.value == "+491234567890"
    assert identity.customer.name == "TestUser"


def test_metas_redelivery_creates_nothing_new(client, account):
    body = corpus("restfb__webhook-incoming-message-image.json")
    post(client, account, body)
    do_process_pending()
    assert post(client, account, body).status_code == 200
    assert do_process_pending() == 0
    assert Message.objects.count() == 1
    assert Case.objects.count() == 1


def test_account_updates_and_other_fields_are_answered_but_not_stored(client, account):
    assert post(client, account, corpus("restfb__webhook-accountUpdate-banned.json")).status_code == 200
    assert InboundDelivery.objects.count() == 0


def test_statuses_move_an_outbound_message_forward_and_never_back(client, account, case):
    sent = outbound(case, "wamid.OUT1")
    for status in ("delivered", "read", "sent"):  # "sent" arrives last: out of order
        post(client, account, status_body("wamid.OUT1", status))
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.READ


def test_a_failed_status_shows_the_error_on_the_message(client, account, case):
    sent = outbound(case, "wamid.OUT2")
    errors = [
        {"code": 131047, "title": "Re-engagement message", "error_data": {"details": "More than 24 hours have passed"}}
    ]
    post(client, account, status_body("wamid.OUT2", "failed", errors))
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.FAILED
    assert "131047 Re-engagement message" in sent.delivery_error


def test_another_organisations_account_can_neither_sign_for_nor_touch_this_one(client, account, case, other_org):
    other = ChannelAccount(organization=other_org, kind="whatsapp", name="Ander", external_id="999")
    other.set_secrets(app_secret="other-secret", verify_token="other")
    other.save()
    # Signed with the other organisation's secret, sent to this account's URL: refused.
    assert post(client, account, status_body("wamid.OUT3", "failed"), secret="other-secret").status_code == 403
    # Through its own URL, a status naming this organisation's message changes nothing here.
    sent = outbound(case, "wamid.OUT3")
    assert post(client, other, status_body("wamid.OUT3", "failed"), secret="other-secret").status_code == 200
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.SENT
    assert InboundDelivery.objects.get().organization == other_org


def test_every_recorded_webhook_is_stored_and_becomes_a_message_a_report_or_a_reason(client, account, settings):
    """The whole corpus, signed, through the URL: 200 for every body; then every stored item is
    a message on a case, a status report, or quarantined with its reason; never an exception,
    never lost; and Meta's redelivery of all of it creates nothing."""
    from loket.integrations.whatsapp.tests.test_payload import ABSENT, FOLDER, bodies

    if FOLDER is None or not FOLDER.is_dir():
        pytest.skip(ABSENT)
    raws = [json.dumps(body).encode() for body in bodies().values()]
    for raw in raws:
        assert post(client, account, raw).status_code == 200
    stored = InboundDelivery.objects.count()
    while do_process_pending():
        pass
    assert not InboundDelivery.objects.filter(status=InboundDelivery.Status.PENDING).exists()
    failed = InboundDelivery.objects.filter(status=InboundDelivery.Status.FAILED)
    assert all(delivery.error.startswith("Rejected: ") for delivery in failed), [d.error for d in failed]
    messages = Message.objects.filter(channel="whatsapp", kind="inbound").count()
    reports = InboundDelivery.objects.filter(external_id__startswith="status:").count()
    assert messages + failed.count() + reports == stored
    # One message per distinct wamid (fixtures reuse ids: a redelivery, to Loket), except the
    # two whose sender is a placeholder ("REDACTED", "<WHATSAPP_USER_PHONE_NUMBER>").
    wamids = {message.id for body in bodies().values() for message in parse_webhook(body).messages}
    assert messages == len(wamids) - 2
    assert {d.error for d in failed} == {
        "Rejected: the sender's number 'REDACTED' is not a phone number",
        "Rejected: the sender's number '<WHATSAPP_USER_PHONE_NUMBER>' is not a phone number",
    }
    for raw in raws:
        post(client, account, raw)
    assert InboundDelivery.objects.count() == stored
    assert do_process_pending() == 0


def test_the_case_view_shows_the_24_hour_window_and_warns_once_it_has_closed(client, account, agent_client):
    """The recorded message was written on 22 May 2022 at 21:01 UTC."""
    import time_machine

    post(client, account, corpus("restfb__webhook-incoming-message-image.json"))
    do_process_pending()
    case = Case.objects.get()
    with time_machine.travel("2022-05-23 09:01:53+00:00", tick=False):
        html = agent_client.get(reverse("web:case", args=[case.pk])).content.decode().replace("\xa0", " ")
    assert "WhatsApp: antwoorden kan tot 23 mei 23:01 (nog 12 uur)" in html
    with time_machine.travel("2022-05-24 09:00+00:00", tick=False):
        html = agent_client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "alleen een goedgekeurd sjabloon" in html


def _to_number(phone_number_id: str, wamid: str) -> bytes:
    """The recorded text message as Meta posts it for another of the app's numbers."""
    body = json.loads(corpus("wajava__textMessage.json"))
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = phone_number_id
    value["messages"][0]["id"] = wamid
    return json.dumps(body).encode()


def test_a_message_to_another_of_the_organisations_numbers_is_stored_for_that_number(client, account, org, other_org):
    """One Meta app may post several numbers' traffic to one URL: each message goes with the
    number it was sent to; a number of another organisation or unknown stays with the URL's."""
    second = ChannelAccount(organization=org, kind="whatsapp", name="Facturen", external_id="106540352242922")
    second.set_secrets(app_secret="second-secret", verify_token="second")
    second.save()
    foreign = ChannelAccount(organization=other_org, kind="whatsapp", name="Ander", external_id="1122334455667")
    foreign.set_secrets(app_secret="other-secret", verify_token="other")
    foreign.save()
    assert post(client, account, _to_number("106540352242922", "wamid.1")).status_code == 200
    assert post(client, account, _to_number("1122334455667", "wamid.2")).status_code == 200
    assert post(client, account, _to_number("", "wamid.3")).status_code == 200
    stored = InboundDelivery.objects.order_by("pk").values_list("channel_account", flat=True)
    assert list(stored) == [second.pk, account.pk, account.pk]


def test_a_message_to_the_urls_own_number_costs_no_look_up_of_the_other_numbers(client, account):
    with CaptureQueriesContext(connection) as queries:
        assert post(client, account, corpus("restfb__webhook-incoming-message-image.json")).status_code == 200
    account_queries = [q["sql"] for q in queries.captured_queries if '"integrations_channelaccount"' in q["sql"]]
    assert len(account_queries) == 1, account_queries  # the URL's key: nothing else to ask
    assert InboundDelivery.objects.get().channel_account == account
