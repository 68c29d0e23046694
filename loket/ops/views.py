"""Health check for load balancers and monitoring: GET /health/ (no login, no tenant data)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not healthy", with its reason
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.REDIS_URL:
        try:
            cache.set("loket:health", "1", timeout=5)
            checks["redis"] = "ok" if cache.get("loket:health") == "1" else "error: no round trip"
        except Exception as exc:
            checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    body: dict[str, object] = {"status": "ok" if healthy else "error", **checks}
    if checks["database"] == "ok":
        body["inbound"] = _inbound_backlog()
    return JsonResponse(body, status=200 if healthy else 503)


BACKLOG_CAP = 10_000


def _inbound_backlog() -> dict[str, object]:
    """What the inbound workers have not processed yet (informational). ``lag_seconds`` is the
    age of the longest-waiting due message: when it grows, add inbound workers (or start one).
    Both read through the pending index; the count stops at BACKLOG_CAP."""
    from loket.integrations.models import InboundDelivery

    now = timezone.now()
    pending = InboundDelivery.objects.filter(status=InboundDelivery.Status.PENDING)
    count = pending.order_by()[:BACKLOG_CAP].count()
    oldest_due = (
        pending.filter(next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("received_at", flat=True)
        .first()
    )
    return {
        "pending": count if count < BACKLOG_CAP else f"{BACKLOG_CAP - 1}+",
        "lag_seconds": round(max(0.0, (now - oldest_due).total_seconds()), 1) if oldest_due else 0,
    }
