"""The gate of every API request: token, rate limit, scope — in that order.

Decision (docs/api.md, "Authentication"): a token acts for its organisation with the
permissions of its scopes, not of the person who created it. Writes go through the same
``check_*`` actions as the desk, which take a ``Membership``; ``ApiActor.membership`` is an
unsaved one in the token's organisation whose role follows the scopes (admin → admin,
write → agent, otherwise viewer) and whose user is the token's creator, so the audit trail
names the person responsible for the integration. A token whose creator was deleted can
still read and deliver inbound messages, but its writes are refused (403): issue a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from loket.accounts.actions import TOKEN_PREFIX, do_note_token_used
from loket.accounts.models import ApiToken, Membership, Organization, Role, Scope
from loket.accounts.selectors import find_token
from loket.api import ratelimit
from loket.api.errors import ApiError

MAX_TOKEN_LENGTH = 200


@dataclass
class ApiActor:
    """Who is calling: the token, its organisation, and a membership to act with."""

    token: ApiToken

    @property
    def organization(self) -> Organization:
        return self.token.organization

    @cached_property
    def membership(self) -> Membership:
        creator = self.token.created_by
        if creator is None:
            raise PermissionDenied("The person who created this token no longer exists; issue a new token.")
        if self.token.has_scope(Scope.ADMIN):
            role = Role.ADMIN
        elif self.token.has_scope(Scope.WRITE):
            role = Role.AGENT
        else:
            role = Role.VIEWER
        return Membership(organization=self.token.organization, user=creator, role=role, is_active=True)


def _unauthenticated(code: str, reason: str) -> ApiError:
    return ApiError(401, code, reason, headers={"WWW-Authenticate": 'Bearer realm="loket"'})


class TokenAuth(HttpBearer):
    """``Authorization: Bearer lkt_…`` with the given scope (admin implies every scope)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def __call__(self, request: HttpRequest) -> ApiActor:
        header = request.headers.get("Authorization", "")
        kind, _space, secret = header.partition(" ")
        if kind.lower() != "bearer" or not secret.strip():
            raise _unauthenticated("unauthenticated", "Send a token: 'Authorization: Bearer lkt_…'.")
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiActor:
        found = None
        if token.startswith(TOKEN_PREFIX) and len(token) <= MAX_TOKEN_LENGTH:
            found = find_token(token)
        if found is None:
            raise _unauthenticated("unauthenticated", "Unknown token.")
        now = timezone.now()
        if found.revoked_at is not None:
            raise _unauthenticated("token_revoked", "This token has been revoked.")
        if not found.is_usable(now):
            raise _unauthenticated("token_expired", "This token has expired.")
        do_note_token_used(found, now)

        verdict = ratelimit.hit(found.pk)
        if not verdict.allowed:
            raise ApiError(
                429,
                "rate_limited",
                f"Too many requests for this token; try again in {verdict.retry_after} s.",
                headers={"Retry-After": str(verdict.retry_after)},
            )
        if not found.has_scope(self.scope):
            raise ApiError(403, "missing_scope", f"This token lacks the '{self.scope}' scope.")
        return ApiActor(found)


READ = TokenAuth(Scope.READ)
WRITE = TokenAuth(Scope.WRITE)
INBOUND = TokenAuth(Scope.INBOUND)
ADMIN = TokenAuth(Scope.ADMIN)


def actor_of(request: HttpRequest) -> ApiActor:
    return request.auth  # type: ignore[attr-defined,no-any-return]
