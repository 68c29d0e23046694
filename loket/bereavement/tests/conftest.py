"""The bereavement team of ``org``: Sanne is its specialist; the deceased customer to be found."""

from __future__ import annotations

from datetime import date

import pytest

from loket.accounts.actions import do_add_member, do_create_team
from loket.accounts.models import Role
from loket.bereavement.actions import do_set_bereavement_team
from loket.customers.actions import do_add_subscription, do_create_customer
from loket.tests.factories import UserFactory


@pytest.fixture
def specialist(org):
    user = UserFactory(username="sanne", first_name="Sanne", last_name="Specialist")
    do_add_member(org, user, Role.AGENT)
    return user


@pytest.fixture
def bereavement(org, team, specialist):
    """The organisation's settings row: the team and the public form's key."""
    return do_set_bereavement_team(org, do_create_team(org, "Nabestaanden", members=[specialist]))


@pytest.fixture
def deceased(org):
    customer = do_create_customer(
        org,
        actor=None,
        name="Hendrik Bakker",
        date_of_birth=date(1941, 3, 2),
        postcode="3511AB",
        identities=[("email", "h.bakker@example.nl"), ("phone", "030 2345678")],
    )
    do_add_subscription(customer, product="Internet en tv", reference="ABO-7781")
    return customer


@pytest.fixture
def namesake(org):
    """Same name, another person (other birth date and postcode): a candidate, never certain."""
    return do_create_customer(org, actor=None, name="Hendrik Bakker", date_of_birth=date(1980, 1, 1), postcode="9711ZZ")


def report_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "deceased_name": "Hendrik Bakker",
        "deceased_date_of_birth": "1941-03-02",
        "date_of_death": "2026-11-20",
        "deceased_address": "Oudegracht 1, Utrecht",
        "deceased_postcode": "3511 ab",
        "deceased_customer_number": "",
        "reporter_name": "Marijke Bakker",
        "relation": "dochter",
        "mandate": "heir",
        "reporter_email": "marijke@example.nl",
        "reporter_phone": "",
        "preferred_contact": "email",
    }
    data.update(overrides)
    return data
