"""Health check for load balancers and monitoring: GET /health/ (no login, no tenant data)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
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
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)
