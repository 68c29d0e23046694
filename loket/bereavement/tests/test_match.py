"""Matching a report to the customer: candidates, confirming, undoing a wrong match."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.bereavement.actions import DeathReport, do_confirm_match, do_report_death
from loket.bereavement.selectors import find_candidates
from loket.cases.actions import check_reply, do_open_case
from loket.customers.models import Customer
from loket.events.models import Event
from loket.events.testing import capture_events

pytestmark = pytest.mark.django_db


def _report(org, **fields) -> object:
    report = DeathReport(
        deceased_name=fields.pop("deceased_name", "Hendrik Bakker"),
        date_of_death=date(2026, 11, 20),
        reporter_name="Marijke Bakker",
        reporter_email="marijke@example.nl",
        **fields,
    )
    return do_report_death(org, report, source="web", actor=None)


def test_name_birth_date_and_postcode_make_a_certain_candidate_a_namesake_an_uncertain_one(
    org, bereavement, deceased, namesake
):
    notification = _report(org, deceased_date_of_birth=date(1941, 3, 2), deceased_postcode="3511 ab")
    first, second = find_candidates(notification)
    assert first.customer == deceased
    assert first.certain
    assert set(first.reasons) == {"name", "date_of_birth", "postcode"}
    assert second.customer == namesake
    assert not second.certain
    assert second.reasons == ["name"]


@pytest.mark.parametrize(
    "fields",
    [
        {"deceased_name": "H. Bakker", "deceased_customer_number": "ABO-7781"},
        {"deceased_name": "Opa", "deceased_email": "H.Bakker@example.nl"},
        {"deceased_name": "Opa", "deceased_phone": "+31 30 234 5678"},
    ],
    ids=["subscription reference", "e-mail", "phone"],
)
def test_a_customer_number_email_or_phone_finds_the_customer(org, bereavement, deceased, fields):
    notification = _report(org, **fields)
    assert [c.customer for c in find_candidates(notification)] == [deceased]


def test_the_reporter_is_never_a_candidate(org, bereavement):
    notification = _report(org, deceased_name="Marijke Bakker")
    assert find_candidates(notification) == []


def test_confirming_marks_the_customer_deceased_and_links_their_open_cases(
    client, org, bereavement, specialist, deceased, agent, django_capture_on_commit_callbacks
):
    other_case = do_open_case(org, deceased, subject="Storing internet", actor=agent, owner=agent)
    notification = _report(org, deceased_date_of_birth=date(1941, 3, 2))
    client.force_login(specialist)
    detail = client.get(f"/overlijdensmeldingen/{notification.pk}/").content.decode()
    assert "Bevestig: Hendrik Bakker is overleden" in detail

    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/overlijdensmeldingen/{notification.pk}/bevestigen/", {"customer": deceased.pk})

    assert response.status_code == 302
    deceased.refresh_from_db()
    assert deceased.is_deceased
    assert deceased.date_of_death == date(2026, 11, 20)
    assert [e.type for e in events] == ["customer.deceased", "case.handed_over", "bereavement.matched"]
    # One specialist settles everything: the deceased's open case is hers now, a counted handover.
    other_case.refresh_from_db()
    assert other_case.owner == specialist
    assert other_case.handover_count == 1
    page = client.get(response["Location"]).content.decode()
    assert "Hendrik Bakker is overleden op 20 november 2026." in page
    assert other_case.number in page
    # The customer's own page and their other case show the banner.
    assert 'data-testid="deceased-banner"' in client.get(f"/zaken/{other_case.pk}/").content.decode()
    # A message to the deceased is refused; the next of kin's case can be written to.
    membership = specialist.memberships.get(organization=org)
    with pytest.raises(ValidationError, match="Deze klant is overleden"):
        check_reply(membership, other_case, text="Wilt u dit formulier tekenen?")
    assert check_reply(membership, notification.case, text="Gecondoleerd.").pk


def test_undo_of_a_wrong_match_reverses_everything(
    client, org, bereavement, specialist, deceased, namesake, agent, django_capture_on_commit_callbacks
):
    namesake_case = do_open_case(org, namesake, subject="Verhuizing", actor=agent, owner=agent)
    notification = _report(org)
    do_confirm_match(notification, namesake, actor=specialist)  # the wrong Hendrik Bakker
    assert list(notification.linked_cases.all()) == [namesake_case]
    namesake_case.refresh_from_db()
    assert namesake_case.owner == specialist
    client.force_login(specialist)

    refused = client.post(f"/overlijdensmeldingen/{notification.pk}/ongedaan/", {"reason": ""}, follow=True)
    assert "Geef aan waarom de koppeling niet klopte." in refused.content.decode()

    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        client.post(f"/overlijdensmeldingen/{notification.pk}/ongedaan/", {"reason": "Andere geboortedatum"})

    namesake.refresh_from_db()
    notification.refresh_from_db()
    assert namesake.status == Customer.Status.ACTIVE
    assert namesake.date_of_death is None
    assert notification.customer is None
    assert not notification.linked_cases.exists()
    assert [e.type for e in events] == ["customer.deceased_undone", "case.handed_over", "bereavement.match_undone"]
    namesake_case.refresh_from_db()
    assert namesake_case.owner == agent  # back with the agent who had it
    assert Event.objects.get(type="customer.deceased_undone").data == {"reason": "Andere geboortedatum"}
    # Now the right one can be confirmed.
    client.post(f"/overlijdensmeldingen/{notification.pk}/bevestigen/", {"customer": deceased.pk})
    deceased.refresh_from_db()
    assert deceased.is_deceased


def test_only_the_bereavement_team_or_a_lead_confirms(client, org, bereavement, deceased, agent):
    notification = _report(org)
    client.force_login(agent)
    response = client.post(f"/overlijdensmeldingen/{notification.pk}/bevestigen/", {"customer": deceased.pk})
    assert response.status_code == 403
    deceased.refresh_from_db()
    assert not deceased.is_deceased


def test_an_unknown_customer_number_is_a_clear_message(client, org, bereavement, specialist):
    notification = _report(org)
    client.force_login(specialist)
    response = client.post(f"/overlijdensmeldingen/{notification.pk}/bevestigen/", {"customer": "abc"}, follow=True)
    assert "Geen klant met dit klantnummer." in response.content.decode()


def test_the_detail_page_asks_a_constant_number_of_queries(
    client, org, bereavement, specialist, deceased, namesake, django_assert_num_queries
):
    from loket.customers.actions import do_create_customer

    notification = _report(org)
    client.force_login(specialist)
    client.get(f"/overlijdensmeldingen/{notification.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/overlijdensmeldingen/{notification.pk}/")
    budget = len(few)  # now: the next request resets the log
    for n in range(5):
        do_create_customer(org, actor=None, name="Hendrik Bakker", identities=[("email", f"hb{n}@example.nl")])
    with django_assert_num_queries(budget):
        client.get(f"/overlijdensmeldingen/{notification.pk}/")
