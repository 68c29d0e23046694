"""Monitor objects for tests elsewhere (the tenant-isolation walk): a survey, an answered
invitation, an alert rule and the alert it raised."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from loket.accounts.models import Membership
from loket.monitor.actions import (
    check_comment_alert,
    check_save_alert_rule,
    check_save_survey,
    do_answer,
    do_evaluate_alerts,
    do_invite_after_contact,
)


def answered(case: Any, value: str = "1", *, channel: str = "api", comment: str = "") -> Any:
    """An invitation for ``case``'s contact on ``channel``, answered with ``value``."""
    invitation, reason = do_invite_after_contact(
        case, channel=channel, trigger="contact", ended_at=timezone.now(), key=f"t{timezone.now().timestamp()}"
    )
    assert invitation is not None, reason
    response = do_answer(invitation, value)
    if comment:
        from loket.monitor.actions import do_complete_response

        response = do_complete_response(response, {}, comment=comment)
    return response


def monitor_world(org: Any, owner: Any, case: Any) -> dict[str, Any]:
    membership = Membership.objects.get(user=owner, organization=org)
    survey = check_save_survey(
        membership, None, name="Geheime enquête", questions=[{"kind": "csat"}, {"kind": "text"}], quiet_days=0
    )
    rule = check_save_alert_rule(
        membership, None, name="Geheime alarmregel", kind="single", metric="csat", scope="all", threshold=2
    )
    response = answered(case, "1", comment="Geheime opmerking")
    alert = do_evaluate_alerts(response)[0]
    check_comment_alert(membership, alert, "Geheime opmerking van de teamleider")
    return {"survey_id": survey.pk, "rule_id": rule.pk, "alert_id": alert.pk, "action": "comment"}
