"""The request carries the organisation: every view and selector scopes through it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from loket.accounts.selectors import choose_membership, user_memberships

SESSION_KEY = "loket_organization_id"


class OrganizationMiddleware:
    """Sets ``request.membership`` and ``request.organization`` for a logged-in user.

    The organisation is the one chosen in the session (the switcher), or else the user's
    first active membership. A user without any membership has neither (None).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organization = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # One query serves both the current organisation and the switcher.
            request.memberships = user_memberships(user)  # type: ignore[attr-defined]
            membership = choose_membership(request.memberships, request.session.get(SESSION_KEY))  # type: ignore[attr-defined]
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.organization = membership.organization  # type: ignore[attr-defined]
        return self.get_response(request)
