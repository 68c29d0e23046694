"""Pages without a desk login: the customer's booking page and the signed report webhook."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from loket.lib.secrets import SecretUnreadable, decrypt
from loket.promises import booking
from loket.promises.actions import do_report_outcome
from loket.promises.selectors import access_promise, access_promise_by_ref, find_reporter
from loket.webhooks.signing import verify

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Loket-Signature"


@require_http_methods(["GET", "POST"])
def booking_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the slots (or the booked call, to move or cancel); POST action=book|move|cancel."""
    try:
        link = booking.open_link(token)
    except booking.BookingError as invalid:
        return render(request, "promises/booking.html", {"error": invalid.reason}, status=invalid.status)
    error = ""
    done = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "book")
        try:
            if action == "cancel":
                booking.do_cancel(link)
                done = _("Uw afspraak is geannuleerd. U krijgt een bevestiging per e-mail.")
            elif action == "move":
                booking.do_move(link, request.POST.get("slot", ""))
                done = _("Uw afspraak is verplaatst. U krijgt een nieuwe bevestiging per e-mail.")
            else:
                booking.do_book(link, request.POST.get("slot", ""))
                done = _("Uw afspraak staat. U krijgt een bevestiging per e-mail.")
        except booking.BookingError as exc:
            error, status = exc.reason, exc.status
        link = booking.open_link(token)
    promise = link.promise
    active = promise is not None and promise.status == "open" and link.used_up_at is None
    context: dict[str, Any] = {
        "link": link,
        "promise": promise,
        "active": active,
        "used_up": link.used_up_at is not None,
        "slots": booking.slots(link) if (promise is None or active) and link.used_up_at is None else [],
        "error": error,
        "done": done,
        "organization": link.case.organization,
    }
    return render(request, "promises/booking.html", context, status=status)


@csrf_exempt
@require_POST
def report_webhook(request: HttpRequest, key: str) -> HttpResponse:
    """An outside system (carrier, ERP) reports a promise kept or failed.

    Body ``{"promise_id": 12 | "external_ref": "ORD-1", "outcome": "kept"|"failed", "reason": "…"}``,
    signed like Loket's own webhooks: ``X-Loket-Signature: t=<unix>,v1=<hmac-sha256 of "t.body">``
    with the reporter's secret. The key in the URL names the reporter (one organisation).
    """
    reporter = find_reporter(key)
    if reporter is None:
        return JsonResponse({"code": "not_found", "reason": "Unknown reporter."}, status=404)
    try:
        secret = decrypt(reporter.secret)
    except SecretUnreadable:
        return JsonResponse({"code": "misconfigured", "reason": "The reporter's secret is unreadable."}, status=503)
    if not verify(secret, request.headers.get(SIGNATURE_HEADER, ""), request.body):
        return JsonResponse({"code": "bad_signature", "reason": "Signature missing or invalid."}, status=401)
    try:
        body = json.loads(request.body)
        assert isinstance(body, dict)
    except (ValueError, AssertionError):
        return JsonResponse({"code": "bad_json", "reason": "The body is not a JSON object."}, status=400)
    organization = reporter.organization
    try:
        if body.get("promise_id") is not None:
            promise = access_promise(organization, body["promise_id"])
        else:
            promise = access_promise_by_ref(organization, str(body.get("external_ref") or ""))
    except Exception:  # Http404 or a malformed id
        return JsonResponse({"code": "not_found", "reason": "No such promise."}, status=404)
    try:
        promise = do_report_outcome(
            promise,
            outcome=str(body.get("outcome", "")),
            reason=str(body.get("reason", ""))[:2000],
            reporter=reporter.name,
        )
    except ValidationError as exc:
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        return JsonResponse({"code": "invalid", "reason": "Invalid report.", "fields": fields}, status=422)
    return JsonResponse(
        {"promise_id": promise.pk, "status": promise.status, "kept_late": promise.kept_late_at is not None}
    )
