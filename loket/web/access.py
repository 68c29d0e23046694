"""Who may see the desk: a logged-in member; who may write: not a viewer; admin pages: admins."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from loket.accounts.models import Membership, Organization, User


class DeskRequest(HttpRequest):
    """What OrganizationMiddleware and django-htmx add to a request (for type checking)."""

    user: User
    membership: Membership
    organization: Organization
    htmx: HtmxDetails


View = Callable[..., HttpResponseBase]


def member_required(view: View) -> View:
    """Login, then an active membership; a user without one gets a friendly page, not a crash."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(request, "membership", None) is None:
            return render(request, "web/no_membership.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def writer_required(view: View) -> View:
    """A POST by a member who may write (viewers are read-only: 403)."""
    return require_POST(writer_form(view))


def writer_form(view: View) -> View:
    """A form that only members who may write see (GET) and send (POST); viewers get 403."""

    @member_required
    @require_http_methods(["GET", "POST"])
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.membership.can_write:  # type: ignore[attr-defined]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def admin_required(view: View) -> View:
    @member_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.membership.is_admin:  # type: ignore[attr-defined]
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def is_partial(request: HttpRequest) -> bool:
    """An htmx request for a region (not a boosted page load)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted  # type: ignore[union-attr]


def safe_next(request: HttpRequest) -> str | None:
    """The ``next`` address a form sends the agent back to, when it is one of this site's own."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
