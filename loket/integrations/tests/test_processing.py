"""The inbound worker: stored deliveries become messages on cases, in batches, exactly once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, do_receive_messages
from loket.integrations.actions import MAX_ATTEMPTS, do_accept_inbound, do_process_pending
from loket.integrations.models import InboundDelivery


def inbound(external_id: str, sender: str, text: str = "Hallo") -> InboundMessage:
    return InboundMessage(
        channel="api", identity_kind="email", identity_value=sender, text=text, external_id=external_id
    )


def broken(org, external_id: str) -> InboundDelivery:
    """A stored delivery that processing refuses (as a channel parser bug would leave one)."""
    payload = InboundMessage(channel="sms", identity_kind="phone", identity_value="bel me", external_id=external_id)
    return InboundDelivery.objects.create(
        organization=org, channel="sms", external_id=external_id, payload=payload.to_payload()
    )


@pytest.mark.django_db
def test_one_bad_delivery_does_not_hold_up_the_others_and_is_retried_then_kept_as_failed(org, team):
    do_accept_inbound(org, [inbound("a", "anna@example.nl")])
    bad = broken(org, "x")
    do_accept_inbound(org, [inbound("b", "bert@example.nl")])

    assert do_process_pending() == 3
    assert sorted(Message.objects.values_list("external_id", flat=True)) == ["a", "b"]
    bad.refresh_from_db()
    assert (bad.status, bad.attempts) == ("pending", 1)
    assert "ValidationError" in bad.error
    assert bad.next_attempt_at > timezone.now()
    assert do_process_pending() == 0  # not due yet: backoff

    for _attempt in range(MAX_ATTEMPTS - 1):
        with time_machine.travel(bad.next_attempt_at + timedelta(seconds=1)):
            assert do_process_pending() == 1
        bad.refresh_from_db()
    assert (bad.status, bad.attempts) == ("failed", MAX_ATTEMPTS)
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert do_process_pending() == 0  # kept for an admin, never retried on its own
    assert InboundDelivery.objects.filter(status="done").count() == 2


@pytest.mark.django_db
def test_a_message_processed_later_shows_when_it_arrived(org, team):
    with time_machine.travel("2026-11-27 09:00:00 +01:00", tick=False):
        do_accept_inbound(org, [inbound("a", "anna@example.nl")])
    with time_machine.travel("2026-11-27 09:07:00 +01:00", tick=False):
        do_process_pending()
    message = Message.objects.get()
    assert timezone.localtime(message.created_at).strftime("%H:%M") == "09:00"
    assert timezone.localtime(message.case.created_at).strftime("%H:%M") == "09:00"


@pytest.mark.django_db
def test_storing_a_batch_costs_the_same_queries_for_5_or_40_messages(org, team):
    def queries(run: str, domain: str, n: int) -> int:
        batch = [inbound(f"{run}-{i}", f"klant{i}@{domain}.example") for i in range(n)]
        with CaptureQueriesContext(connection) as captured:
            do_receive_messages(org, batch)
        return len(captured)

    queries("warm-up", "warm-up", 1)  # the organisation's first case creates its number sequence
    # New senders: customers, identities, cases, contacts, messages, events.
    assert queries("1", "small", 5) == queries("2", "large", 40)
    # The same senders again: their open cases and running contacts are found, not created.
    assert queries("3", "small", 5) == queries("4", "large", 40)
    assert Message.objects.count() == 91


@pytest.mark.django_db(transaction=True)  # the command manages its connection, as between requests
def test_the_worker_command_processes_what_is_due(org, team, capsys):
    do_accept_inbound(org, [inbound(str(i), f"k{i}@example.nl") for i in range(3)])
    call_command("inbound_worker", "--once")
    assert "3 inbound deliveries processed" in capsys.readouterr().out
    assert Message.objects.count() == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL): SQLite has a single writer"
)
def test_two_workers_at_once_process_every_delivery_exactly_once(org, team):
    do_accept_inbound(org, [inbound(f"m-{i}", f"klant{i % 60}@example.nl") for i in range(600)])
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            while do_process_pending(limit=50):
                pass
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert InboundDelivery.objects.filter(status="done").count() == 600
    assert Message.objects.count() == 600
    assert Message.objects.values("external_id").distinct().count() == 600
    assert sum(case.message_count for case in org_cases(org)) == 600


def org_cases(org):
    from loket.cases.models import Case

    return Case.objects.for_org(org)
