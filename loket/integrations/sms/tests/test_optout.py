"""STOP and START: the keyword stays on the timeline, the opt-out is recorded on the number,
and Loket sends no SMS to it until the customer sends START."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from loket.accounts.models import Membership
from loket.cases.actions import check_reply
from loket.cases.models import Case, Message
from loket.customers.models import Identity
from loket.events.models import Event
from loket.integrations.actions import do_process_pending
from loket.integrations.sms.payload import keyword
from loket.integrations.sms.tests.provider import inbound, post

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        (" Stop. ", "stop"),
        ("STOPALL", "stop"),
        ("unsubscribe", "stop"),
        ("Cancel", "stop"),
        ("END", "stop"),
        ("quit!", "stop"),
        ("START", "start"),
        ("yes", "start"),
        ("Unstop", "start"),
        ("Stop maar met die berichten over de bank", ""),
        ("Ja", ""),
        ("", ""),
    ],
)
def test_only_a_message_that_is_exactly_a_keyword_counts(body, word):
    assert keyword(body) == word


def texts(client, account, *bodies: str) -> None:
    for number, body in enumerate(bodies, start=1):
        post(client, account, inbound(body, sid=f"SM{number:032d}", sender="+31612345678"))
    do_process_pending()


def test_stop_is_on_the_timeline_and_marks_the_number_opted_out(client, account, customer, case):
    texts(client, account, "STOP")
    message = Message.objects.get(kind="inbound")
    assert (message.text, message.case) == ("STOP", case)  # stored like any other message
    identity = customer.identities.get(kind="phone")
    assert identity.opted_out_at == message.created_at
    event = Event.objects.get(type="customer.opted_out")
    assert event.data == {"kind": "phone", "value": "+31612345678", "reason": "STOP"}


def test_start_after_stop_opts_in_again(client, account, customer):
    texts(client, account, "Stop", "START")
    assert customer.identities.get(kind="phone").opted_out_at is None
    assert list(Event.objects.filter(type__startswith="customer.opted").values_list("type", flat=True)) == [
        "customer.opted_out",
        "customer.opted_in",
    ]


def test_a_reply_by_sms_to_an_opted_out_number_is_refused_with_the_reason(client, account, agent):
    texts(client, account, "Mijn bank is kapot", "STOP")
    case = Case.objects.get()
    membership = Membership.objects.get(user=agent, organization=case.organization)
    with pytest.raises(ValidationError) as refused:
        check_reply(membership, case, text="Wij komen dinsdag.")
    assert refused.value.messages == [
        "+31612345678 heeft zich afgemeld voor sms (STOP): er gaat geen sms meer heen tot de klant START stuurt. "
        "Kies een ander kanaal."
    ]
    assert not Message.objects.filter(kind="outbound").exists()
    # Another channel of the same customer is not affected.
    assert check_reply(membership, case, text="Wij komen dinsdag.", channel="email").channel == "email"


def test_the_opt_out_shows_on_the_customers_number_in_the_case_view(client, account, agent_client):
    texts(client, account, "Mijn bank is kapot", "STOP")
    case = Case.objects.get()
    html = agent_client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert 'data-testid="opted-out"' in html
    assert "afgemeld voor sms" in html
    assert "heeft zich afgemeld voor sms (STOP)" in html  # the composer warns before anything is typed


def test_a_retried_stop_is_recorded_once(client, account):
    params = inbound("STOP", sender="+31612345678")
    post(client, account, params)
    do_process_pending()
    post(client, account, params)
    do_process_pending()
    assert Event.objects.filter(type="customer.opted_out").count() == 1
    assert Identity.objects.get(kind="phone").opted_out_at is not None
