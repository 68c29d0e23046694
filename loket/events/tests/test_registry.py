from __future__ import annotations

import pytest
from django.conf import settings

from loket.events.actions import record_event
from loket.events.docs import render_events_doc


def test_docs_events_md_lists_every_registered_event():
    written = (settings.BASE_DIR / "docs" / "events.md").read_text(encoding="utf-8")
    assert written == render_events_doc(), "run: python manage.py write_events_doc"


@pytest.mark.django_db
def test_an_unregistered_event_type_is_refused(org):
    with pytest.raises(ValueError, match="Unknown event type"):
        record_event(org, "case.vanished", actor=None)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_publishes_nothing(org):
    from django.db import transaction

    from loket.events.models import Event
    from loket.events.testing import capture_events

    def write_then_fail() -> None:
        with transaction.atomic():
            record_event(org, "customer.created", actor=None)
            raise RuntimeError("rollback")

    with capture_events() as events, pytest.raises(RuntimeError):
        write_then_fail()
    assert events == []
    assert not Event.objects.exists()
