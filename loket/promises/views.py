"""The desk's promise pages: make one from the case (quick actions), keep, break, cancel,
renegotiate, the team board, the kept-rate, and the agent's notifications."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.selectors import access_team, list_teams
from loket.cases.selectors import access_case
from loket.promises import actions, booking
from loket.promises.forms import CancelForm, NoteForm, PromiseForm, RenegotiateForm, quick_actions
from loket.promises.models import Promise
from loket.promises.selectors import (
    access_notification,
    access_promise,
    case_promises,
    kept_rate,
    kept_rate_totals,
    list_notifications,
    promise_history,
    team_board,
)
from loket.web.access import DeskRequest, member_required, safe_next, writer_required
from loket.web.forms import apply_errors


def promises_context(request: DeskRequest, case: Any, **forms: Form) -> dict[str, Any]:
    """The case view's promises panel: the promises with their countdown and the quick actions."""
    return {
        "case": case,
        "promises": case_promises(case),
        "quick_actions": quick_actions(),
        "promise_form": forms.get("promise_form") or PromiseForm(),
        "can_write": request.membership.can_write,
        "now": timezone.now(),
    }


@member_required
def case_promises_partial(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return render(request, "promises/_case_promises.html#case-promises", promises_context(request, case))


@writer_required
def promise_make(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    form = PromiseForm(request.POST)
    if form.is_valid():
        try:
            due_from, due_until = form.window()
            promise = actions.check_make_promise(
                request.membership,
                case,
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                due_from=due_from,
                due_until=due_until,
                external_ref=form.cleaned_data.get("external_ref") or "",
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Toezegging vastgelegd."))
            if form.cleaned_data.get("confirm"):
                _confirm(request, promise)
            return redirect("web:case", case.pk)
    context = promises_context(request, case, promise_form=form)
    return render(request, "promises/promise_form.html", context, status=400)


def _confirm(request: DeskRequest, promise: Promise) -> None:
    """The customer hears what was promised; when the channel refuses, the agent is told why."""
    try:
        actions.check_confirm_to_customer(request.membership, promise)
    except ValidationError as exc:
        messages.warning(
            request, _("De bevestiging aan de klant is niet verstuurd: %(reason)s") % {"reason": " ".join(exc.messages)}
        )
    else:
        messages.success(request, _("De klant krijgt een bevestiging van de toezegging."))


def _act(
    request: DeskRequest, promise: Promise, form: Form, run: Callable[[dict[str, Any]], object], done: str
) -> HttpResponse:
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(safe_next(request) or f"/zaken/{promise.case_id}/")
    context = {"promise": promise, "history": promise_history(promise), "form": form, "failed": request.path}
    return render(request, "promises/promise.html", context, status=400)


@member_required
def promise_detail(request: DeskRequest, promise_id: int) -> HttpResponse:
    promise = access_promise(request.organization, promise_id)
    context = {
        "promise": promise,
        "history": promise_history(promise),
        "renegotiate_form": RenegotiateForm(),
        "cancel_form": CancelForm(),
        "can_write": request.membership.can_write,
    }
    return render(request, "promises/promise.html", context)


@writer_required
def promise_keep(request: DeskRequest, promise_id: int) -> HttpResponse:
    promise = access_promise(request.organization, promise_id)
    return _act(
        request,
        promise,
        NoteForm(request.POST),
        lambda data: actions.check_keep_promise(request.membership, promise, note=data["note"]),
        _("Toezegging nagekomen."),
    )


@writer_required
def promise_break(request: DeskRequest, promise_id: int) -> HttpResponse:
    promise = access_promise(request.organization, promise_id)
    return _act(
        request,
        promise,
        NoteForm(request.POST),
        lambda data: actions.check_break_promise(request.membership, promise, note=data["note"]),
        _("Toezegging als gebroken gemarkeerd. Neem contact op met de klant."),
    )


@writer_required
def promise_cancel(request: DeskRequest, promise_id: int) -> HttpResponse:
    promise = access_promise(request.organization, promise_id)
    return _act(
        request,
        promise,
        CancelForm(request.POST),
        lambda data: actions.check_cancel_promise(request.membership, promise, reason=data["reason"]),
        _("Toezegging geannuleerd."),
    )


@writer_required
def promise_renegotiate(request: DeskRequest, promise_id: int) -> HttpResponse:
    promise = access_promise(request.organization, promise_id)
    form = RenegotiateForm(request.POST)

    def run(data: dict[str, Any]) -> object:
        due_from, due_until = form.window()
        return actions.check_renegotiate_promise(
            request.membership,
            promise,
            due_from=due_from,
            due_until=due_until,
            description=data["description"],
            note=data["note"],
        )

    return _act(request, promise, form, run, _("Nieuwe afspraak vastgelegd; de oude blijft in de geschiedenis."))


@writer_required
def booking_link_make(request: DeskRequest, case_id: int) -> HttpResponse:
    """Send the customer a link to pick a callback slot (as a reply on the case's channel)."""
    case = access_case(request.organization, case_id)
    try:
        booking.check_send_booking_link(request.membership, case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("De klant krijgt een link om zelf een terugbelmoment te kiezen."))
    return redirect("web:case", case.pk)


@member_required
def board(request: DeskRequest) -> HttpResponse:
    """The promises board per team: due today, at risk, broken."""
    teams = list(list_teams(request.organization))
    team = None
    if request.GET.get("team"):
        team = access_team(request.organization, request.GET["team"])
    context = {
        "teams": teams,
        "team": team,
        "board": team_board(request.organization, team.pk if team else None),
        "now": timezone.now(),
    }
    return render(request, "promises/board.html", context)


@member_required
def reliability(request: DeskRequest) -> HttpResponse:
    """Promise-kept rate per team, agent or kind, per week."""
    by = request.GET.get("by", "team")
    if by not in ("team", "agent", "kind"):
        by = "team"
    rows = kept_rate(request.organization, by=by)
    if by == "kind":
        labels = dict(Promise.Kind.choices)
        for row in rows:
            row["group"] = labels.get(row["group"], row["group"])
    context = {"rows": rows, "totals": kept_rate_totals(rows), "by": by}
    return render(request, "promises/reliability.html", context)


@member_required
def notifications(request: DeskRequest) -> HttpResponse:
    items = list_notifications(request.organization, request.user)
    return render(request, "promises/notifications.html", {"notifications": items})


@member_required
@require_POST
def notification_read(request: DeskRequest, notification_id: int) -> HttpResponse:
    notification = access_notification(request.organization, request.user, notification_id)
    actions.check_mark_notification_read(request.membership, notification)
    if notification.link:
        return redirect(notification.link)
    if notification.case_id:
        return redirect("web:case", notification.case_id)
    return redirect("promises:notifications")
