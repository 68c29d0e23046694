from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from loket.accounts import hours
from loket.accounts.models import ApiToken, BusinessHours, Membership, Organization, Role, Team, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def active_membership(user: User | AnonymousUser, organization_id: int | None) -> Membership | None:
    return choose_membership(user_memberships(user), organization_id)


def user_memberships(user: User | AnonymousUser) -> list[Membership]:
    """All active memberships of the user, by organisation name (one query; a user has few)."""
    if user.pk is None:
        return []
    return list(list_memberships(user))  # type: ignore[arg-type]


def choose_membership(memberships: list[Membership], organization_id: int | None) -> Membership | None:
    """The membership of the chosen organisation, else the one the user joined first (their
    home organisation, not whichever sorts first by name); None without any."""
    for membership in memberships:
        if membership.organization_id == organization_id:
            return membership
    return min(memberships, key=lambda m: (m.created_at, m.pk)) if memberships else None


def list_memberships(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True)
        .select_related("organization")
        .order_by("organization__name")
    )


def list_members(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.for_org(organization)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )


def list_colleagues(organization: Organization) -> QuerySet[User]:
    """Users who can own cases in this organisation (active, not read-only)."""
    # A semi-join on the memberships (one per user and organisation): no DISTINCT, no second
    # join for the viewers, and half the CPU to build on the inbox, which lists them every time.
    members = Membership.objects.filter(organization=organization, is_active=True).exclude(role=Role.VIEWER)
    return User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by(
        "first_name", "last_name", "username"
    )


def list_teams(organization: Organization) -> QuerySet[Team]:
    return Team.objects.for_org(organization).order_by("name")


def access_team(organization: Organization, team_id: int | str) -> Team:
    try:
        return Team.objects.for_org(organization).get(pk=int(team_id))
    except (Team.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_colleague(organization: Organization, user_id: int | str) -> User:
    try:
        return list_colleagues(organization).get(pk=int(user_id))
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_tokens(organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.for_org(organization).select_related("created_by")


def access_token(organization: Organization, token_id: int | str) -> ApiToken:
    try:
        return ApiToken.objects.for_org(organization).get(pk=int(token_id))
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_membership(organization: Organization, membership_id: int | str) -> Membership:
    try:
        return list_members(organization).get(pk=int(membership_id))
    except (Membership.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_member_choices(organization: Organization) -> QuerySet[User]:
    """Active users of this organisation, any role (team membership, owner filters)."""
    return (
        User.objects.filter(memberships__organization=organization, memberships__is_active=True)
        .order_by("first_name", "last_name", "username")
        .distinct()
    )


def find_token(secret: str) -> ApiToken | None:
    """The token with this secret (looked up by its hash), with organisation and creator."""
    from loket.accounts.actions import hash_token

    return ApiToken.objects.select_related("organization", "created_by").filter(token_hash=hash_token(secret)).first()


# --- Opening hours ------------------------------------------------------------------------------


def business_hours_row(organization: Organization | int, team: Team | None = None) -> BusinessHours | None:
    """The organisation's own row (``team`` None) or the team's own row; None when not set."""
    org_id = organization if isinstance(organization, int) else organization.pk
    return BusinessHours.objects.for_org(org_id).filter(team=team).first()


def calendar_of(row: BusinessHours | None) -> hours.Calendar:
    """The row as a calendar; without a row: always open."""
    if row is None:
        return hours.ALWAYS_OPEN
    return hours.from_json(
        row.weekly,
        row.exceptions,
        holiday_country=row.holiday_country,
        observe_holidays=row.observe_holidays,
        zone=settings.TIME_ZONE,
    )


def business_hours_for(organization: Organization | int, team_id: int | None = None) -> hours.Calendar:
    """The hours that apply to a team: its own, else the organisation's, else always open. One query."""
    org_id = organization if isinstance(organization, int) else organization.pk
    rows = {
        row.team_id: row
        for row in BusinessHours.objects.for_org(org_id).filter(Q(team__isnull=True) | Q(team_id=team_id))
    }
    return calendar_of(rows.get(team_id) if team_id in rows else rows.get(None))
