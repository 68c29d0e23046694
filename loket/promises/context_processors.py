from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The agent's unread notifications, counted only when a page shows the count (a callable:
    the template calls it, once, inside ``{% with %}``)."""
    membership = getattr(request, "membership", None)
    if membership is None:
        return {}

    def unread() -> int:
        from loket.promises.selectors import unread_count

        return unread_count(membership.organization, request.user)  # type: ignore[arg-type]

    return {"unread_notifications": unread}
