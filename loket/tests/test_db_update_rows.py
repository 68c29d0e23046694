"""update_rows: many rows, each with its own values, in one UPDATE (PostgreSQL and SQLite)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loket.cases.models import Case
from loket.lib.db import update_rows


@pytest.mark.django_db
def test_each_row_gets_its_own_values_of_every_type_in_one_statement(org, team, customer, agent):
    from loket.cases.actions import do_open_case

    cases = [do_open_case(org, customer, subject=f"Zaak {i}", actor=None) for i in range(3)]
    untouched = do_open_case(org, customer, subject="Blijft", actor=None)
    moment = timezone.now() - timedelta(days=3)
    for i, case in enumerate(cases):
        case.message_count = 10 + i  # integer
        case.last_message_at = moment + timedelta(hours=i)  # timestamp with time zone
        case.last_inbound_channel = ["email", "sms", "whatsapp"][i]  # varchar
        case.owner = agent if i == 1 else None  # foreign key, and NULL
        case.status = Case.Status.OPEN if i == 1 else Case.Status.NEW

    with CaptureQueriesContext(connection) as captured:
        assert update_rows(cases, ["message_count", "last_message_at", "last_inbound_channel", "owner", "status"]) == 3
    assert len(captured) == 1

    stored = {c.pk: c for c in Case.objects.filter(pk__in=[c.pk for c in [*cases, untouched]])}
    assert [stored[c.pk].message_count for c in cases] == [10, 11, 12]
    assert [stored[c.pk].last_message_at for c in cases] == [moment + timedelta(hours=i) for i in range(3)]
    assert [stored[c.pk].last_inbound_channel for c in cases] == ["email", "sms", "whatsapp"]
    assert [stored[c.pk].owner_id for c in cases] == [None, agent.pk, None]
    assert stored[untouched.pk].message_count == 0
    assert stored[untouched.pk].subject == "Blijft"


@pytest.mark.django_db
def test_no_rows_no_query():
    with CaptureQueriesContext(connection) as captured:
        assert update_rows([], ["status"]) == 0
    assert len(captured) == 0


@pytest.mark.django_db
def test_a_relation_that_is_not_a_column_is_refused(org, team, customer):
    from loket.cases.actions import do_open_case

    case = do_open_case(org, customer, subject="x", actor=None)
    with pytest.raises(ValueError, match="not a column"):
        update_rows([case], ["messages"])
