"""Whose address is it? A reply threaded onto a case from another address, a case of a stranger."""

from __future__ import annotations

import pytest
from django.urls import reverse

from loket.cases.receiving import InboundMessage, do_receive_message
from loket.customers.models import Customer, Identity
from loket.events.models import Event

pytestmark = pytest.mark.django_db


def mail(org, sender, text, *, thread_ids=(), message_id=""):
    inbound = InboundMessage(
        channel="email",
        identity_kind="email",
        identity_value=sender,
        text=text,
        external_id=message_id,
        thread_ids=list(thread_ids),
    )
    return do_receive_message(org, inbound).message


@pytest.fixture
def reply_from_work(org, customer):
    """Jolanda writes from home, then answers the thread from her work address."""
    mail(org, "jolanda@example.nl", "De bank is beschadigd.", message_id="<a@home>")
    return mail(org, "j.devries@werk.example", "Dinsdag kan ik.", thread_ids=["<a@home>"], message_id="<b@werk>")


def case_url(message):
    return reverse("web:case", args=[message.case_id])


def test_a_reply_from_another_address_is_flagged_on_the_message(agent_client, customer, reply_from_work):
    assert reply_from_work.case.customer == customer  # threaded by its headers
    html = agent_client.get(case_url(reply_from_work)).content.decode()
    assert 'data-testid="sender-check"' in html
    assert "j.devries@werk.example is geen adres van Jolanda de Vries" in html


def test_adding_the_sender_moves_the_address_and_returns_to_the_case(agent_client, customer, reply_from_work):
    stranger = reply_from_work.identity.customer
    response = agent_client.post(
        reverse("web:customer_add_identity", args=[customer.pk]),
        {"kind": "email", "value": "j.devries@werk.example", "move": "1", "next": case_url(reply_from_work)},
    )
    assert response.status_code == 302
    assert response["Location"] == case_url(reply_from_work)
    assert Identity.objects.get(value="j.devries@werk.example").customer == customer
    # The customer made for the unknown address had nothing else: recorded as merged, gone from lists.
    stranger.refresh_from_db()
    assert stranger.merged_into == customer
    event = Event.objects.get(type="customer.identity_added", customer=customer)
    assert event.data["from_customer_merged"] is True
    html = agent_client.get(case_url(reply_from_work)).content.decode()
    assert 'data-testid="sender-check"' not in html
    assert 'Jolanda de Vries <span class="muted">&lt;j.devries@werk.example&gt;' in html
    # Her next mail from work is hers, in her open case.
    later = mail(reply_from_work.organization, "j.devries@werk.example", "Nog iets.")
    assert later.case_id == reply_from_work.case_id


def test_a_sender_with_cases_of_its_own_keeps_them(org, agent_client, customer, reply_from_work):
    stranger = reply_from_work.identity.customer
    own = mail(org, "j.devries@werk.example", "Losse vraag, geen antwoord op iets.")
    assert own.case.customer == stranger
    agent_client.post(
        reverse("web:customer_add_identity", args=[customer.pk]),
        {"kind": "email", "value": "j.devries@werk.example", "move": "1"},
    )
    stranger.refresh_from_db()
    own.case.refresh_from_db()
    assert stranger.merged_into is None
    assert own.case.customer == stranger


def test_without_move_an_address_of_another_customer_is_still_refused(agent_client, customer, reply_from_work):
    response = agent_client.post(
        reverse("web:customer_add_identity", args=[customer.pk]), {"kind": "email", "value": "j.devries@werk.example"}
    )
    assert response.status_code == 400
    assert Identity.objects.get(value="j.devries@werk.example").customer != customer


def test_next_may_not_lead_off_the_site(agent_client, customer, reply_from_work):
    response = agent_client.post(
        reverse("web:customer_add_identity", args=[customer.pk]),
        {"kind": "email", "value": "j.devries@werk.example", "move": "1", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("web:customer", args=[customer.pk])


def test_a_viewer_sees_no_sender_check_and_may_not_move(viewer_client, customer, reply_from_work):
    assert 'data-testid="sender-check"' not in viewer_client.get(case_url(reply_from_work)).content.decode()
    response = viewer_client.post(
        reverse("web:customer_add_identity", args=[customer.pk]),
        {"kind": "email", "value": "j.devries@werk.example", "move": "1"},
    )
    assert response.status_code == 403
    assert Identity.objects.get(value="j.devries@werk.example").customer != customer


def test_an_outsider_cannot_take_the_address(outsider_client, customer, reply_from_work):
    response = outsider_client.post(
        reverse("web:customer_add_identity", args=[customer.pk]),
        {"kind": "email", "value": "j.devries@werk.example", "move": "1"},
    )
    assert response.status_code == 404
    assert Identity.objects.get(value="j.devries@werk.example").customer != customer


def test_the_case_of_a_stranger_is_linked_to_the_customer_it_really_is(org, agent_client, customer):
    """An unknown address opens a case; the agent recognises Jolanda and merges the stranger into her."""
    message = mail(org, "jdv1970@provider.example", "Ik ben het, Jolanda. Mijn bank is kapot.")
    stranger = message.case.customer
    assert stranger != customer
    page = agent_client.get(case_url(message)).content.decode()
    assert 'data-testid="link-customer"' in page
    search = agent_client.get(
        reverse("web:customer_merge_search", args=[stranger.pk]), {"q": "Jolanda", "in": "1", "next": case_url(message)}
    )
    assert list(search.context["candidates"]) == [customer]
    # The candidate is the one that stays: confirm merges the stranger into her.
    confirm_url = reverse("web:customer_merge_confirm", args=[customer.pk, stranger.pk])
    assert confirm_url in search.content.decode()
    confirm = agent_client.get(confirm_url, {"next": case_url(message)})
    assert "jdv1970@provider.example wordt samengevoegd met Jolanda de Vries" in confirm.content.decode()
    response = agent_client.post(
        reverse("web:customer_merge", args=[customer.pk, stranger.pk]), {"next": case_url(message)}
    )
    assert response["Location"] == case_url(message)
    message.case.refresh_from_db()
    assert message.case.customer == customer
    assert Customer.objects.get(pk=stranger.pk).merged_into == customer


def test_a_customer_with_earlier_cases_is_not_offered_for_linking(org, agent_client, customer, case, agent):
    from loket.cases.actions import do_open_case

    second = do_open_case(org, customer, subject="Nog een vraag", actor=agent, owner=agent)
    page = agent_client.get(reverse("web:case", args=[second.pk])).content.decode()
    assert 'data-testid="link-customer"' not in page
