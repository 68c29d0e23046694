from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from loket.cases.actions import check_hand_over, do_add_note, do_hand_over, do_reply, do_resolve_case
from loket.cases.models import Case, Handover, Message
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.events.testing import capture_events

pytestmark = pytest.mark.django_db


def inbound(**overrides):
    fields = {
        "channel": "api",
        "identity_kind": "email",
        "identity_value": "Piet@Example.nl",
        "text": "Hallo",
        "external_id": "x-1",
    }
    fields.update(overrides)
    return InboundMessage(**fields)


def test_inbound_message_opens_a_case_with_a_readable_number(org, team):
    result = do_receive_message(org, inbound())
    case = result.message.case
    assert result.created
    assert case.number.startswith("Z-")
    assert case.number.endswith("-000001")
    assert case.team == team
    assert case.owner is None
    assert case.customer.identities.get().value == "piet@example.nl"


def test_retry_with_same_provider_id_does_not_duplicate_message(org, team):
    first = do_receive_message(org, inbound())
    again = do_receive_message(org, inbound(text="Hallo (opnieuw bezorgd)"))
    assert not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1


def test_second_message_lands_in_the_customers_open_case(org, team):
    first = do_receive_message(org, inbound())
    second = do_receive_message(org, inbound(external_id="x-2", identity_value="piet@example.nl"))
    assert second.message.case_id == first.message.case_id
    case = Case.objects.get()
    assert case.message_count == 2
    assert case.contact_count == 1


def test_message_after_resolution_opens_a_new_case(org, team):
    first = do_receive_message(org, inbound())
    do_resolve_case(first.message.case, actor=None)
    second = do_receive_message(org, inbound(external_id="x-2"))
    assert second.message.case_id != first.message.case_id


def test_handover_changes_the_one_owner_and_is_counted(case, agent, owner, org):
    from loket.accounts.models import Membership

    membership = Membership.objects.get(user=agent, organization=org)
    with pytest.raises(ValidationError):
        check_hand_over(membership, case, to_user=owner, reason="nonsense")
    check_hand_over(membership, case, to_user=owner, reason=Handover.Reason.EXPERTISE, note="Retour via magazijn")
    case.refresh_from_db()
    assert case.owner == owner
    assert case.handover_count == 1


def test_handover_to_a_team_puts_the_case_in_its_queue(case, agent, team):
    do_hand_over(case, actor=agent, to_team=team, reason=Handover.Reason.ABSENCE)
    case.refresh_from_db()
    assert case.owner is None
    assert case.team == team


def test_reply_defaults_to_the_channel_of_the_last_inbound_message(
    inbound_case, agent, django_capture_on_commit_callbacks, run_tasks
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_reply(inbound_case, actor=agent, text="We kijken ernaar.")
    assert reply.delivery_status == Message.Delivery.QUEUED
    run_tasks()
    reply.refresh_from_db()
    assert reply.channel == "api"
    assert reply.delivery_status == Message.Delivery.SENT
    inbound_case.refresh_from_db()
    assert inbound_case.status == Case.Status.WAITING_CUSTOMER


def test_reply_on_an_unconnected_channel_fails_visibly(case, agent, django_capture_on_commit_callbacks, run_tasks):
    with django_capture_on_commit_callbacks(execute=True):
        reply = do_reply(case, actor=agent, text="Per sms", channel="sms")
    run_tasks()
    reply.refresh_from_db()
    assert reply.delivery_status == Message.Delivery.FAILED
    assert "gekoppeld" in reply.delivery_error  # no adapter, or (SMS) no number connected


def test_actions_publish_events_after_commit(case, agent, django_capture_on_commit_callbacks):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        do_add_note(case, actor=agent, text="Klant belt morgen terug")
        do_resolve_case(case, actor=agent)
    assert [e.type for e in events] == ["case.note_added", "case.resolved"]
    assert events[1].data["first_contact_resolution"] is True


def test_a_case_opened_by_an_earlier_message_starts_its_timeline_at_that_message(org, team):
    from datetime import timedelta

    from django.utils import timezone

    from loket.cases.selectors import case_timeline

    earlier = timezone.now() - timedelta(days=2)
    case = do_receive_message(org, inbound(received_at=earlier)).message.case
    assert case.created_at == earlier
    entries = case_timeline(case)
    assert [e.event.type if e.event else "message" for e in entries] == ["case.opened", "message"]
    assert entries[0].at == earlier
