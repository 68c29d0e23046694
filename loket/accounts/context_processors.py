from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def organization(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "organization": membership.organization,
        "membership": membership,
        # Read by the middleware already, in the same query as the current membership.
        "my_memberships": getattr(request, "memberships", []),
    }
