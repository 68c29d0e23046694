"""Story 1, the damaged sofa, for promises: every commitment tracked to completion.

Jolanda's sofa arrived damaged. She is promised a callback between 14:00 and 15:00, which is
kept by the agent's message inside the window; on that contact the agent promises a pickup
and a replacement; the carrier reports the pickup done, the ERP reports the replacement
unavailable and the owner is alerted at once and proposes an alternative. In the other
telling nobody calls back: the team lead hears of it 15 minutes before the window closes,
and again when it is broken.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core import mail

from loket.accounts.actions import do_set_business_hours
from loket.accounts.hours import OFFICE_HOURS
from loket.cases.actions import do_reply
from loket.promises.actions import do_create_reporter
from loket.promises.models import Notification, Promise
from loket.promises.tests.conftest import at
from loket.webhooks.signing import sign

pytestmark = pytest.mark.django_db


def make_callback(api, case):
    """The phone system offers a callback in the queue and records it through the API."""
    response = api.post(
        "/promises",
        {
            "case_id": case.pk,
            "kind": "callback",
            "description": "Mijn bank is beschadigd geleverd, bel me terug",
            "due_from": at("2026-12-01 14:00").isoformat(),
            "due_until": at("2026-12-01 15:00").isoformat(),
            "channel": "phone",
        },
    )
    assert response.status_code == 201, response.content
    return Promise.objects.get(pk=response.json()["id"])


def test_the_sofa_every_promise_kept_or_answered(
    clock, org, team, case, agent, lead, api, agent_client, client, guard, run_tasks, django_capture_on_commit_callbacks
):
    do_set_business_hours(org, OFFICE_HOURS, actor=None)
    callback = make_callback(api, case)
    assert callback.owner == agent

    # 14:20: the agent calls back (the contact is logged as an outbound message): kept, linked.
    clock.move_to(at("2026-12-01 14:20"))
    with django_capture_on_commit_callbacks(execute=True):
        message = do_reply(case, actor=agent, text="Zoals beloofd bel ik u terug over de bank.", channel="email")
    callback.refresh_from_db()
    assert (callback.status, callback.kept_by_message_id) == ("kept", message.pk)

    # On that contact: a pickup on Thursday and a replacement the Tuesday after, two clicks each.
    for kind, day, ref in (("pickup", "2026-12-03", "RET-1"), ("replacement", "2026-12-08", "ORD-2")):
        response = agent_client.post(
            f"/zaken/{case.pk}/toezeggingen/nieuw/",
            {"kind": kind, "description": f"{kind} van de bank", "day": day, "external_ref": ref},
        )
        assert response.status_code == 302
    pickup = Promise.objects.get(kind="pickup")
    replacement = Promise.objects.get(kind="replacement")
    page = agent_client.get(f"/zaken/{case.pk}/").content.decode()
    assert "pickup van de bank" in page
    assert "replacement van de bank" in page

    # The carrier picks the sofa up on Thursday and reports it through the signed webhook.
    reporter, secret = do_create_reporter(org, name="Vervoerder")
    clock.move_to(at("2026-12-03 11:00"))
    body = json.dumps({"external_ref": "RET-1", "outcome": "kept"}).encode()
    response = client.post(
        f"/inbound/toezeggingen/{reporter.key}/",
        data=body,
        content_type="application/json",
        headers={"X-Loket-Signature": sign(secret, int(time.time()), body)},
    )
    assert response.status_code == 200
    pickup.refresh_from_db()
    assert pickup.status == "kept"

    # The ERP: the replacement model is no longer available. The owner hears it at once.
    with django_capture_on_commit_callbacks(execute=True):  # the mail task is enqueued after commit
        response = api.post(
            "/promises/report-by-ref/ORD-2", {"outcome": "failed", "reason": "Model Oslo niet meer leverbaar"}
        )
    assert response.status_code == 200
    alert = Notification.objects.get(kind="cannot_keep", recipient=agent)
    assert "Model Oslo niet meer leverbaar" in alert.text
    run_tasks()
    assert any(m.to == [agent.email] and "Kan niet worden nagekomen" in m.subject for m in mail.outbox)
    assert "Model Oslo niet meer leverbaar" in agent_client.get(f"/zaken/{case.pk}/").content.decode()

    # She offers an alternative: a new window, the history kept.
    response = agent_client.post(
        f"/toezeggingen/{replacement.pk}/opnieuw/",
        {"day": "2026-12-15", "description": "Model Bergen in dezelfde kleur", "note": "Klant akkoord"},
    )
    assert response.status_code == 302
    replacement.refresh_from_db()
    assert replacement.status == "renegotiated"
    assert replacement.replaced_by.description == "Model Bergen in dezelfde kleur"
    # Nobody on the team lead's desk was bothered by any of it.
    assert not Notification.objects.filter(recipient=lead).exists()


def test_the_callback_nobody_made_reaches_the_team_lead_before_and_after(
    clock, org, team, case, agent, lead, api, guard, run_tasks
):
    callback = make_callback(api, case)
    clock.move_to(at("2026-12-01 14:44"))
    guard()
    assert not Notification.objects.filter(recipient=lead).exists()
    # 15 minutes before the window closes, nobody has called: the team lead is alerted.
    clock.move_to(at("2026-12-01 14:45"))
    guard()
    warning = Notification.objects.get(recipient=lead, kind="at_risk")
    assert warning.promise == callback
    run_tasks()
    assert any(m.to == [lead.email] and "Dreigt niet nagekomen" in m.subject for m in mail.outbox)
    # 15:00: broken. The team lead again, and the owner with the prompt to apologise.
    clock.move_to(at("2026-12-01 15:00"))
    guard()
    guard()
    callback.refresh_from_db()
    assert callback.status == "broken"
    assert Notification.objects.filter(recipient=lead, kind="broken").count() == 1
    assert "excuses" in Notification.objects.get(recipient=agent, kind="broken").text
    assert Notification.objects.filter(recipient=lead).count() == 2
