"""Writes on organisations, memberships, teams and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts import hours
from loket.accounts.models import ApiToken, BusinessHours, Membership, Organization, Role, Scope, Team, User

TOKEN_PREFIX = "lkt_"  # noqa: S105 - a public prefix that makes leaked tokens recognisable


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; never stored with the token (the desk passes it through the session to one page view)


def do_create_organization(name: str, slug: str, *, case_prefix: str = "Z") -> Organization:
    return Organization.objects.create(name=name, slug=slug, case_prefix=case_prefix)


def do_add_member(organization: Organization, user: User, role: str = Role.AGENT) -> Membership:
    membership, _created = Membership.objects.update_or_create(
        organization=organization, user=user, defaults={"role": role, "is_active": True}
    )
    return membership


def do_create_team(organization: Organization, name: str, members: list[User] | None = None) -> Team:
    with transaction.atomic():
        team, _created = Team.objects.get_or_create(organization=organization, name=name)
        if members:
            team.members.add(*members)
    return team


def check_create_token(
    membership: Membership, name: str, scopes: list[str], expires_at: datetime | None = None
) -> IssuedToken:
    if not membership.is_admin:
        raise PermissionDenied
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Geef de sleutel een naam.")})
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValidationError({"scopes": _("Kies een of meer geldige rechten.")})
    return do_create_token(membership.organization, name, scopes, actor=membership.user, expires_at=expires_at)


def do_create_token(
    organization: Organization,
    name: str,
    scopes: list[str],
    *,
    actor: User | None,
    expires_at: datetime | None = None,
    secret: str | None = None,
) -> IssuedToken:
    """Issue a token. ``secret`` may be given (demo data); otherwise a random one is made."""
    raw = secret or TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization=organization,
        name=name,
        prefix=raw[: len(TOKEN_PREFIX) + 8],
        token_hash=hash_token(raw),
        scopes=sorted(set(scopes)),
        created_by=actor,
        expires_at=expires_at,
    )
    return IssuedToken(token=token, secret=raw)


def check_revoke_token(membership: Membership, token: ApiToken) -> ApiToken:
    if not membership.is_admin or token.organization_id != membership.organization_id:
        raise PermissionDenied
    return do_revoke_token(token)


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def do_note_token_used(token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used; at most one write a minute per token.

    The conditional UPDATE makes concurrent requests of one token write once, not each.
    """
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_RESOLUTION:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - TOKEN_USE_RESOLUTION)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def do_revoke_token(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- Members and teams (the admin pages) ------------------------------------------------------


def _require_admin(membership: Membership) -> None:
    if not membership.is_admin:
        raise PermissionDenied(_("Alleen beheerders mogen dit."))


def _require_role(role: str) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("Kies een geldige rol.")})


def check_add_member(membership: Membership, *, username: str, role: str) -> Membership:
    """Give an existing user (by username) a role here; reactivates a former member."""
    _require_admin(membership)
    _require_role(role)
    user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        raise ValidationError({"username": _("Er is geen gebruiker met deze gebruikersnaam.")})
    existing = Membership.objects.for_org(membership.organization).filter(user=user, is_active=True).first()
    if existing is not None:
        raise ValidationError({"username": _("Deze gebruiker is al lid van de organisatie.")})
    return do_add_member(membership.organization, user, role)


def check_create_member(
    membership: Membership,
    *,
    username: str,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    password: str = "",
) -> Membership:
    """Create a user and make them a member. Without a password they set one via "wachtwoord vergeten"."""
    from django.contrib.auth.password_validation import validate_password

    _require_admin(membership)
    _require_role(role)
    username = username.strip()
    if not username:
        raise ValidationError({"username": _("Geef een gebruikersnaam.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("Deze gebruikersnaam is al in gebruik.")})
    user = User(username=username, email=email.strip(), first_name=first_name.strip(), last_name=last_name.strip())
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
        return do_add_member(membership.organization, user, role)


def _require_other_member(membership: Membership, member: Membership) -> None:
    if member.organization_id != membership.organization_id:
        raise PermissionDenied
    if member.user_id == membership.user_id:
        # An admin who demotes or deactivates themselves may lock the organisation out.
        raise ValidationError(_("Je kunt je eigen rol of lidmaatschap niet wijzigen; vraag een andere beheerder."))


def check_change_role(membership: Membership, member: Membership, role: str) -> Membership:
    _require_admin(membership)
    _require_other_member(membership, member)
    _require_role(role)
    member.role = role
    member.save(update_fields=["role"])
    return member


def check_set_member_active(membership: Membership, member: Membership, active: bool) -> Membership:
    _require_admin(membership)
    _require_other_member(membership, member)
    return do_set_member_active(member, active)


def do_set_member_active(member: Membership, active: bool) -> Membership:
    member.is_active = active
    member.save(update_fields=["is_active"])
    return member


def check_create_team(membership: Membership, name: str) -> Team:
    _require_admin(membership)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Geef het team een naam.")})
    if Team.objects.for_org(membership.organization).filter(name__iexact=name).exists():
        raise ValidationError({"name": _("Er is al een team met deze naam.")})
    return do_create_team(membership.organization, name)


def check_set_team_members(membership: Membership, team: Team, users: list[User]) -> Team:
    """Replace the team's members; only active members of the organisation may join."""
    _require_admin(membership)
    if team.organization_id != membership.organization_id:
        raise PermissionDenied
    allowed = set(
        Membership.objects.for_org(membership.organization).filter(is_active=True).values_list("user_id", flat=True)
    )
    if any(user.pk not in allowed for user in users):
        raise ValidationError({"members": _("Alleen medewerkers van deze organisatie kunnen in een team.")})
    team.members.set(users)
    return team


# --- Opening hours ------------------------------------------------------------------------------


def check_set_business_hours(
    membership: Membership, calendar: hours.Calendar, *, team: Team | None = None
) -> BusinessHours:
    """Set the organisation's opening hours, or (``team``) the team's own, which replace the
    organisation's for that team. The calendar was validated when it was parsed (``hours``)."""
    _require_admin(membership)
    if team is not None and team.organization_id != membership.organization_id:
        raise PermissionDenied
    return do_set_business_hours(membership.organization, calendar, team=team, actor=membership.user)


def do_set_business_hours(
    organization: Organization, calendar: hours.Calendar, *, team: Team | None = None, actor: User | None
) -> BusinessHours:
    with transaction.atomic():
        row, _created = BusinessHours.objects.select_for_update().update_or_create(
            organization=organization,
            team=team,
            defaults={
                "weekly": calendar.weekly_json(),
                "observe_holidays": calendar.observe_holidays,
                "holiday_country": calendar.holiday_country,
                "exceptions": [item.to_json() for item in calendar.exceptions],
                "updated_at": timezone.now(),
                "updated_by": actor,
            },
        )
    return row


def check_remove_business_hours(membership: Membership, team: Team) -> None:
    """The team follows the organisation's opening hours again."""
    _require_admin(membership)
    if team.organization_id != membership.organization_id:
        raise PermissionDenied
    BusinessHours.objects.for_org(membership.organization).filter(team=team).delete()
