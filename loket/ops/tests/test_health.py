from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_health_answers_ok_when_the_database_is_reachable(client, settings):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert ("redis" in response.json()) == bool(settings.REDIS_URL)


@pytest.mark.django_db
def test_health_answers_503_when_the_database_fails(client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("database down")

    monkeypatch.setattr(connection, "cursor", broken)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["database"] == "error: ConnectionError"


@pytest.mark.django_db
def test_health_shows_the_inbound_backlog_and_how_long_the_oldest_has_waited(client, org, team):
    import time_machine

    from loket.cases.receiving import InboundMessage
    from loket.integrations.actions import do_accept_inbound, do_process_pending

    assert client.get("/health/").json()["inbound"] == {"pending": 0, "lag_seconds": 0}
    with time_machine.travel("2026-11-27 09:00:00 +01:00", tick=False):
        do_accept_inbound(
            org,
            [InboundMessage(channel="api", identity_kind="email", identity_value=f"k{i}@example.nl") for i in range(2)],
        )
    with time_machine.travel("2026-11-27 09:01:30 +01:00", tick=False):
        assert client.get("/health/").json()["inbound"] == {"pending": 2, "lag_seconds": 90.0}
        do_process_pending()
        assert client.get("/health/").json()["inbound"] == {"pending": 0, "lag_seconds": 0}
