"""The monitor's API: surveys, responses and alerts, for the token's organisation only."""

from __future__ import annotations

import pytest

from loket.accounts.actions import do_create_token
from loket.accounts.models import Scope
from loket.monitor.tests.factories import monitor_world

pytestmark = pytest.mark.django_db


def get(client, path, token):
    return client.get(f"/api/v1{path}", headers={"Authorization": f"Bearer {token}"})


def test_surveys_responses_and_alerts_through_the_api(client, org, owner, email_case, token):
    world = monitor_world(org, owner, email_case)
    assert get(client, "/surveys", token).json()["items"][0]["name"] == "Geheime enquête"
    responses = get(client, "/survey-responses", token).json()["items"]
    assert (responses[0]["csat"], responses[0]["case_id"]) == (1, email_case.pk)
    assert get(client, f"/alerts/{world['alert_id']}", token).json()["status"] == "open"
    admin = do_create_token(org, "Beheer", [Scope.ADMIN], actor=owner).secret
    answer = client.post(f"/api/v1/alerts/{world['alert_id']}/resolve", headers={"Authorization": f"Bearer {admin}"})
    assert answer.json()["status"] == "resolved"


def test_a_survey_with_a_bad_first_question_is_refused(client, org, owner):
    admin = do_create_token(org, "Beheer", [Scope.ADMIN], actor=owner).secret
    answer = client.post(
        "/api/v1/surveys",
        {"name": "Fout", "questions": [{"kind": "text"}]},
        content_type="application/json",
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert answer.status_code == 422
    assert "één tik" in answer.json()["fields"]["questions"]
