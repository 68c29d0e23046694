from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loket.accounts.actions import do_add_member
from loket.accounts.models import Role
from loket.tests.factories import UserFactory

AMS = ZoneInfo("Europe/Amsterdam")


def at(text: str) -> datetime:
    """An Amsterdam wall-clock moment: at("2026-12-01 10:00")."""
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


@pytest.fixture
def clock():
    """Time frozen on a Tuesday morning (1 December 2026, 09:00 in Amsterdam); ``clock.move_to(at(…))``."""
    with time_machine.travel(at("2026-12-01 09:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(org, team):
    user = UserFactory(username="lotte", first_name="Lotte", last_name="Leider", email="lotte@woonwinkel.example")
    do_add_member(org, user, Role.LEAD)
    team.members.add(user)
    return user


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def guard(django_capture_on_commit_callbacks):
    """Run the guard's scan as the worker does, with what it does after commit (mail, listeners)."""
    from loket.promises.guard import run_guard

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return run_guard()

    return run


@pytest.fixture
def api(token):
    """The API as ``org``'s integration token (loket/api/tests/conftest.py's client)."""
    from django.test import Client

    from loket.api.tests.conftest import ApiClient

    return ApiClient(Client(), token)
