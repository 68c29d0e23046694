from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from loket.accounts.selectors import list_memberships


def organization(request: HttpRequest) -> dict[str, Any]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}
    return {
        "organization": membership.organization,
        "membership": membership,
        # Lazy: only evaluated by templates that show the switcher.
        "my_memberships": lambda: list(list_memberships(request.user)),  # type: ignore[arg-type]
    }
