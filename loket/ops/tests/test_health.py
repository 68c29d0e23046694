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
