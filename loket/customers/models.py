"""Customers, their identities on every channel, and what they have with the organisation."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel


class Channel(models.TextChoices):
    """Every way a customer reaches the organisation; shared by identities, contacts, messages."""

    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Telefoon")
    CHAT = "chat", _("Chat")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("Sms")
    SOCIAL = "social", _("Social media")
    WEB = "web", _("Webformulier")
    API = "api", _("API")


class Customer(TenantModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Persoon")
        BUSINESS = "business", _("Bedrijf")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Actief")
        DECEASED = "deceased", _("Overleden")

    class Language(models.TextChoices):
        NL = "nl", _("Nederlands")
        EN = "en", _("Engels")

    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("naam"), max_length=200, blank=True)
    language = models.CharField(_("taal"), max_length=5, choices=Language.choices, default=Language.NL)
    preferred_channel = models.CharField(_("voorkeurskanaal"), max_length=10, choices=Channel.choices, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    date_of_death = models.DateField(_("overlijdensdatum"), null=True, blank=True)
    # What a death report is matched on (with the name): loket/bereavement/selectors.py.
    date_of_birth = models.DateField(_("geboortedatum"), null=True, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    notes = models.TextField(_("notities"), blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("klant")
        verbose_name_plural = _("klanten")
        indexes = [models.Index(fields=["organization", "name"], name="customer_org_name")]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def is_deceased(self) -> bool:
        return self.status == self.Status.DECEASED

    @property
    def display_name(self) -> str:
        return self.name or str(_("Onbekende klant"))


class Identity(TenantModel):
    class Kind(models.TextChoices):
        EMAIL = "email", _("E-mailadres")
        PHONE = "phone", _("Telefoonnummer")
        WHATSAPP = "whatsapp", _("WhatsApp")
        SOCIAL = "social", _("Social-mediaprofiel")
        PORTAL = "portal", _("Portaalaccount")
        EXTERNAL = "external", _("Extern id")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices)
    value = models.CharField(
        _("waarde"), max_length=320, help_text=_("Genormaliseerd: e-mail in kleine letters, telefoon in E.164.")
    )
    label = models.CharField(_("omschrijving"), max_length=100, blank=True)
    # The customer asked not to get messages on this address any more (SMS: STOP); cleared when
    # they ask again (START). Loket refuses to send to it meanwhile.
    opted_out_at = models.DateTimeField(_("afgemeld sinds"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("identiteit")
        verbose_name_plural = _("identiteiten")
        constraints = [models.UniqueConstraint(fields=["organization", "kind", "value"], name="identity_unique_value")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class IdentityClaim(TenantModel):
    """An address a customer gave that belongs to another customer: not moved (anyone can type
    an address), but offered to the agent, who links the two when it is the same person.

    A chat visitor's pre-chat e-mail address is the first source. A claim stops being offered
    once the address belongs to the claiming customer (after a merge or a move)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="claims")
    kind = models.CharField(_("soort"), max_length=10, choices=Identity.Kind.choices)
    value = models.CharField(_("waarde"), max_length=320)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("opgegeven adres")
        constraints = [
            models.UniqueConstraint(fields=["customer", "kind", "value"], name="identityclaim_unique_per_customer")
        ]


class Subscription(TenantModel):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Actief")
        SUSPENDED = "suspended", _("Opgeschort")
        ENDED = "ended", _("Beëindigd")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="subscriptions")
    product = models.CharField(_("product"), max_length=200)
    reference = models.CharField(_("referentie"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField(_("begindatum"), null=True, blank=True)
    ended_on = models.DateField(_("einddatum"), null=True, blank=True)

    class Meta:
        verbose_name = _("product/abonnement")
        verbose_name_plural = _("producten/abonnementen")
        indexes = [models.Index(fields=["organization", "reference"], name="subscription_org_ref")]

    def __str__(self) -> str:
        return f"{self.product} {self.reference}".strip()
