"""One case: header, timeline across channels, composer, handover, status and details."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.selectors import list_colleagues, list_teams
from loket.cases.actions import (
    check_add_note,
    check_change_status,
    check_hand_over,
    check_reply,
    check_take_case,
    check_update_case,
    reply_channel,
)
from loket.cases.models import Case
from loket.cases.selectors import access_case, case_timeline, other_cases
from loket.customers.models import Channel, Customer
from loket.customers.selectors import open_claims, panel_prefetches
from loket.integrations.sms.outbound import opted_out_reason
from loket.integrations.sms.outbound import recipient as sms_recipient
from loket.integrations.sms.segments import MAX_PARTS, segments
from loket.integrations.webchat.live import agent_typing
from loket.integrations.whatsapp.actions import check_send_template
from loket.integrations.whatsapp.selectors import templates_for_case
from loket.integrations.whatsapp.window import service_window
from loket.promises.views import promises_context
from loket.web.access import DeskRequest, is_partial, member_required, writer_form, writer_required
from loket.web.forms import CaseEditForm, ComposerForm, HandoverForm, StatusForm, TemplateForm, apply_errors


def _header_context(request: DeskRequest, case: Case) -> dict[str, Any]:
    return {"case": case, "can_write": request.membership.can_write}


def _case_context(request: DeskRequest, case: Case, **forms: Form) -> dict[str, Any]:
    """Everything on the case screen; a bound form with errors replaces the empty one."""
    channel = reply_channel(case)
    tags = ", ".join(tag.name for tag in case.tags.all())
    timeline = case_timeline(case)
    window = service_window(case, [entry.message for entry in timeline if entry.message])
    whatsapp: dict[str, Any] | None = None
    composer = ComposerForm(initial={"channel": channel})
    if request.membership.can_write and (channel == Channel.WHATSAPP or "template_form" in forms):
        # Outside the 24-hour window (or before it ever opened) WhatsApp takes only a template:
        # the template form comes first and the free-text composer offers the other channels.
        closed = window is None or not window.is_open
        template_form = forms.pop("template_form", None)
        if template_form is None:
            template_form = TemplateForm(offer=templates_for_case(case))
        whatsapp = {"closed": closed, "template_form": template_form}
        if closed:
            other = case.customer.preferred_channel
            composer = ComposerForm(
                initial={"channel": other if other and other != Channel.WHATSAPP else Channel.EMAIL},
                without=[Channel.WHATSAPP],
            )
    customer = _with_identities_and_subscriptions(case.customer)
    context = {
        **_header_context(request, case),
        "customer": customer,
        "claims": open_claims(customer),
        "claims_next": request.path,
        "other_cases": other_cases(case),
        "timeline": timeline,
        "whatsapp_window": window,
        "whatsapp": whatsapp,
        "composer_form": composer,
        "status_form": StatusForm(initial={"status": case.status}),
        "edit_form": CaseEditForm(
            initial={"subject": case.subject, "priority": case.priority, "reason": case.reason, "tags": tags}
        ),
    }
    context.update(promises_context(request, case, **{k: v for k, v in forms.items() if k == "promise_form"}))
    context.update(forms)
    context.update(_sms_context(case, context["composer_form"], channel))
    return context


def _sms_context(case: Case, composer: Form, default_channel: str) -> dict[str, Any]:
    """The composer's SMS part count (kept live by sms.js) and, on an SMS case, a warning when
    the customer's number opted out."""
    text = str(composer.data.get("text", "")) if composer.is_bound else ""
    channel = str(composer.data.get("channel") or default_channel) if composer.is_bound else default_channel
    recipient = sms_recipient(case) if default_channel == Channel.SMS else None
    return {
        "composer_channel": channel,
        "sms_segments": segments(text),
        "sms_max_parts": MAX_PARTS,
        "sms_opted_out": opted_out_reason(recipient) if recipient and recipient.opted_out_at else "",
    }


def _with_identities_and_subscriptions(customer: Customer) -> Customer:
    """The case's customer (already loaded with the case) plus what the customer panel lists."""
    prefetch_related_objects([customer], *panel_prefetches())
    return customer


@member_required
def case_detail(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return render(request, "web/case.html", _case_context(request, case))


@member_required
def case_timeline_partial(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return render(request, "web/case.html#timeline", {"case": case, "timeline": case_timeline(case)})


@member_required
def case_header_partial(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return render(request, "web/case.html#case-header", _header_context(request, case))


def _act(
    request: DeskRequest,
    case: Case,
    form: Form,
    form_name: str,
    action: Callable[[dict[str, Any]], object],
    done: str,
    *,
    page: str | None = None,
) -> HttpResponse:
    """Run an action with the form's data; on success redirect, else show the errors (400) on
    the case, or on the form's own ``page``."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("web:case", case.pk)
    if page is not None:
        return render(request, page, {"case": case, form_name: form}, status=400)
    return render(request, "web/case.html", _case_context(request, case, **{form_name: form}), status=400)


@writer_required
def case_reply(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return _act(
        request,
        case,
        ComposerForm(request.POST),
        "composer_form",
        lambda data: check_reply(request.membership, case, text=data["text"], channel=data["channel"]),
        _("Je antwoord staat klaar om te versturen."),
    )


@writer_form
def case_template(request: DeskRequest, case_id: int) -> HttpResponse:
    """A WhatsApp template for the customer. GET: the template chooser with the fields of the
    chosen one (``?template=<id>``; the region for htmx, else the case page); POST: send it."""
    case = access_case(request.organization, case_id)
    offer = templates_for_case(case)
    if request.method != "POST":
        form = TemplateForm(offer=offer, chosen=offer.get(request.GET.get("template", "")))
        if is_partial(request):
            context = {"case": case, "whatsapp": {"template_form": form, "closed": True}}
            return render(request, "web/case.html#whatsapp-templates", context)
        return render(request, "web/case.html", _case_context(request, case, template_form=form))
    form = TemplateForm(request.POST, offer=offer, chosen=offer.get(request.POST.get("template", "")))

    def send(data: dict[str, Any]) -> object:
        assert form.chosen is not None  # a valid choice is one of the offer's
        return check_send_template(request.membership, case, template=form.chosen, parameters=form.parameters())

    return _act(request, case, form, "template_form", send, _("Het sjabloon staat klaar om te versturen."))


@writer_required
@require_POST
def case_typing(request: DeskRequest, case_id: int) -> HttpResponse:
    """The agent is typing a chat reply: the visitor's widget shows it for a few seconds."""
    case = access_case(request.organization, case_id)
    agent_typing(case.pk, request.user.first_name or request.user.username)
    return HttpResponse(status=204)


@writer_required
def case_note(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return _act(
        request,
        case,
        ComposerForm(request.POST),
        "composer_form",
        lambda data: check_add_note(request.membership, case, text=data["text"]),
        _("Interne notitie opgeslagen."),
    )


@writer_form
def case_hand_over(request: DeskRequest, case_id: int) -> HttpResponse:
    """GET: the hand-over form (a page, or the dialog's content for htmx); POST: hand over."""
    case = access_case(request.organization, case_id)
    if request.method != "POST":
        others = list_colleagues(request.organization).exclude(pk=case.owner_id or 0)
        form = HandoverForm(colleagues=others, teams=list_teams(request.organization))
        template = "web/case_handover.html#handover-form" if request.htmx else "web/case_handover.html"
        return render(request, template, {"case": case, "handover_form": form})
    colleagues = {user.pk: user for user in list_colleagues(request.organization)}
    teams = {team.pk: team for team in list_teams(request.organization)}
    form = HandoverForm(request.POST, colleagues=colleagues.values(), teams=teams.values())

    def hand_over(data: dict[str, Any]) -> object:
        return check_hand_over(
            request.membership,
            case,
            to_user=colleagues.get(data["to_user"]),
            to_team=teams.get(data["to_team"]),
            reason=data["reason"],
            note=data["note"],
        )

    done = _("De zaak is overgedragen.")
    return _act(request, case, form, "handover_form", hand_over, done, page="web/case_handover.html")


@writer_required
def case_take(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    try:
        check_take_case(request.membership, case)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Je bent nu eigenaar van deze zaak."))
    return redirect("web:case", case.pk)


@writer_required
def case_status(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return _act(
        request,
        case,
        StatusForm(request.POST),
        "status_form",
        lambda data: check_change_status(request.membership, case, data["status"]),
        _("Status bijgewerkt."),
    )


@writer_required
def case_edit(request: DeskRequest, case_id: int) -> HttpResponse:
    case = access_case(request.organization, case_id)
    return _act(
        request,
        case,
        CaseEditForm(request.POST),
        "edit_form",
        lambda data: check_update_case(request.membership, case, **data),
        _("Zaakgegevens opgeslagen."),
    )
