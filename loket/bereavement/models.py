"""Overlijdensmelding: the report of a customer's death, and who in the organisation handles it.

A report opens one bereavement case, owned by a specialist of the organisation's bereavement
team (``BereavementSettings.team``). The report names the deceased as the reporter knows them;
it is linked to a customer only when the specialist confirms a candidate (``customer``), and
that link can be undone.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel


def new_public_key() -> str:
    return secrets.token_urlsafe(12)


class BereavementSettings(TenantModel):
    """Per organisation: the team that handles deaths, and the key of its public report form.

    A row of its own rather than a flag on ``Team``: one team per organisation, and the public
    key (part of the form's URL) belongs with it. Made by ``do_set_bereavement_team``.
    """

    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="+", verbose_name=_("nabestaandenteam")
    )
    public_key = models.CharField(
        _("sleutel van het openbare formulier"), max_length=40, unique=True, default=new_public_key
    )

    class Meta:
        verbose_name = _("instellingen overlijden")
        constraints = [models.UniqueConstraint(fields=["organization"], name="bereavementsettings_one_per_org")]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.team_id}"


def document_path(instance: DeathNotification, filename: str) -> str:
    return f"org-{instance.organization_id}/bereavement/{timezone.now():%Y/%m}/{filename}"


class DeathNotification(TenantModel):
    class Source(models.TextChoices):
        WEB = "web", _("Webformulier")
        DESK = "desk", _("Telefoon (medewerker)")
        API = "api", _("API")

    class Mandate(models.TextChoices):
        EXECUTOR = "executor", _("Executeur")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Volmacht")
        HEIR = "heir", _("Erfgenaam")
        ESTATE_SERVICE = "estate_service", _("Nazorgdienst")
        NONE = "none", _("Geen")

    class Contact(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Telefoon")

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="death_notification")
    source = models.CharField(_("bron"), max_length=10, choices=Source.choices)
    # The deceased, as the reporter gave them.
    deceased_name = models.CharField(_("naam overledene"), max_length=200)
    deceased_date_of_birth = models.DateField(_("geboortedatum"), null=True, blank=True)
    deceased_address = models.CharField(_("adres"), max_length=300, blank=True)
    deceased_postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    deceased_customer_number = models.CharField(_("klantnummer"), max_length=100, blank=True)
    deceased_email = models.CharField(_("e-mailadres overledene"), max_length=320, blank=True)
    deceased_phone = models.CharField(_("telefoonnummer overledene"), max_length=40, blank=True)
    date_of_death = models.DateField(_("overlijdensdatum"))
    # The next of kin (nabestaande) who reported it: the bereavement case's customer.
    reporter_name = models.CharField(_("naam melder"), max_length=200)
    reporter_email = models.CharField(_("e-mailadres melder"), max_length=320, blank=True)
    reporter_phone = models.CharField(_("telefoonnummer melder"), max_length=40, blank=True)
    relation = models.CharField(_("relatie tot overledene"), max_length=100, blank=True)
    mandate = models.CharField(_("machtiging"), max_length=20, choices=Mandate.choices, default=Mandate.NONE)
    preferred_contact = models.CharField(
        _("voorkeur voor contact"), max_length=10, choices=Contact.choices, default=Contact.EMAIL
    )
    document = models.FileField(upload_to=document_path, max_length=300, blank=True)
    document_name = models.CharField(max_length=255, blank=True)
    document_type = models.CharField(max_length=150, blank=True)
    document_size = models.PositiveBigIntegerField(default=0)
    # The customer the specialist confirmed; empty until then (and again after an undo).
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="death_notifications"
    )
    matched_at = models.DateTimeField(null=True, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The deceased customer's other open cases, linked on confirmation (unlinked by an undo).
    linked_cases = models.ManyToManyField("cases.Case", blank=True, related_name="+", through="LinkedCase")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("overlijdensmelding")
        verbose_name_plural = _("overlijdensmeldingen")
        indexes = [models.Index(fields=["organization", "-created_at"], name="deathnotification_org_created")]

    def __str__(self) -> str:
        return self.deceased_name


class LinkedCase(TenantModel):
    """An open case of the deceased, linked to the bereavement case on confirmation and handed
    over to its specialist; ``previous_owner`` gets it back when the match is undone."""

    notification = models.ForeignKey(DeathNotification, on_delete=models.CASCADE, related_name="links")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["notification", "case"], name="linkedcase_unique")]


class SubscriptionAction(TenantModel):
    """What the specialist decided for one subscription of the deceased: end it (on a date),
    transfer it to a named person (a customer of their own), or keep it until a date."""

    class Kind(models.TextChoices):
        END = "end", _("Beëindigen")
        TRANSFER = "transfer", _("Overzetten")
        KEEP = "keep", _("Aanhouden tot")

    notification = models.ForeignKey(DeathNotification, on_delete=models.CASCADE, related_name="subscription_actions")
    subscription = models.OneToOneField(
        "customers.Subscription", on_delete=models.CASCADE, related_name="bereavement_action"
    )
    kind = models.CharField(_("actie"), max_length=10, choices=Kind.choices)
    on = models.DateField(_("datum"))
    transfer_to = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("afhandeling abonnement")
