"""The monitor's pages: the dashboard (live), settings, alarms, an agent's own scores, and the
customer's response page (no login: the signed link is the permission)."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from loket.accounts.models import User
from loket.monitor.actions import (
    AlreadyAnswered,
    LinkExpired,
    check_acknowledge_alert,
    check_comment_alert,
    check_resolve_alert,
    check_save_alert_rule,
    check_save_dashboard,
    check_save_survey,
    do_answer,
    do_complete_response,
)
from loket.monitor.forms import AlertRuleForm, DashboardForm, SurveyForm
from loket.monitor.links import invitation_for
from loket.monitor.models import SCALES, Dashboard, SurveyInvitation
from loket.monitor.questions import SCALE_ENDS, wording
from loket.monitor.selectors import (
    access_alert,
    access_alert_rule,
    access_survey,
    alert_responses,
    coached_team_ids,
    dashboard_data,
    dashboard_of,
    list_alert_rules,
    list_alerts,
    list_responses,
    list_surveys,
)
from loket.web.access import DeskRequest, admin_required, is_partial, member_required


def _errors_to_form(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Dashboard ----------------------------------------------------------------------------------


@member_required
def dashboard(request: DeskRequest) -> HttpResponse:
    config = dashboard_of(request.organization)
    data = dashboard_data(request.organization, config)
    context = {"config": config, "data": data}
    template = "monitor/dashboard.html#dashboard" if is_partial(request) else "monitor/dashboard.html"
    return render(request, template, context)


@admin_required
@require_http_methods(["GET", "POST"])
def dashboard_settings(request: DeskRequest) -> HttpResponse:
    config = dashboard_of(request.organization)
    form = DashboardForm(request.POST or None, initial=DashboardForm.initial_for(config))
    if request.method == "POST" and form.is_valid():
        try:
            check_save_dashboard(request.membership, **form.values())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Het dashboard is aangepast."))
            return redirect("monitor:dashboard")
    return render(request, "monitor/dashboard_settings.html", {"form": form})


class _Echo:
    def write(self, value: str) -> str:
        return value


@member_required
def export_csv(request: DeskRequest) -> StreamingHttpResponse:
    """The responses of the dashboard's period as CSV (streamed: any number of rows)."""
    config = dashboard_of(request.organization)
    since = timezone.now() - timedelta(days=config.period_days)
    rows = list_responses(request.organization).filter(created_at__gte=since).iterator(chunk_size=2000)
    writer = csv.writer(_Echo())
    header = ["tijdstip", "zaak", "kanaal", "team", "medewerker", "contactreden"]
    header += ["csat", "rapportcijfer", "nps", "ces", "opgelost", "toelichting", "seconden_tot_reactie"]

    def lines() -> Any:
        yield writer.writerow(header)
        for r in rows:
            yield writer.writerow(
                [
                    timezone.localtime(r.created_at).isoformat(timespec="seconds"),
                    r.case.number,
                    r.channel,
                    r.team.name if r.team else "",
                    r.agent.display_name if r.agent else "",
                    r.reason,
                    r.csat if r.csat is not None else "",
                    r.mark if r.mark is not None else "",
                    r.nps if r.nps is not None else "",
                    r.ces if r.ces is not None else "",
                    "" if r.solved is None else ("ja" if r.solved else "nee"),
                    r.comment,
                    r.seconds_to_response,
                ]
            )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="monitor-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@member_required
def weekly(request: DeskRequest) -> HttpResponse:
    """A printable summary of the last seven days."""
    config = dashboard_of(request.organization)
    week = Dashboard(
        organization=request.organization,
        metrics=config.metrics or ["csat"],
        period_days=7,
        grouping=config.grouping,
        targets=config.targets,
    )
    return render(request, "monitor/weekly.html", {"config": week, "data": dashboard_data(request.organization, week)})


# --- Agent feedback ---------------------------------------------------------------------------


@member_required
def my_scores(request: DeskRequest) -> HttpResponse:
    """An agent's own scores and comments; a team lead picks a member of their team."""
    membership = request.membership
    if not membership.can_write:
        raise PermissionDenied
    agent: User = request.user
    team_members: list[User] = []
    if membership.is_lead:
        team_ids = coached_team_ids(membership)
        team_members = list(
            User.objects.filter(teams__in=team_ids, memberships__organization=request.organization)
            .distinct()
            .order_by("first_name", "username")
        )
        chosen = request.GET.get("agent", "")
        if chosen.isdigit():
            found = [u for u in team_members if u.pk == int(chosen)]
            if not found:
                raise Http404
            agent = found[0]
    config = dashboard_of(request.organization)
    mine = Dashboard(organization=request.organization, metrics=config.metrics or ["csat"], period_days=30)
    data = dashboard_data(request.organization, mine, agent_id=agent.pk)
    recent = list_responses(request.organization).filter(agent=agent)[:25]
    context = {"agent": agent, "team_members": team_members, "data": data, "config": mine, "recent": recent}
    return render(request, "monitor/my_scores.html", context)


# --- Surveys and alert rules (admins) ---------------------------------------------------------


@admin_required
@require_http_methods(["GET", "POST"])
def surveys(request: DeskRequest, survey_id: int | None = None) -> HttpResponse:
    survey = access_survey(request.organization, survey_id) if survey_id is not None else None
    initial = SurveyForm.initial_for(survey) if survey else {"q1": "csat", "q2": "text"}
    form = SurveyForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = check_save_survey(request.membership, survey, **form.values())
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Enquête “%(name)s” is opgeslagen.") % {"name": saved.name})
            return redirect("monitor:surveys")
    context = {"form": form, "survey": survey, "surveys": list_surveys(request.organization)}
    return render(request, "monitor/surveys.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def alert_rules(request: DeskRequest, rule_id: int | None = None) -> HttpResponse:
    rule = access_alert_rule(request.organization, rule_id) if rule_id is not None else None
    initial = AlertRuleForm.initial_for(rule) if rule else {"window_minutes": 120, "threshold": 3.5}
    form = AlertRuleForm(request.POST or None, organization=request.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = check_save_alert_rule(request.membership, rule, **form.cleaned_data)
        except ValidationError as error:
            _errors_to_form(form, error)
        else:
            messages.success(request, _("Alarmregel “%(name)s” is opgeslagen.") % {"name": saved.name})
            return redirect("monitor:alert_rules")
    context = {"form": form, "rule": rule, "rules": list_alert_rules(request.organization)}
    return render(request, "monitor/alert_rules.html", context)


# --- Alerts -----------------------------------------------------------------------------------


@member_required
def alerts(request: DeskRequest) -> HttpResponse:
    listed = list_alerts(request.organization)[:100]
    template = "monitor/alerts.html#alerts" if is_partial(request) else "monitor/alerts.html"
    return render(request, template, {"alerts": listed})


@member_required
def alert_detail(request: DeskRequest, alert_id: int) -> HttpResponse:
    alert = access_alert(request.organization, alert_id)
    context = {
        "alert": alert,
        "responses": alert_responses(alert),
        "comments": alert.comments.select_related("author"),
        "can_handle": request.membership.is_lead,
    }
    return render(request, "monitor/alert.html", context)


@member_required
@require_POST
def alert_action(request: DeskRequest, alert_id: int, action: str) -> HttpResponse:
    alert = access_alert(request.organization, alert_id)
    try:
        if action == "acknowledge":
            check_acknowledge_alert(request.membership, alert)
        elif action == "comment":
            check_comment_alert(request.membership, alert, request.POST.get("text", ""))
        elif action == "resolve":
            check_resolve_alert(request.membership, alert)
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("monitor:alert", alert_id=alert.pk)


# --- The customer's response page (no login) --------------------------------------------------


def _question_view(question: dict[str, str], language: str) -> dict[str, Any]:
    kind = question["kind"]
    view: dict[str, Any] = {"kind": kind, "text": wording(question, language)}
    if kind in SCALES:
        low, high = SCALES[kind]
        view["options"] = list(range(low, high + 1)) if kind != "solved" else [1, 0]
        ends = SCALE_ENDS.get(kind)
        if ends:
            view["ends"] = [str(ends[0]), str(ends[1])]
    return view


@require_http_methods(["GET", "POST"])
def survey_response(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the first question (one tap); POST ``answer``: stored at once; then the rest, once."""
    invitation = invitation_for(token)
    if invitation is None:
        return render(request, "monitor/response_gone.html", {"reason": "invalid"}, status=404)
    language = invitation.customer.language or "nl"
    with translation.override(language):
        return _respond(request, invitation, language)


def _respond(request: HttpRequest, invitation: SurveyInvitation, language: str) -> HttpResponse:
    survey = invitation.survey
    questions = [_question_view(q, language) for q in survey.questions]
    context: dict[str, Any] = {"organization": invitation.organization, "language": language}
    response = getattr(invitation, "response", None) if invitation.answered_at else None
    if response is None and invitation.expires_at <= timezone.now():
        return render(request, "monitor/response_gone.html", {**context, "reason": "expired"}, status=410)
    if request.method == "POST" and "answer" in request.POST:
        try:
            do_answer(invitation, request.POST["answer"])
        except ValueError as error:
            context.update(first=questions[0], error=str(error))
            return render(request, "monitor/response.html", context, status=400)
        except AlreadyAnswered:
            return render(request, "monitor/response_gone.html", {**context, "reason": "used"})
        except LinkExpired:
            return render(request, "monitor/response_gone.html", {**context, "reason": "expired"}, status=410)
        return redirect("survey_response", token=request.resolver_match.kwargs["token"])  # type: ignore[union-attr]
    if response is None:
        return render(request, "monitor/response.html", {**context, "first": questions[0]})
    rest = questions[1:]
    if response.completed_at is not None or not rest:
        if request.method == "POST":
            return render(request, "monitor/response_gone.html", {**context, "reason": "used"})
        return render(request, "monitor/response_thanks.html", context)
    if request.method == "POST":
        answers = {q["kind"]: request.POST.get(q["kind"], "") for q in rest}
        try:
            do_complete_response(response, answers, comment=request.POST.get("text", ""))
        except ValueError as error:
            context.update(rest=rest, error=str(error), posted=request.POST)
            return render(request, "monitor/response_more.html", context, status=400)
        except AlreadyAnswered:
            return render(request, "monitor/response_gone.html", {**context, "reason": "used"})
        return render(request, "monitor/response_thanks.html", context)
    return render(request, "monitor/response_more.html", {**context, "rest": rest})
