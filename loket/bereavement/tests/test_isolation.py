"""The public form and the desk pages keep organisations apart."""

from __future__ import annotations

import pytest

from loket.accounts.actions import do_create_team
from loket.bereavement.actions import do_set_bereavement_team
from loket.bereavement.models import DeathNotification
from loket.bereavement.tests.conftest import report_data
from loket.customers.actions import do_create_customer

pytestmark = pytest.mark.django_db


def test_a_report_lands_in_the_organisation_of_the_forms_key_only(
    client, org, other_org, bereavement, outsider, deceased
):
    other = do_set_bereavement_team(other_org, do_create_team(other_org, "Nazorg", members=[outsider]))
    # The other organisation has a customer of the same name: never a candidate for our report.
    do_create_customer(other_org, actor=None, name="Hendrik Bakker")

    client.post(f"/overlijden/{bereavement.public_key}/", report_data())
    notification = DeathNotification.objects.get()
    assert notification.organization == org
    assert notification.case.customer.organization == org

    client.force_login(outsider)
    assert "Hendrik Bakker" not in client.get("/overlijdensmeldingen/").content.decode()
    for suffix in ("", "document/"):
        assert client.get(f"/overlijdensmeldingen/{notification.pk}/{suffix}").status_code == 404
    response = client.post(f"/overlijdensmeldingen/{notification.pk}/bevestigen/", {"customer": deceased.pk})
    assert response.status_code == 404
    deceased.refresh_from_db()
    assert not deceased.is_deceased

    from loket.bereavement.selectors import find_candidates

    assert [c.customer for c in find_candidates(notification)] == [deceased]
    assert other.public_key != bereavement.public_key


def test_an_outsider_cannot_confirm_our_customer_on_their_own_report(
    client, other_org, outsider, deceased, bereavement
):
    other = do_set_bereavement_team(other_org, do_create_team(other_org, "Nazorg", members=[outsider]))
    client.post(f"/overlijden/{other.public_key}/", report_data())
    theirs = DeathNotification.objects.get(organization=other_org)
    client.force_login(outsider)
    response = client.post(f"/overlijdensmeldingen/{theirs.pk}/bevestigen/", {"customer": deceased.pk}, follow=True)
    assert "Geen klant met dit klantnummer." in response.content.decode()
    deceased.refresh_from_db()
    assert not deceased.is_deceased
