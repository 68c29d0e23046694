from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.accounts.models import Organization
from loket.cases.actions import do_open_case
from loket.cases.models import Case, Contact, Message
from loket.customers.models import Customer, Identity
from loket.events.models import Event
from loket.ops.load import BENCH_SLUG, ensure_bench_org


def seed(cases: int, **options: object) -> str:
    out = StringIO()
    call_command("seed_load", cases=cases, messages_per_case=4, jobs=1, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_load_writes_cases_shaped_like_the_actions_write_them():
    seed(30)

    org = Organization.objects.get(slug=BENCH_SLUG)
    cases = Case.objects.for_org(org)
    assert cases.count() == 30
    assert Message.objects.for_org(org).count() == 120
    assert all(case.message_count == case.messages.count() == 4 for case in cases)
    assert all(case.contact_count == case.contacts.count() for case in cases)
    assert Customer.objects.for_org(org).count() == Identity.objects.for_org(org).count() == 21
    assert Event.objects.for_org(org).filter(type="case.opened").count() == 30
    assert not Contact.objects.for_org(org).filter(identity__isnull=True).exists()
    assert cases.values("number").distinct().count() == 30


@pytest.mark.django_db
def test_seed_load_tops_up_to_the_total_and_never_doubles():
    seed(10)
    seed(25)
    output = seed(25)

    assert Case.objects.for_org(Organization.objects.get(slug=BENCH_SLUG)).count() == 25
    assert "adding 0" in output


@pytest.mark.django_db
def test_cases_opened_after_seeding_continue_the_numbering():
    seed(10)
    bench = ensure_bench_org()
    customer = Customer.objects.for_org(bench.organization).first()

    case = do_open_case(bench.organization, customer, subject="Na het zaaien", actor=None)

    assert case.number.endswith("-000011")


@pytest.mark.django_db
def test_seed_load_refuses_an_organisation_it_did_not_create():
    Organization.objects.create(name="Echte klant", slug=BENCH_SLUG)

    with pytest.raises(CommandError, match="not the bench one"):
        seed(5)


@pytest.mark.django_db
def test_seed_load_can_issue_an_inbound_token():
    output = seed(0, token=True)

    assert "Inbound API token: lkt_" in output
