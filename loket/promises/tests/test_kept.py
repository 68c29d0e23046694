"""Kept, detected: an outbound message in the window, a reply, an outside system's report."""

from __future__ import annotations

import json
import time

import pytest

from loket.cases.actions import do_open_case, do_reply
from loket.promises.actions import do_create_reporter, do_make_promise
from loket.promises.models import Notification, Promise
from loket.promises.tests.conftest import at
from loket.webhooks.signing import sign

pytestmark = pytest.mark.django_db


def callback(case, agent):
    return do_make_promise(
        case,
        actor=agent,
        kind="callback",
        description="Bel me terug",
        due_from=at("2026-12-01 14:00"),
        due_until=at("2026-12-01 15:00"),
    )


def reply(case, agent, callbacks, text="Goedemiddag Jolanda, hierbij bellen wij u terug."):
    with callbacks(execute=True):
        return do_reply(case, actor=agent, text=text, channel="email")


def test_an_outbound_message_inside_the_window_keeps_the_callback_and_is_linked(
    clock, case, agent, django_capture_on_commit_callbacks
):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 14:20"))
    message = reply(case, agent, django_capture_on_commit_callbacks)
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert promise.kept_by_message == message
    assert promise.kept_by_contact == message.contact
    assert promise.kept_at == at("2026-12-01 14:20")


def test_a_message_before_the_window_does_not_keep_the_callback(clock, case, agent, django_capture_on_commit_callbacks):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 13:00"))
    reply(case, agent, django_capture_on_commit_callbacks)
    promise.refresh_from_db()
    assert promise.status == "open"


def test_a_callback_from_another_case_of_the_same_customer_counts(
    clock, org, case, customer, agent, django_capture_on_commit_callbacks
):
    promise = callback(case, agent)
    newer = do_open_case(org, customer, subject="Nog een vraag", actor=agent, owner=agent)
    clock.move_to(at("2026-12-01 14:59"))
    reply(newer, agent, django_capture_on_commit_callbacks)
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_a_reply_keeps_the_reply_promise_of_its_case(clock, case, agent, django_capture_on_commit_callbacks):
    promise = do_make_promise(
        case, actor=agent, kind="reply", description="Antwoord over de factuur", due_until=at("2026-12-02 17:00")
    )
    reply(case, agent, django_capture_on_commit_callbacks, text="Hier is het antwoord.")
    promise.refresh_from_db()
    assert promise.status == "kept"


def test_the_guard_keeps_a_callback_whose_message_no_listener_linked(clock, case, agent, guard):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 14:30"))
    do_reply(case, actor=agent, text="Gebeld", channel="email")  # committed, listeners never ran
    clock.move_to(at("2026-12-01 15:01"))
    guard()
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert not Notification.objects.filter(kind="broken").exists()


def test_a_message_after_a_broken_callback_is_a_late_kept(
    clock, case, agent, guard, django_capture_on_commit_callbacks
):
    promise = callback(case, agent)
    clock.move_to(at("2026-12-01 15:01"))
    guard()
    clock.move_to(at("2026-12-01 16:00"))
    reply(case, agent, django_capture_on_commit_callbacks)
    promise.refresh_from_db()
    assert promise.status == "broken"
    assert promise.kept_late_at == at("2026-12-01 16:00")


# --- Outside systems ----------------------------------------------------------------------------


def pickup(case, agent):
    return do_make_promise(
        case,
        actor=agent,
        kind="pickup",
        description="Bank ophalen",
        due_from=at("2026-12-03 00:00"),
        due_until=at("2026-12-04 00:00"),
        external_ref="RET-778",
    )


def signed_post(client, url, body, secret, *, signature=None):
    raw = json.dumps(body).encode()
    header = signature if signature is not None else sign(secret, int(time.time()), raw)
    return client.post(url, data=raw, content_type="application/json", headers={"X-Loket-Signature": header})


def test_a_carrier_marks_a_pickup_kept_through_the_signed_webhook(clock, org, case, agent, client):
    promise = pickup(case, agent)
    reporter, secret = do_create_reporter(org, name="Vervoerder")
    url = f"/inbound/toezeggingen/{reporter.key}/"
    response = signed_post(client, url, {"external_ref": "RET-778", "outcome": "kept"}, secret)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "kept"
    promise.refresh_from_db()
    assert promise.status == "kept"
    assert promise.changes.get(what="kept").data["reporter"] == "Vervoerder"


def test_a_webhook_with_a_bad_signature_changes_nothing(clock, org, case, agent, client):
    promise = pickup(case, agent)
    reporter, secret = do_create_reporter(org, name="Vervoerder")
    url = f"/inbound/toezeggingen/{reporter.key}/"
    response = signed_post(client, url, {"promise_id": promise.pk, "outcome": "kept"}, "wrong-secret")
    assert response.status_code == 401
    response = signed_post(client, url, {"promise_id": promise.pk, "outcome": "kept"}, secret, signature="")
    assert response.status_code == 401
    promise.refresh_from_db()
    assert promise.status == "open"


def test_a_reporter_cannot_reach_another_organisations_promise(clock, case, agent, other_org, client):
    promise = pickup(case, agent)
    reporter, secret = do_create_reporter(other_org, name="Vreemde vervoerder")
    url = f"/inbound/toezeggingen/{reporter.key}/"
    response = signed_post(client, url, {"promise_id": promise.pk, "outcome": "kept"}, secret)
    assert response.status_code == 404
    response = signed_post(client, url, {"external_ref": "RET-778", "outcome": "kept"}, secret)
    assert response.status_code == 404
    promise.refresh_from_db()
    assert promise.status == "open"


def test_the_erp_reports_a_replacement_unavailable_through_the_api(clock, case, agent, api):
    promise = do_make_promise(
        case, actor=agent, kind="replacement", description="Nieuwe bank", due_until=at("2026-12-10 00:00")
    )
    response = api.post(f"/promises/{promise.pk}/report", {"outcome": "failed", "reason": "Uit het assortiment"})
    assert response.status_code == 200, response.content
    assert response.json()["cannot_keep_at"] is not None
    alert = Notification.objects.get(kind="cannot_keep")
    assert alert.recipient == agent
    # A failure without a reason is refused, and an unknown outcome too.
    other = do_make_promise(case, actor=agent, kind="delivery", description="x", due_until=at("2026-12-10 00:00"))
    assert api.post(f"/promises/{other.pk}/report", {"outcome": "failed"}).status_code == 422
    assert api.post(f"/promises/{other.pk}/report", {"outcome": "maybe"}).status_code == 422
    assert Promise.objects.get(pk=other.pk).cannot_keep_at is None


def test_a_late_kept_report_after_broken_keeps_the_break_visible(clock, case, agent, api, guard):
    pickup(case, agent)
    clock.move_to(at("2026-12-04 00:01"))
    guard()
    response = api.post("/promises/report-by-ref/RET-778", {"outcome": "kept"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "broken"
    assert body["kept_late_at"] is not None


def test_an_admin_sets_when_deliveries_escalate_and_new_promises_follow(clock, org, owner, case, agent):
    from django.test import Client

    from loket.accounts.actions import do_create_token
    from loket.accounts.models import Scope
    from loket.api.tests.conftest import ApiClient

    admin = ApiClient(Client(), do_create_token(org, "Beheer", [Scope.ADMIN], actor=owner).secret)
    response = admin.request("PUT", "/promises/policies/callback", {"remind_minutes": 60, "risk_minutes": 30})
    assert response.status_code == 200, response.content
    assert {p["kind"]: p["risk_minutes"] for p in admin.get("/promises/policies").json()}["callback"] == 30
    bad = admin.request(
        "PUT", "/promises/policies/callback", {"remind_minutes": 5, "risk_minutes": 5, "risk_working_days": 1}
    )
    assert bad.status_code == 422
    promise = callback(case, agent)
    assert promise.risk_at == at("2026-12-01 14:30")
    assert promise.remind_at == at("2026-12-01 13:00")
