"""Requests per token per minute: 429 with Retry-After when exceeded. Time is travelled, never slept."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from loket.accounts.actions import do_create_token
from loket.accounts.models import Scope
from loket.api.tests.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(settings):
    settings.API_RATE_LIMIT_PER_MINUTE = 3


def test_requests_over_the_limit_get_429_with_retry_after(api, small_limit):
    with time_machine.travel("2026-03-02 09:00:15 +00:00", tick=False):
        assert [api.get("/cases").status_code for _ in range(3)] == [200, 200, 200]
        response = api.get("/cases")
    assert response.status_code == 429
    assert response["Retry-After"] == "45"
    assert response.json()["code"] == "rate_limited"


def test_the_limit_resets_in_the_next_minute(api, small_limit):
    with time_machine.travel("2026-03-02 09:00:50 +00:00", tick=False):
        for _ in range(3):
            api.get("/cases")
        assert api.get("/cases").status_code == 429
    with time_machine.travel("2026-03-02 09:01:00 +00:00", tick=False):
        assert api.get("/cases").status_code == 200


def test_each_token_has_its_own_budget(api, org, owner, small_limit):
    other = ApiClient(Client(), do_create_token(org, "Tweede", [Scope.READ], actor=owner).secret)
    with time_machine.travel("2026-03-02 09:00:00 +00:00", tick=False):
        for _ in range(4):
            api.get("/cases")
        assert api.get("/cases").status_code == 429
        assert other.get("/cases").status_code == 200


def test_requests_without_a_valid_token_are_not_counted_against_it(api, anonymous_api, small_limit):
    with time_machine.travel("2026-03-02 09:00:00 +00:00", tick=False):
        for _ in range(10):
            assert anonymous_api.get("/cases").status_code == 401
        assert api.get("/cases").status_code == 200
