"""POST /api/v1/death-notifications: estate-settlement services report deaths."""

from __future__ import annotations

import base64

import pytest

from loket.bereavement.models import DeathNotification

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _post(client, token, body):
    return client.post(
        "/api/v1/death-notifications", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


BODY = {
    "deceased_name": "Hendrik Bakker",
    "date_of_death": "2026-11-20",
    "deceased_customer_number": "ABO-7781",
    "reporter_name": "Nazorg BV",
    "reporter_email": "dossiers@nazorg.example",
    "mandate": "estate_service",
}


def test_an_estate_service_reports_a_death(client, token, bereavement, specialist, deceased):
    body = {**BODY, "document": {"filename": "machtiging.pdf", "content_base64": base64.b64encode(PDF).decode()}}
    response = _post(client, token, body)
    assert response.status_code == 201, response.content
    data = response.json()
    notification = DeathNotification.objects.get()
    assert data["case_number"] == notification.case.number
    assert data["specialist"] == "Sanne Specialist"
    assert data["matched"] is False
    assert notification.source == "api"
    assert notification.document_type == "application/pdf"

    got = client.get(f"/api/v1/death-notifications/{data['id']}", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert got.json()["case_id"] == notification.case_id


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**BODY, "date_of_death": "2999-01-01"}, "date_of_death"),
        ({**BODY, "reporter_email": ""}, "reporter_email"),
        ({**BODY, "document": {"filename": "a.pdf", "content_base64": "@@@"}}, "document"),
        (
            {**BODY, "document": {"filename": "a.exe", "content_base64": base64.b64encode(b"MZ...").decode()}},
            "document",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field(client, token, bereavement, body, field):
    response = _post(client, token, body)
    assert response.status_code == 422
    assert field in response.json()["fields"]
    assert not DeathNotification.objects.exists()


def test_another_organisations_notification_is_404(client, token, outsider_token, bereavement):
    notification_id = _post(client, token, BODY).json()["id"]
    response = client.get(
        f"/api/v1/death-notifications/{notification_id}", HTTP_AUTHORIZATION=f"Bearer {outsider_token}"
    )
    assert response.status_code == 404
