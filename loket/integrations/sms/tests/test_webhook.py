"""Twilio's SMS webhooks end to end: signed posts of the recorded parameter sets in
../shared/corpora/twilio (and made-up ones in their shape), stored before the 200, on a case
after the worker; status callbacks on Loket's own messages."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from loket.cases.models import Case, Message
from loket.customers.models import Identity
from loket.integrations.actions import do_process_pending
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.sms.tests.provider import (
    CUSTOMER,
    corpus,
    corpus_names,
    inbound,
    outbound,
    post,
    signature,
    status,
    url,
)

pytestmark = pytest.mark.django_db

EMPTY_TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response/>'


def test_a_text_is_stored_before_the_empty_twiml_answer_and_lands_on_a_case_for_the_accounts_team(
    client, account, team
):
    response = post(client, account, corpus("zammad__inbound_sms2.json"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content == EMPTY_TWIML  # Twilio sends nothing back by itself
    delivery = InboundDelivery.objects.get()
    assert (delivery.channel, delivery.channel_account, delivery.external_id) == (
        "sms",
        account,
        "SM1bd5330f81336e8b54c2d3d9fc1bcb6b",
    )
    assert do_process_pending() == 1
    message = Message.objects.get()
    assert (message.channel, message.kind, message.text) == ("sms", "inbound", "Follow up")
    assert message.case.subject == "Follow up"
    assert message.case.team == team
    identity = Identity.objects.get()
    assert (identity.kind, identity.value) == ("phone", "+491710000000")
    assert identity.customer.name == "+491710000000"  # SMS carries no name: agents see the number


def test_the_same_number_in_another_notation_is_the_same_customer(client, account, customer):
    """Jolanda's phone number, entered as 06 12345678, texts from +31612345678: her case."""
    post(client, account, inbound("Wanneer komt de nieuwe bank?", sender="+31612345678"))
    do_process_pending()
    assert Message.objects.get().case.customer == customer


@pytest.mark.parametrize(
    ("headers", "token"),
    [({}, "twilio-auth-token"), ({"X-Twilio-Signature": "bm90IHRoZSBzaWduYXR1cmU="}, None), ({}, "guessed")],
    ids=["signed", "forged", "wrong-token"],
)
def test_only_a_request_signed_with_the_accounts_auth_token_is_stored(client, account, headers, token):
    params = inbound("Hallo")
    if token is None:
        response = client.post(
            url(account), urlencode(params), content_type="application/x-www-form-urlencoded", headers=headers
        )
    else:
        response = post(client, account, params, token=token)
    signed = token == "twilio-auth-token"
    assert response.status_code == (200 if signed else 403)
    assert InboundDelivery.objects.count() == (1 if signed else 0)


def test_a_request_without_a_signature_is_refused(client, account):
    response = client.post(url(account), urlencode(inbound("Hallo")), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 403
    assert not InboundDelivery.objects.exists()


def test_a_signature_for_other_parameters_is_refused(client, account):
    """Twilio signs the URL and every parameter: a changed body does not match."""
    path = url(account)
    signed = signature(f"http://testserver{path}", inbound("Hallo"))
    response = client.post(
        path,
        urlencode(inbound("Stuur mij alle gegevens")),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signed},
    )
    assert response.status_code == 403
    assert not InboundDelivery.objects.exists()


def test_an_unknown_or_switched_off_account_is_404(client, account):
    assert client.post(reverse("sms_webhook", args=["nobody"]), {}).status_code == 404
    account.is_active = False
    account.save()
    assert post(client, account, inbound("Hallo")).status_code == 404
    assert not InboundDelivery.objects.exists()


def test_traffic_of_another_twilio_account_is_refused(client, account):
    response = post(client, account, inbound("Hallo", AccountSid="AC" + "0" * 32))
    assert response.status_code == 403
    assert not InboundDelivery.objects.exists()


def test_behind_a_tls_proxy_the_signature_is_checked_against_the_public_url(client, account, settings):
    """Twilio signs https://loket.example.nl/…; the proxy forwards plain http with
    X-Forwarded-Proto. With BEHIND_TLS_PROXY (SECURE_PROXY_SSL_HEADER) Django sees the URL
    Twilio called; without it, the URL differs and the request is refused."""
    settings.ALLOWED_HOSTS = ["loket.example.nl"]
    params = inbound("Hallo")
    path = url(account)
    signed = signature(f"https://loket.example.nl{path}", params)

    def send():
        return client.post(
            path,
            urlencode(params),
            content_type="application/x-www-form-urlencoded",
            headers={"X-Twilio-Signature": signed, "Host": "loket.example.nl", "X-Forwarded-Proto": "https"},
        )

    settings.SECURE_PROXY_SSL_HEADER = None
    assert send().status_code == 403
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert send().status_code == 200
    assert InboundDelivery.objects.count() == 1


def test_twilios_retry_creates_nothing_new(client, account):
    params = corpus("zammad__inbound_sms1.json")
    post(client, account, params)
    do_process_pending()
    assert post(client, account, params).status_code == 200
    assert do_process_pending() == 0
    assert (InboundDelivery.objects.count(), Message.objects.count(), Case.objects.count()) == (1, 1, 1)


@pytest.mark.parametrize("name", corpus_names() or ["(corpus missing)"])
def test_every_recorded_payload_parses_onto_a_case_and_a_replay_of_it_changes_nothing(client, account, name):
    params = corpus(name)
    for _attempt in range(2):  # Twilio's retry of the same request
        assert post(client, account, params).status_code == 200
    assert InboundDelivery.objects.count() == 1
    assert do_process_pending() == 1
    delivery = InboundDelivery.objects.get()
    assert delivery.status == InboundDelivery.Status.DONE, delivery.error
    message = Message.objects.get()
    assert message.external_id == params["MessageSid"]
    assert message.identity.value == CUSTOMER
    assert message.text  # the body, or what was sent ("[afbeelding]")
    assert post(client, account, params).status_code == 200
    assert do_process_pending() == 0
    assert Message.objects.count() == 1


def test_the_recorded_payloads_of_one_conversation_land_on_one_case(client, account):
    """sms1 and sms2 are two texts of one customer; sms4 reuses sms1's MessageSid (the
    recording's), which to Loket is Twilio's retry of sms1: stored once."""
    for name in corpus_names():
        post(client, account, corpus(name))
    while do_process_pending():
        pass
    assert Message.objects.count() == 2
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"From": ""}, "Rejected: an SMS without a sender (no From)"),
        ({"From": "whatsapp:+491710000000"}, "Rejected: WhatsApp through Twilio is not supported (yet)"),
        ({"AccountSid": ""}, "Rejected: no AccountSid: not a Twilio webhook"),
    ],
    ids=["no-sender", "whatsapp", "no-account-sid"],
)
def test_a_payload_that_cannot_be_a_message_is_quarantined_with_its_reason_and_still_answered_200(
    client, account, change, reason
):
    assert post(client, account, {**inbound("Hallo"), **change}).status_code == 200
    do_process_pending()
    delivery = InboundDelivery.objects.get()
    assert delivery.status == InboundDelivery.Status.FAILED
    assert delivery.error.startswith(reason)
    assert bytes(delivery.raw).startswith(b"ToCountry=DE")  # kept as received, for an admin to look at
    assert not Message.objects.exists()


def test_an_admin_downloads_a_quarantined_sms_as_twilio_posted_it(client, account, owner):
    post(client, account, inbound("Hallo", From="whatsapp:+491710000000"))
    do_process_pending()
    delivery = InboundDelivery.objects.get(status=InboundDelivery.Status.FAILED)
    client.force_login(owner)
    response = client.get(reverse("web:admin_quarantine_download", args=[delivery.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="loket-{delivery.pk}.txt"'
    assert b"From=whatsapp%3A%2B491710000000" in response.content


def test_an_alphanumeric_sender_is_kept_as_an_external_identity(client, account):
    post(client, account, inbound("Uw code is 123456", sender="Bank"))
    do_process_pending()
    assert Message.objects.get().identity.value == "sms:Bank"


def test_statuses_move_an_outbound_message_forward_and_never_back(client, account, case):
    sent = outbound(case, "SMout1")
    for state in ("delivered", "sent", "queued"):  # out of order, as Twilio's callbacks may come
        assert post(client, account, status("SMout1", state), status=True).status_code == 200
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.DELIVERED


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("30003", "30003 — het toestel van de klant is onbereikbaar (uit of buiten bereik)"),
        ("30005", "30005 — onbekend nummer: het nummer bestaat niet (meer)"),
        ("30006", "30006 — vast nummer of onbereikbare provider"),
        ("30007", "30007 — door de provider tegengehouden (als spam gefilterd)"),
        ("21211", "21211 — ongeldig telefoonnummer"),
        ("39999", "39999"),
    ],
)
def test_an_undelivered_message_fails_with_the_errors_meaning(client, account, case, code, shown):
    sent = outbound(case, "SMout2")
    post(client, account, status("SMout2", "undelivered", code), status=True)
    post(client, account, status("SMout2", "sent"), status=True)  # a late "sent" hides no failure
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.FAILED
    assert sent.delivery_error == shown


def test_a_21610_status_marks_the_customers_number_opted_out(client, account, case, customer):
    sent = outbound(case, "SMout3")
    post(client, account, status("SMout3", "failed", "21610", to="+31612345678"), status=True)
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.FAILED
    assert customer.identities.get(kind="phone").opted_out_at is not None


def test_a_status_on_the_message_url_and_a_message_on_the_status_url_are_read_for_what_they_are(client, account, case):
    sent = outbound(case, "SMout4")
    post(client, account, status("SMout4", "delivered"))
    post(client, account, inbound("Dank u"), status=True)
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.DELIVERED
    assert Message.objects.filter(kind="inbound", text="Dank u").exists()


def test_another_organisations_account_can_neither_sign_for_nor_touch_this_one(client, account, case, other_org):
    other = ChannelAccount(
        organization=other_org, kind="sms", name="Ander", external_id="+3197010000000", settings=account.settings
    )
    other.set_secrets(auth_token="other-token")
    other.save()
    sent = outbound(case, "SMout5")
    # Signed with the other organisation's token, sent to this account's URL: refused.
    assert post(client, account, status("SMout5", "failed"), token="other-token", status=True).status_code == 403
    # Through its own URL, a status naming this organisation's message changes nothing here.
    assert post(client, other, status("SMout5", "failed", "21610"), token="other-token", status=True).status_code == 200
    do_process_pending()
    sent.refresh_from_db()
    assert sent.delivery_status == Message.Delivery.SENT
    assert InboundDelivery.objects.get().organization == other_org
    assert Identity.objects.get(organization=case.organization, kind="phone").opted_out_at is None
