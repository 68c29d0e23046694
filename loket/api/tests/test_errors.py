"""Every error is JSON ``{"code", "reason", "fields"}`` with the right status."""

from __future__ import annotations

import json

import pytest

from loket.customers.actions import do_mark_deceased

pytestmark = pytest.mark.django_db


def test_malformed_json_is_400(api):
    response = api.request("POST", "/customers", raw='{"name": "Jolanda"')
    assert response.status_code == 400
    assert response.json() == {"code": "malformed_json", "reason": "The request body is not valid JSON.", "fields": {}}


def test_unknown_field_is_422_naming_it(api):
    response = api.post("/customers", {"name": "Jolanda", "nmae": "typo"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"nmae": "Extra inputs are not permitted"}


def test_wrong_type_is_422_naming_the_nested_field(api):
    response = api.post("/customers", {"identities": [{"kind": "email", "value": 12}]})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"identities.0.value"}


def test_invalid_phone_number_is_422_naming_the_field(api, customer):
    response = api.post(f"/customers/{customer.pk}/identities", {"kind": "phone", "value": "06 123"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"value": "'06 123' is geen geldig telefoonnummer."}


def test_invalid_email_on_a_new_customer_is_422_naming_identities(api):
    response = api.post("/customers", {"name": "X", "identities": [{"kind": "email", "value": "geen-adres"}]})
    assert response.status_code == 422
    assert response.json()["fields"] == {"identities": "'geen-adres' is geen geldig e-mailadres."}


def test_invalid_sender_of_an_inbound_message_is_422_naming_the_field(api, team):
    body = {"external_id": "e-1", "sender": {"kind": "phone", "value": "12"}, "text": "Hallo"}
    response = api.post("/inbound/messages", body)
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"sender.value"}


def test_validation_error_of_an_action_is_422_with_its_fields(api, case, team):
    response = api.post(f"/cases/{case.pk}/handover", {"to_team": team.pk, "reason": "other"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"note": "Licht de reden toe."}


def test_validation_error_without_field_is_422_with_its_reason(api, case):
    do_mark_deceased(case.customer, date_of_death=None, actor=None)
    response = api.post(f"/cases/{case.pk}/messages", {"kind": "reply", "text": "Beste klant"})
    assert response.status_code == 422
    assert response.json()["reason"].startswith("Deze klant is overleden")
    assert response.json()["fields"] == {}


def test_body_over_the_request_limit_is_413_json(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("/customers", {"name": "Jolanda", "notes": "x" * 2000})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_unknown_route_is_404_json(api):
    response = api.get("/zaken")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_another_organisations_object_is_404_not_403(outsider_api, case):
    response = outsider_api.get(f"/cases/{case.pk}")
    assert response.status_code == 404
    assert json.loads(response.content) == {"code": "not_found", "reason": "Not found.", "fields": {}}


def test_wrong_method_is_405_json_with_allow(api):
    response = api.request("DELETE", "/customers")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_null_for_a_patched_field_is_422_not_a_crash(api, customer):
    response = api.patch(f"/customers/{customer.pk}", {"name": None})
    assert response.status_code == 422
    assert "name" in response.json()["fields"]


def test_nul_character_is_422_on_every_database(api):
    response = api.post("/customers", {"name": "Jo\x00landa"})
    assert response.status_code == 422
    assert response.json()["fields"] == {"name": "must not contain NUL characters"}
