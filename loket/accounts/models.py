"""Organisations (tenants), the people who work in them, their teams and API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.db.models import QuerySet


class User(AbstractUser):
    """A person who logs in. What they may do depends on their memberships."""

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Organization(models.Model):
    """A tenant: a brand, or a client of a contact center. All data belongs to exactly one."""

    name = models.CharField(_("naam"), max_length=200)
    slug = models.SlugField(_("korte naam"), max_length=60, unique=True)
    case_prefix = models.CharField(
        _("voorvoegsel zaaknummer"), max_length=4, default="Z", help_text=_("Bijv. Z voor Z-2026-000123.")
    )
    default_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("standaardteam"),
        help_text=_("Nieuwe zaken zonder eigenaar komen in de wachtrij van dit team."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisatie")
        verbose_name_plural = _("organisaties")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TenantQuerySet(models.QuerySet):
    """The one scoping mechanism: every tenant query starts with ``for_org``."""

    def for_org(self, organization: Organization | int) -> QuerySet[Any]:
        org_id = organization if isinstance(organization, int) else organization.pk
        return self.filter(organization_id=org_id)


class TenantModel(models.Model):
    """Base for every model that belongs to one organisation."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True


class Role(models.TextChoices):
    AGENT = "agent", _("Medewerker")
    LEAD = "lead", _("Teamleider")
    ADMIN = "admin", _("Beheerder")
    VIEWER = "viewer", _("Meekijker")


class Membership(TenantModel):
    """A user's place in one organisation. One user may have several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("rol"), max_length=10, choices=Role.choices, default=Role.AGENT)
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("lidmaatschap")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization_id} ({self.role})"

    @property
    def can_write(self) -> bool:
        return self.is_active and self.role != Role.VIEWER

    @property
    def is_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    @property
    def is_lead(self) -> bool:
        return self.is_active and self.role in (Role.LEAD, Role.ADMIN)


class Team(TenantModel):
    name = models.CharField(_("naam"), max_length=120)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="teams", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("team")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    READ = "read", _("Lezen")
    WRITE = "write", _("Schrijven")
    INBOUND = "inbound", _("Inkomende berichten")
    ADMIN = "admin", _("Beheer")


class ApiToken(TenantModel):
    """A secret for the REST API, scoped to one organisation. Only its hash is stored."""

    name = models.CharField(_("naam"), max_length=120)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("verloopt op"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API-sleutel")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes or Scope.ADMIN in self.scopes


class BusinessHours(TenantModel):
    """Openingstijden: when the organisation (``team`` empty) or one team is open.

    A team's own hours replace the organisation's for that team (its chat widget, and the
    callback slots it offers). Read through ``selectors.business_hours_for``, which turns the row
    into an ``hours.Calendar``; ``weekly`` and ``exceptions`` hold that calendar's JSON (wall-clock
    times in settings.TIME_ZONE), written only by ``actions.do_set_business_hours``.
    """

    team = models.OneToOneField(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="business_hours", verbose_name=_("team")
    )
    # {"monday": [["09:00", "12:30"], ["13:00", "17:00"]], …, "sunday": []}
    weekly = models.JSONField(_("openingstijden per weekdag"), default=dict)
    observe_holidays = models.BooleanField(_("gesloten op feestdagen"), default=True)
    holiday_country = models.CharField(_("land van de feestdagen"), max_length=3, default="NL")
    # [{"date": "2026-12-24", "label": "Kerstavond", "hours": [["09:00", "16:00"]]}]: no hours is closed.
    exceptions = models.JSONField(_("uitzonderingen"), default=list, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("openingstijden")
        verbose_name_plural = _("openingstijden")
        constraints = [
            models.UniqueConstraint(
                fields=["organization"], condition=models.Q(team__isnull=True), name="businesshours_one_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}/{self.team_id or '-'}"
