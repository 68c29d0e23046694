"""Each subscription of the deceased handled: end, transfer to a named person, or keep until."""

from __future__ import annotations

from datetime import date

import pytest

from loket.bereavement.actions import DeathReport, do_confirm_match, do_report_death
from loket.bereavement.models import SubscriptionAction
from loket.customers.actions import do_add_subscription
from loket.customers.models import Subscription
from loket.events.testing import capture_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def confirmed(org, bereavement, specialist, deceased):
    notification = do_report_death(
        org,
        DeathReport(deceased_name="Hendrik Bakker", date_of_death=date(2026, 11, 20), reporter_name="Marijke Bakker"),
        source="desk",
        actor=specialist,
    )
    return do_confirm_match(notification, deceased, actor=specialist)


def _settle(client, notification, subscription, **data):
    return client.post(
        f"/overlijdensmeldingen/{notification.pk}/abonnementen/",
        {"subscription": subscription.pk, **data},
        follow=True,
    )


def test_end_transfer_and_keep_each_tell_the_billing_system(
    client, specialist, confirmed, deceased, django_capture_on_commit_callbacks
):
    internet = deceased.subscriptions.get()
    energy = do_add_subscription(deceased, product="Stroomcontract", reference="STR-1")
    insurance = do_add_subscription(deceased, product="Uitvaartverzekering", reference="UV-9")
    client.force_login(specialist)

    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        _settle(client, confirmed, internet, kind="end", on="")
        _settle(client, confirmed, energy, kind="transfer", on="2026-12-01", transfer_to="Marijke Bakker")
        page = _settle(client, confirmed, insurance, kind="keep", on="2027-01-31").content.decode()

    internet.refresh_from_db()
    energy.refresh_from_db()
    insurance.refresh_from_db()
    assert internet.status == Subscription.Status.ENDED
    assert internet.ended_on == date(2026, 11, 20)
    assert energy.customer.name == "Marijke Bakker"
    assert energy.customer != deceased
    assert energy.status == Subscription.Status.ACTIVE
    assert insurance.status == Subscription.Status.ACTIVE
    assert insurance.ended_on == date(2027, 1, 31)
    settled = [e for e in events if e.type == "bereavement.subscription_settled"]
    assert [(e.data["reference"], e.data["action"], e.data["on"]) for e in settled] == [
        ("ABO-7781", "end", "2026-11-20"),
        ("STR-1", "transfer", "2026-12-01"),
        ("UV-9", "keep", "2027-01-31"),
    ]
    assert settled[1].data["transfer_to_customer_id"] == energy.customer_id
    assert "Beëindigd per 20 november 2026" in page
    assert "Overgezet op naam van Marijke Bakker per 1 december 2026" in page
    assert "Aangehouden tot 31 januari 2027" in page


def test_bad_input_and_a_second_decision_are_refused(client, specialist, confirmed, deceased):
    internet = deceased.subscriptions.get()
    client.force_login(specialist)
    page = _settle(client, confirmed, internet, kind="transfer", on="2026-12-01", transfer_to="").content.decode()
    assert "Vul de naam in van wie het abonnement overneemt." in page
    page = _settle(client, confirmed, internet, kind="keep", on="").content.decode()
    assert "Kies een datum." in page
    assert not SubscriptionAction.objects.exists()
    _settle(client, confirmed, internet, kind="end", on="")
    page = _settle(client, confirmed, internet, kind="keep", on="2027-01-01").content.decode()
    assert "Dit abonnement is al afgehandeld." in page


def test_another_customers_subscription_cannot_be_settled_here(client, org, specialist, confirmed, namesake):
    theirs = do_add_subscription(namesake, product="Internet", reference="N-1")
    client.force_login(specialist)
    assert _settle(client, confirmed, theirs, kind="end", on="").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Subscription.Status.ACTIVE


def test_undo_is_refused_once_subscriptions_are_handled(client, specialist, confirmed, deceased):
    client.force_login(specialist)
    _settle(client, confirmed, deceased.subscriptions.get(), kind="end", on="")
    page = client.post(
        f"/overlijdensmeldingen/{confirmed.pk}/ongedaan/", {"reason": "Verkeerde persoon"}, follow=True
    ).content.decode()
    assert "Er zijn al abonnementen van deze klant afgehandeld" in page
    deceased.refresh_from_db()
    assert deceased.is_deceased
