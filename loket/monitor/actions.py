"""Every write of the monitor: surveys, invitations, responses, dashboards, alert rules, alerts.

``do_*`` change state without permission checks (tasks, listeners, tests); ``check_*`` validate
the input and the actor's permission first and are what views and the API call.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.accounts import hours
from loket.accounts.models import Membership, Organization, Team, User
from loket.accounts.selectors import business_hours_for
from loket.cases.actions import do_reply, do_update_case
from loket.cases.models import Case, Contact, Message
from loket.customers.models import Channel
from loket.events.actions import record_event
from loket.integrations.registry import get_adapter
from loket.monitor import rollups
from loket.monitor.links import url_for
from loket.monitor.models import (
    LOW,
    SCALES,
    Alert,
    AlertComment,
    AlertRule,
    Dashboard,
    Metric,
    Response,
    Survey,
    SurveyInvitation,
)
from loket.monitor.questions import clean_questions, parse_answer, wording

logger = logging.getLogger(__name__)

# How an invitation reaches the customer on each channel: a link to the response page, or the
# first question inline (answered by replying with a number). A channel without an entry gets
# no survey yet (the phone: a spoken survey is the voice channel's to add).
DELIVERY: dict[str, str] = {
    Channel.EMAIL: "link",
    Channel.SMS: "link+reply",
    Channel.WHATSAPP: "inline",
    Channel.CHAT: "inline",
    Channel.API: "link",
    Channel.WEB: "link",
}

LOW_SCORE_TAG = "lage score"


def require_admin(membership: Membership) -> None:
    if not membership.is_admin:
        raise PermissionDenied(_("Alleen een beheerder mag dit instellen."))


def require_lead(membership: Membership) -> None:
    if not membership.is_lead:
        raise PermissionDenied(_("Alleen een teamleider of beheerder mag alarmen afhandelen."))


# --- Surveys ----------------------------------------------------------------------------------


def check_save_survey(
    membership: Membership,
    survey: Survey | None,
    *,
    name: str,
    questions: list[dict[str, Any]],
    team: Team | None = None,
    channel: str = "",
    trigger: str = Survey.Trigger.EVERY_CONTACT,
    sample_percent: int = 100,
    quiet_days: int = 14,
    valid_days: int = 7,
    is_active: bool = True,
) -> Survey:
    require_admin(membership)
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Geef de enquête een naam.")
    elif len(name.strip()) > 120:
        errors["name"] = _("Een naam heeft hoogstens 120 tekens.")
    try:
        questions = clean_questions(questions)
    except ValueError as error:
        errors["questions"] = str(error)
    if channel and channel not in Channel.values:
        errors["channel"] = _("Onbekend kanaal.")
    if trigger not in Survey.Trigger.values:
        errors["trigger"] = _("Kies wanneer de enquête wordt verstuurd.")
    if not 1 <= sample_percent <= 100:
        errors["sample_percent"] = _("Een steekproef is 1 tot en met 100 procent.")
    if not 0 <= quiet_days <= 365:
        errors["quiet_days"] = _("Kies 0 tot en met 365 dagen.")
    if not 1 <= valid_days <= 60:
        errors["valid_days"] = _("Een link is 1 tot en met 60 dagen geldig.")
    if team is not None and team.organization_id != membership.organization_id:
        errors["team"] = _("Onbekend team.")
    if errors:
        raise ValidationError(errors)
    return do_save_survey(
        membership.organization,
        survey,
        actor=membership.user,
        name=name.strip(),
        questions=questions,
        team=team,
        channel=channel,
        trigger=trigger,
        sample_percent=sample_percent,
        quiet_days=quiet_days,
        valid_days=valid_days,
        is_active=is_active,
    )


def do_save_survey(organization: Organization, survey: Survey | None, *, actor: User | None, **fields: Any) -> Survey:
    with transaction.atomic():
        if survey is None:
            survey = Survey(organization=organization)
        for name, value in fields.items():
            setattr(survey, name, value)
        survey.updated_at = timezone.now()
        survey.save()
        record_event(
            organization,
            "survey.saved",
            actor=actor,
            data={"survey_id": survey.pk, "name": survey.name, "active": survey.is_active},
        )
    from loket.monitor.selectors import forget_active_surveys

    # Now (this process's next contact sees it) and after commit (a reader in between may have
    # cached the old answer).
    forget_active_surveys(organization.pk)
    transaction.on_commit(lambda: forget_active_surveys(organization.pk))
    return survey


def matching_survey(case: Case, channel: str) -> Survey | None:
    """The most specific active survey for a contact of ``case`` on ``channel``."""
    candidates = (
        Survey.objects.for_org(case.organization_id)
        .filter(is_active=True)
        .filter(Q(team__isnull=True) | Q(team_id=case.team_id))
        .filter(Q(channel="") | Q(channel=channel))
    )
    ranked = sorted(candidates, key=lambda s: (s.team_id is None, s.channel == "", s.pk))
    return ranked[0] if ranked else None


# --- Invitations ------------------------------------------------------------------------------


def _sampled(survey: Survey, case: Case, key: str) -> bool:
    """Whether this contact is in the sample: a stable hash, so a retry decides the same."""
    digest = hashlib.sha256(f"{survey.pk}:{case.pk}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < survey.sample_percent


def do_invite_after_contact(
    case: Case, *, channel: str, trigger: str, ended_at: datetime, key: str
) -> tuple[SurveyInvitation | None, str]:
    """Invite the customer to rate the contact that just ended on ``channel``.

    1. the most specific active survey; "after resolution only" skips other contact ends;
    2. never a deceased customer, never an address that opted out;
    3. the sample, then at most one invitation per customer per ``quiet_days``;
    4. only where the channel can deliver it now (WhatsApp: within the 24-hour window);
    5. the invitation, with the snapshot of who handled the contact, and its message through
       the outbox (``do_reply``, automatic: it does not change the case's status).

    Returns the invitation, or None and why not.
    """
    case = Case.objects.select_related("organization", "customer").get(pk=case.pk)
    mode = DELIVERY.get(channel)
    if mode is None:
        return None, "channel"
    survey = matching_survey(case, channel)
    if survey is None:
        return None, "no survey"
    if survey.trigger == Survey.Trigger.RESOLUTION and trigger != Survey.Trigger.RESOLUTION:
        return None, "resolution only"
    if case.customer.is_deceased:
        return None, "deceased"
    last_inbound = (
        Message.objects.filter(case=case, channel=channel, kind=Message.Kind.INBOUND)
        .select_related("identity")
        .order_by("-created_at", "-pk")
        .first()
    )
    identity = last_inbound.identity if last_inbound is not None else None
    if identity is not None and identity.opted_out_at is not None:
        return None, "opted out"
    if not _sampled(survey, case, key):
        return None, "not sampled"
    adapter = get_adapter(channel)
    if adapter is None or adapter.free_text_refusal(case):
        return None, "channel closed"
    contact = Contact.objects.filter(case=case, channel=channel).order_by("-started_at", "-pk").first()
    now = timezone.now()
    with transaction.atomic():
        # Locked: two contact ends of one customer at once invite once.
        from loket.customers.models import Customer

        Customer.objects.select_for_update().filter(pk=case.customer_id).first()
        since = now - timedelta(days=survey.quiet_days)
        if (
            survey.quiet_days
            and SurveyInvitation.objects.for_org(case.organization_id)
            .filter(customer_id=case.customer_id, created_at__gt=since)
            .exists()
        ):
            return None, "invited recently"
        invitation = SurveyInvitation.objects.create(
            organization_id=case.organization_id,
            survey=survey,
            case=case,
            contact=contact,
            customer=case.customer,
            identity=identity,
            channel=channel,
            team_id=case.team_id,
            agent_id=(contact.handled_by_id if contact is not None and contact.handled_by_id else case.owner_id),
            reason=case.reason,
            contact_ended_at=ended_at,
            nonce=secrets.token_urlsafe(18),
            created_at=now,
            expires_at=now + timedelta(days=survey.valid_days),
        )
        rollups.bump(
            case.organization_id,
            now,
            team_id=invitation.team_id,
            agent_id=invitation.agent_id,
            channel=channel,
            reason=invitation.reason,
            counts={"invitations": 1},
        )
        message = do_reply(case, actor=None, text=invitation_text(invitation, mode), channel=channel, automatic=True)
        invitation.message = message
        invitation.save(update_fields=["message"])
        record_event(
            case.organization,
            "survey.invited",
            actor=None,
            case=case,
            data={"invitation_id": invitation.pk, "survey_id": survey.pk, "channel": channel, "message_id": message.pk},
        )
    return invitation, ""


def invitation_text(invitation: SurveyInvitation, mode: str) -> str:
    """The invitation's message in the customer's language: the first question with a link, or
    (chat, WhatsApp) inline, to be answered with a number."""
    survey = invitation.survey
    language = invitation.customer.language or "nl"
    first = survey.questions[0] if survey.questions else {"kind": "csat"}
    question = wording(first, language)
    kind = first["kind"]
    with translation.override(language):
        if kind == "solved":
            how = _("Antwoord met ja of nee.")
        else:
            low, high = SCALES[kind]
            how = _("Antwoord met een cijfer van %(low)s tot en met %(high)s.") % {"low": low, "high": high}
        if mode == "inline":
            return f"{question} {how}"
        link = url_for(invitation)
        if mode == "link+reply":
            return _("%(org)s: %(question)s %(how)s Of via %(link)s") % {
                "org": invitation.organization.name,
                "question": question,
                "how": how,
                "link": link,
            }
        return _(
            "Beste klant,\n\nWe horen graag hoe ons contact is bevallen. %(question)s\n\n"
            "Eén tik is genoeg: %(link)s\n\nDe link is %(days)s dagen geldig. Alvast bedankt!"
        ) % {"question": question, "link": link, "days": survey.valid_days}


# --- Responses --------------------------------------------------------------------------------


class AlreadyAnswered(Exception):
    """A second answer to the same invitation: nothing is updated."""


class LinkExpired(Exception):
    """The invitation's link is no longer valid: nothing is stored."""


def do_answer(
    invitation: SurveyInvitation, raw: str, *, at: datetime | None = None, kind: str | None = None
) -> Response:
    """The first answer (one tap, or a reply with a number): stored at once, with the snapshot.

    Raises ValueError (out of range, not a number), LinkExpired or AlreadyAnswered; nothing is
    stored then.
    """
    now = at or timezone.now()
    survey = invitation.survey
    first = kind or survey.first_kind
    value = parse_answer(first, raw)
    with transaction.atomic():
        locked = SurveyInvitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.answered_at is not None:
            raise AlreadyAnswered
        if locked.expires_at <= now:
            raise LinkExpired
        locked.answered_at = now
        locked.save(update_fields=["answered_at"])
        invitation.answered_at = now
        scores: dict[str, int | None] = {first: value}
        response = Response.objects.create(
            organization_id=invitation.organization_id,
            invitation=invitation,
            survey=survey,
            case_id=invitation.case_id,
            contact_id=invitation.contact_id,
            customer_id=invitation.customer_id,
            channel=invitation.channel,
            team_id=invitation.team_id,
            agent_id=invitation.agent_id,
            reason=invitation.reason,
            low=rollups.is_low(scores),
            created_at=now,
            seconds_to_response=max(0, int((now - invitation.contact_ended_at).total_seconds())),
            **_score_fields(scores),
        )
        case = Case.objects.select_related("organization").get(pk=invitation.case_id)
        counts = rollups.score_counts(scores, first=first)
        counts.update(responses=1, low=int(response.low), handovers=case.handover_count)
        if case.status in Case.DONE_STATUSES:
            counts.update(fcr_n=1, fcr_yes=int(bool(case.first_contact_resolution)))
        _bump(response, now, counts)
        record_event(
            case.organization,
            "survey.answered",
            actor=None,
            case=case,
            data={"response_id": response.pk, "invitation_id": invitation.pk, first: value, "low": response.low},
        )
        if response.low:
            _flag_case(case)
        transaction.on_commit(lambda: _enqueue_alert_evaluation(response.pk))
    return response


def _score_fields(scores: dict[str, int | None]) -> dict[str, Any]:
    return {metric: (bool(value) if metric == "solved" else value) for metric, value in scores.items()}


def _bump(response: Response, at: datetime, counts: dict[str, int]) -> None:
    rollups.bump(
        response.organization_id,
        at,
        team_id=response.team_id,
        agent_id=response.agent_id,
        channel=response.channel,
        reason=response.reason,
        counts=counts,
    )


def _flag_case(case: Case) -> None:
    """A low score flags the case (a label its owner sees in the inbox) and gives its owner a
    callback promise due by the end of the team's next working day, guarded like any other
    (loket/promises: reminded, escalated to the team lead before it is broken). One open
    callback of Loket's own per case is enough, however many low scores follow."""
    from loket.promises.actions import do_make_promise
    from loket.promises.models import Promise

    names = [tag.name for tag in case.tags.all()]
    if LOW_SCORE_TAG not in names:
        do_update_case(case, actor=None, tags=[*names, LOW_SCORE_TAG])
    follow_ups = Promise.objects.filter(
        case=case, kind=Promise.Kind.CALLBACK, source=Promise.Source.SYSTEM, status=Promise.Status.OPEN
    )
    if follow_ups.exists():
        return
    do_make_promise(
        case,
        actor=None,
        kind=Promise.Kind.CALLBACK,
        description=_("Lage score in de enquête: bel de klant terug en vraag wat er beter kan."),
        due_until=_end_of_next_working_day(case),
        source=Promise.Source.SYSTEM,
    )


def _end_of_next_working_day(case: Case) -> datetime:
    """When the team's next working day closes (its own hours, else the organisation's; Dutch
    holidays closed); a day from now when nothing opens within two weeks."""
    calendar = business_hours_for(case.organization_id, case.team_id)
    now = timezone.now()
    today = now.astimezone(ZoneInfo(calendar.zone)).date()
    for offset in range(1, 15):
        times = hours.opening_times(calendar, today + timedelta(days=offset))
        if times:
            return times[-1][1]
    return now + timedelta(days=1)


def _enqueue_alert_evaluation(response_id: int) -> None:
    from loket.monitor.tasks import evaluate_alerts

    evaluate_alerts.enqueue(response_id)


def do_complete_response(response: Response, answers: dict[str, str], comment: str = "") -> Response:
    """The optional rest of the questions, once. Raises ValueError (a bad answer: nothing is
    stored) or AlreadyAnswered."""
    survey = response.survey
    kinds = [q["kind"] for q in survey.questions[1:]]
    scores: dict[str, int | None] = {}
    for kind in kinds:
        raw = (answers.get(kind) or "").strip()
        if kind == "text" or not raw:
            continue
        scores[kind] = parse_answer(kind, raw)
    # PostgreSQL stores no NUL character; a pasted one is dropped rather than losing the answer.
    comment = comment.replace("\x00", "").strip()[:4000] if "text" in kinds else ""
    now = timezone.now()
    with transaction.atomic():
        locked = Response.objects.select_for_update().get(pk=response.pk)
        if locked.completed_at is not None:
            raise AlreadyAnswered
        for field, value in _score_fields(scores).items():
            setattr(locked, field, value)
        locked.comment = comment
        locked.completed_at = now
        was_low = locked.low
        locked.low = locked.low or rollups.is_low(scores)
        locked.save()
        counts = rollups.score_counts(scores)
        counts["low"] = int(locked.low and not was_low)
        _bump(locked, locked.created_at, counts)
        case = Case.objects.select_related("organization").get(pk=locked.case_id)
        record_event(
            case.organization,
            "survey.completed",
            actor=None,
            case=case,
            data={"response_id": locked.pk, **scores, "comment": bool(comment)},
        )
        if locked.low and not was_low:
            _flag_case(case)
        if scores:
            transaction.on_commit(lambda: _enqueue_alert_evaluation(locked.pk))
    return locked


def do_answer_by_reply(
    organization_id: int, identity_id: int, channel: str, text: str, at: datetime
) -> Response | None:
    """A reply of just a number (or ja/nee) by SMS, WhatsApp or chat answers the open invitation
    sent to that address on that channel; anything else is an ordinary message."""
    text = text.strip()
    if not text or len(text) > 5:
        return None
    invitation = (
        SurveyInvitation.objects.for_org(organization_id)
        .filter(identity_id=identity_id, channel=channel, answered_at__isnull=True, expires_at__gt=at)
        .select_related("survey", "organization", "customer")
        .order_by("-created_at")
        .first()
    )
    if invitation is None:
        return None
    try:
        return do_answer(invitation, text, at=at)
    except (ValueError, AlreadyAnswered, LinkExpired):
        return None


# --- Dashboard --------------------------------------------------------------------------------


def check_save_dashboard(
    membership: Membership, *, metrics: list[str], period_days: int, grouping: str, targets: dict[str, float]
) -> Dashboard:
    require_admin(membership)
    errors = {}
    if not metrics or any(m not in Metric.values for m in metrics):
        errors["metrics"] = _("Kies minstens één meetwaarde.")
    if period_days not in (1, 7, 30, 90):
        errors["period_days"] = _("Kies een periode van 1, 7, 30 of 90 dagen.")
    if grouping not in Dashboard.Grouping.values:
        errors["grouping"] = _("Kies waarop gegroepeerd wordt.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        dashboard, _created = Dashboard.objects.get_or_create(organization=membership.organization)
        dashboard.metrics = metrics
        dashboard.period_days = period_days
        dashboard.grouping = grouping
        dashboard.targets = {k: float(v) for k, v in targets.items() if k in Metric.values}
        dashboard.updated_at = timezone.now()
        dashboard.save()
        record_event(
            membership.organization, "survey.dashboard_saved", actor=membership.user, data={"metrics": metrics}
        )
    return dashboard


# --- Alert rules ------------------------------------------------------------------------------


def check_save_alert_rule(membership: Membership, rule: AlertRule | None, **fields: Any) -> AlertRule:
    require_admin(membership)
    errors = {}
    if not str(fields.get("name", "")).strip():
        errors["name"] = _("Geef de alarmregel een naam.")
    elif len(str(fields["name"]).strip()) > 120:
        errors["name"] = _("Een naam heeft hoogstens 120 tekens.")
    kind = fields.get("kind", AlertRule.Kind.WINDOW)
    metric = fields.get("metric", "")
    if metric not in Metric.values:
        errors["metric"] = _("Kies een meetwaarde.")
    scope = fields.get("scope", AlertRule.Scope.ALL)
    team = fields.get("team")
    if scope == AlertRule.Scope.TEAM and team is None:
        errors["team"] = _("Kies het team.")
    if team is not None and team.organization_id != membership.organization_id:
        errors["team"] = _("Onbekend team.")
    if scope == AlertRule.Scope.CHANNEL and fields.get("channel") not in Channel.values:
        errors["channel"] = _("Kies het kanaal.")
    if scope == AlertRule.Scope.REASON and not str(fields.get("reason", "")).strip():
        errors["reason"] = _("Vul de contactreden in.")
    if kind == AlertRule.Kind.WINDOW and not (fields.get("window_minutes") or fields.get("window_count")):
        errors["window_minutes"] = _("Kies een venster: een aantal minuten of een aantal reacties.")
    threshold = fields.get("threshold")
    if threshold is None:
        errors["threshold"] = _("Vul een drempel in.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if rule is None:
            rule = AlertRule(organization=membership.organization)
        for name, value in fields.items():
            setattr(rule, name, value)
        if rule.kind == AlertRule.Kind.SINGLE:
            rule.min_responses = 1
        rule.save()
        record_event(membership.organization, "alert.rule_saved", actor=membership.user, data={"rule_id": rule.pk})
    return rule


# --- Alerts -----------------------------------------------------------------------------------


def _in_scope(rule: AlertRule, response: Response) -> bool:
    if rule.scope == AlertRule.Scope.TEAM:
        return rule.team_id == response.team_id
    if rule.scope == AlertRule.Scope.CHANNEL:
        return rule.channel == response.channel
    if rule.scope == AlertRule.Scope.REASON:
        return rule.reason.strip().lower() == response.reason.strip().lower()
    return True


def _window_rows(rule: AlertRule, now: datetime) -> QuerySet[Response]:
    """The responses in the rule's window, newest first (at most ``window_count``)."""
    rows = Response.objects.for_org(rule.organization_id).filter(**{f"{rule.metric}__isnull": False})
    if rule.scope == AlertRule.Scope.TEAM:
        rows = rows.filter(team_id=rule.team_id)
    elif rule.scope == AlertRule.Scope.CHANNEL:
        rows = rows.filter(channel=rule.channel)
    elif rule.scope == AlertRule.Scope.REASON:
        rows = rows.filter(reason__iexact=rule.reason.strip())
    if rule.window_minutes:
        rows = rows.filter(created_at__gt=now - timedelta(minutes=rule.window_minutes))
    rows = rows.order_by("-created_at", "-pk")
    return rows[: rule.window_count] if rule.window_count else rows


def _window_stats(rule: AlertRule, now: datetime) -> tuple[int, float | None]:
    """(number of responses, figure) of the rule's window, counted by the database: an
    evaluation reads one row, whatever the window holds."""
    rows = _window_rows(rule, now)
    if rule.window_count:
        rows = Response.objects.filter(pk__in=rows.values("pk"))
    metric = rule.metric
    found = rows.order_by().aggregate(
        n=Count("pk"),
        avg=Avg(metric) if metric not in ("nps", "solved") else Count("pk"),
        high=Count("pk", filter=Q(nps__gte=9)) if metric == "nps" else Count("pk", filter=Q(solved=True)),
        low=Count("pk", filter=Q(nps__lte=6)),
    )
    n = found["n"] or 0
    if not n:
        return 0, None
    if metric == "nps":
        return n, 100.0 * (found["high"] - found["low"]) / n
    if metric == "solved":
        return n, 100.0 * found["high"] / n
    return n, float(found["avg"])


def _window(rule: AlertRule, now: datetime) -> list[tuple[int, int]]:
    return [(pk, int(value)) for pk, value in _window_rows(rule, now).values_list("pk", rule.metric)[:10000]]


def do_evaluate_alerts(response: Response, *, now: datetime | None = None) -> list[Alert]:
    """Evaluate every active rule the response falls under; returns the alerts raised.

    A window rule trips when it has at least ``min_responses`` and its figure is below the
    threshold; while its alert is open it does not trip again, and the alert resolves itself
    once the window is back at or above the threshold. A single-score rule trips on a response
    scoring at or below the threshold; while its alert is open, later ones join it.
    """
    now = now or timezone.now()
    raised: list[Alert] = []
    rules = [
        rule
        for rule in AlertRule.objects.for_org(response.organization_id)
        .filter(is_active=True)
        .select_related("organization")
        if _in_scope(rule, response)
    ]
    if not rules:
        return raised
    open_alerts = {
        alert.rule_id: alert
        for alert in Alert.objects.filter(rule__in=rules, status__in=Alert.OPEN_STATUSES).select_related("rule")
    }
    for rule in rules:
        open_alert = open_alerts.get(rule.pk)
        if rule.kind == AlertRule.Kind.SINGLE:
            score = response.score(rule.metric)
            if score is None or score > rule.threshold:
                continue
            if open_alert is not None:
                open_alert.responses.add(response)
                Alert.objects.filter(pk=open_alert.pk).update(sample=F("sample") + 1)
                continue
            alert = _raise(rule, float(score), 1, [response.pk])
        else:
            n, value = _window_stats(rule, now)
            if n < rule.min_responses or value is None:
                continue
            if value >= rule.threshold:
                if open_alert is not None:
                    do_resolve_alert(open_alert, actor=None, automatically=True, value=value)
                continue
            if open_alert is not None:
                continue
            window = _window(rule, now)  # read only when it trips: the responses that caused it
            causes = [pk for pk, v in window if v <= LOW[rule.metric]] or [pk for pk, _v in window]
            alert = _raise(rule, value, n, causes)
        if alert is not None:
            raised.append(alert)
    return raised


def _raise(rule: AlertRule, value: float, sample: int, response_ids: list[int]) -> Alert | None:
    try:
        with transaction.atomic():
            alert = Alert.objects.create(organization_id=rule.organization_id, rule=rule, value=value, sample=sample)
            alert.responses.set(response_ids)
            record_event(
                rule.organization,
                "alert.raised",
                actor=None,
                data={
                    "alert_id": alert.pk,
                    "rule_id": rule.pk,
                    "rule": rule.name,
                    "metric": rule.metric,
                    "value": round(value, 2),
                    "threshold": rule.threshold,
                    "responses": sample,
                    "response_ids": response_ids[:100],
                },
            )
            transaction.on_commit(lambda: _enqueue_notification(alert.pk))
            if rule.kind == AlertRule.Kind.WINDOW and rule.window_minutes:
                transaction.on_commit(lambda: _enqueue_recheck(alert.pk))
    except IntegrityError:  # another worker raised it a moment ago: no repeat
        return None
    return alert


# A time window also recovers without new responses, as the low ones age out of it.
RECHECK_MINUTES = 5


def _enqueue_recheck(alert_id: int) -> None:
    from loket.monitor.tasks import recheck_alert

    recheck_alert.using(run_after=timezone.now() + timedelta(minutes=RECHECK_MINUTES)).enqueue(alert_id)


def do_recheck_alert(alert: Alert, *, now: datetime | None = None) -> bool:
    """Re-evaluate an open time-window alarm; resolve it once the window has recovered (its figure
    at or above the threshold, or the low responses aged out below the minimum sample).
    Returns whether it is still open (and must be checked again)."""
    now = now or timezone.now()
    rule = alert.rule
    if not alert.is_open or not rule.is_active:
        return False
    n, value = _window_stats(rule, now)
    if n < rule.min_responses or (value is not None and value >= rule.threshold):
        do_resolve_alert(alert, actor=None, automatically=True, value=value)
        return False
    return True


def _enqueue_notification(alert_id: int) -> None:
    from loket.monitor.tasks import notify_alert

    notify_alert.enqueue(alert_id)


def check_acknowledge_alert(membership: Membership, alert: Alert) -> Alert:
    require_lead(membership)
    if alert.status != Alert.Status.OPEN:
        raise ValidationError(_("Dit alarm is al in behandeling of afgehandeld."))
    with transaction.atomic():
        alert.status = Alert.Status.ACKNOWLEDGED
        alert.acknowledged_at = timezone.now()
        alert.acknowledged_by = membership.user
        alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
        record_event(membership.organization, "alert.acknowledged", actor=membership.user, data={"alert_id": alert.pk})
    return alert


def check_comment_alert(membership: Membership, alert: Alert, text: str) -> AlertComment:
    require_lead(membership)
    if not text.strip():
        raise ValidationError({"text": _("Een opmerking mag niet leeg zijn.")})
    with transaction.atomic():
        comment = AlertComment.objects.create(
            organization_id=alert.organization_id, alert=alert, author=membership.user, text=text.strip()[:4000]
        )
        record_event(
            membership.organization,
            "alert.commented",
            actor=membership.user,
            data={"alert_id": alert.pk, "comment_id": comment.pk},
        )
    return comment


def check_resolve_alert(membership: Membership, alert: Alert) -> Alert:
    require_lead(membership)
    if not alert.is_open:
        raise ValidationError(_("Dit alarm is al afgehandeld."))
    return do_resolve_alert(alert, actor=membership.user)


def do_resolve_alert(
    alert: Alert, *, actor: User | None, automatically: bool = False, value: float | None = None
) -> Alert:
    with transaction.atomic():
        alert.status = Alert.Status.RESOLVED
        alert.resolved_at = timezone.now()
        alert.resolved_by = actor
        alert.auto_resolved = automatically
        alert.save(update_fields=["status", "resolved_at", "resolved_by", "auto_resolved"])
        record_event(
            Organization.objects.get(pk=alert.organization_id),
            "alert.resolved",
            actor=actor,
            data={
                "alert_id": alert.pk,
                "rule_id": alert.rule_id,
                "automatically": automatically,
                **({"value": round(value, 2)} if value is not None else {}),
            },
        )
    return alert
