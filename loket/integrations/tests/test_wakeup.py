"""An idle inbound worker on PostgreSQL is woken by the database when a delivery is stored
(wakeup.py, the trigger of migration 0015), whichever path stored it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from loket.integrations.actions import do_accept_deliveries
from loket.integrations.models import InboundDelivery
from loket.integrations.wakeup import Wakeup

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="LISTEN/NOTIFY needs PostgreSQL; on SQLite the worker polls"
    ),
]


@pytest.fixture
def wakeup():
    waiting = Wakeup(threading.Event())
    waiting.start()
    yield waiting
    waiting.close()


def delivery(org, external_id: str) -> InboundDelivery:
    return InboundDelivery(organization=org, channel="generic", external_id=external_id, payload={"text": "hallo"})


def test_a_committed_delivery_wakes_the_waiting_worker_once(org, wakeup):
    assert wakeup.listening
    do_accept_deliveries([delivery(org, "a"), delivery(org, "b")])
    assert wakeup.wait(30) is True  # woken by the notification, long before the 30 s
    assert wakeup.wait(0.1) is False  # one notification for the whole INSERT, already taken


def test_a_rolled_back_delivery_wakes_nobody(org, wakeup):
    from django.db import transaction

    def store_then_fail() -> None:
        with transaction.atomic():
            InboundDelivery.objects.bulk_create([delivery(org, "c")])
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        store_then_fail()
    assert InboundDelivery.objects.count() == 0
    assert wakeup.wait(0.1) is False


def test_a_stop_ends_the_wait(wakeup):
    wakeup.stop.set()
    assert wakeup.wait(30) is True
