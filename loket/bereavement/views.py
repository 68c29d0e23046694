"""The public report form (no login) and the desk's bereavement pages."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from loket.bereavement.actions import (
    check_confirm_match,
    check_report_death,
    check_settle_subscription,
    check_undo_match,
    is_specialist,
)
from loket.bereavement.forms import DeathReportForm, SettleForm, UndoForm
from loket.bereavement.models import BereavementSettings, DeathNotification
from loket.bereavement.selectors import (
    access_deceased_subscription,
    access_notification,
    find_candidates,
    list_deceased_subscriptions,
    list_notifications,
)
from loket.customers.selectors import access_customer
from loket.web.access import DeskRequest, member_required, writer_form, writer_required
from loket.web.forms import apply_errors
from loket.web.views.attachments import download

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
def public_report(request: HttpRequest, key: str) -> HttpResponse:
    """The next of kin's form. Whatever was reported, the answer is the same thank-you page:
    it never tells whether the deceased was a customer."""
    row = BereavementSettings.objects.select_related("organization").filter(public_key=key).first()
    if row is None:
        raise Http404
    form = DeathReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            notification = check_report_death(
                row.organization, form.report(), source=DeathNotification.Source.WEB, document=form.uploaded_document()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return render(
                request, "bereavement/public_done.html", {"notification": notification, "org": row.organization}
            )
    status = 400 if request.method == "POST" else 200
    return render(request, "bereavement/public_form.html", {"form": form, "org": row.organization}, status=status)


@member_required
def notification_list(request: DeskRequest) -> HttpResponse:
    notifications = list_notifications(request.organization)[:200]
    row = BereavementSettings.objects.for_org(request.organization).first()
    public_url = request.build_absolute_uri(reverse("bereavement_public", args=[row.public_key])) if row else ""
    return render(request, "bereavement/list.html", {"notifications": notifications, "public_url": public_url})


@writer_form
def notification_new(request: DeskRequest) -> HttpResponse:
    """An agent taking the call fills in the same report for the caller."""
    form = DeathReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            notification = check_report_death(
                request.organization,
                form.report(),
                source=DeathNotification.Source.DESK,
                membership=request.membership,
                document=form.uploaded_document(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Melding vastgelegd als zaak %(number)s.") % {"number": notification.case.number},
            )
            return redirect("bereavement_detail", notification.pk)
    return render(request, "bereavement/new.html", {"form": form}, status=400 if request.method == "POST" else 200)


@member_required
def notification_detail(request: DeskRequest, death_notification_id: int) -> HttpResponse:
    notification = access_notification(request.organization, death_notification_id)
    candidates = find_candidates(notification) if notification.customer_id is None else []
    context = {
        "notification": notification,
        "candidates": candidates,
        "specialist": is_specialist(request.membership),
        "linked_cases": notification.linked_cases.order_by("number"),
        "undo_form": UndoForm(),
        "subscriptions": list_deceased_subscriptions(notification),
        "settle_form": SettleForm(),
    }
    return render(request, "bereavement/detail.html", context)


@writer_required
def notification_confirm(request: DeskRequest, death_notification_id: int) -> HttpResponse:
    notification = access_notification(request.organization, death_notification_id)
    try:
        customer = access_customer(request.organization, request.POST.get("customer", "").strip())
    except Http404:
        messages.error(request, _("Geen klant met dit klantnummer."))
        return redirect("bereavement_detail", notification.pk)
    try:
        check_confirm_match(request.membership, notification, customer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s is als overleden geregistreerd.") % {"name": customer.display_name})
    return redirect("bereavement_detail", notification.pk)


@writer_required
def notification_undo(request: DeskRequest, death_notification_id: int) -> HttpResponse:
    notification = access_notification(request.organization, death_notification_id)
    form = UndoForm(request.POST)
    form.is_valid()
    try:
        check_undo_match(request.membership, notification, reason=form.cleaned_data.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("De koppeling is ongedaan gemaakt; de klant is weer actief."))
    return redirect("bereavement_detail", notification.pk)


@member_required
def notification_document(request: DeskRequest, death_notification_id: int) -> HttpResponse:
    """The certificate or mandate: only for the bereavement team (others get a 404, as if none)."""
    notification = access_notification(request.organization, death_notification_id)
    if not notification.document or not is_specialist(request.membership):
        raise Http404
    return download(notification.document, notification.document_name, notification.document_type)


@writer_required
def notification_settle(request: DeskRequest, death_notification_id: int) -> HttpResponse:
    """End, transfer or keep one subscription of the deceased."""
    notification = access_notification(request.organization, death_notification_id)
    subscription = access_deceased_subscription(notification, request.POST.get("subscription", ""))
    form = SettleForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("bereavement_detail", notification.pk)
    try:
        check_settle_subscription(request.membership, notification, subscription, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(product)s is afgehandeld.") % {"product": subscription.product})
    return redirect("bereavement_detail", notification.pk)
