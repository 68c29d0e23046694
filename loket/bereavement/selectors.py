"""Reads of the bereavement workflow: the reports, one report, and the candidates for a match."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from loket.accounts.models import Organization
from loket.bereavement.models import DeathNotification
from loket.customers.models import Customer, Identity, Subscription
from loket.customers.normalize import normalize_identity

MAX_CANDIDATES = 20


def list_notifications(organization: Organization) -> QuerySet[DeathNotification]:
    return (
        DeathNotification.objects.for_org(organization)
        .select_related("case__owner", "customer")
        .order_by("-created_at", "-pk")
    )


def access_notification(organization: Organization, notification_id: int | str) -> DeathNotification:
    try:
        return (
            list_notifications(organization)
            .select_related("case__customer", "case__organization")
            .get(pk=int(notification_id))
        )
    except (DeathNotification.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_deceased_subscriptions(notification: DeathNotification) -> QuerySet[Subscription]:
    """The confirmed deceased's subscriptions, those transferred away by this report included,
    each with what was decided (``bereavement_action``)."""
    if notification.customer_id is None:
        return Subscription.objects.none()
    return (
        Subscription.objects.for_org(notification.organization_id)
        .filter(Q(customer_id=notification.customer_id) | Q(bereavement_action__notification=notification))
        .select_related("bereavement_action__transfer_to")
        .order_by("product", "pk")
    )


def access_deceased_subscription(notification: DeathNotification, subscription_id: int | str) -> Subscription:
    try:
        return list_deceased_subscriptions(notification).get(pk=int(subscription_id))
    except (Subscription.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass
class Candidate:
    customer: Customer
    reasons: list[str]  # which details matched: name, date_of_birth, postcode, customer_number, email, phone

    @property
    def certain(self) -> bool:
        """Name, date of birth and postcode all agree, or a customer number: still confirmed by hand."""
        return {"name", "date_of_birth", "postcode"} <= set(self.reasons) or "customer_number" in self.reasons


def _normalized(kind: str, value: str) -> str:
    try:
        return normalize_identity(kind, value)
    except ValidationError:
        return ""


def find_candidates(notification: DeathNotification) -> list[Candidate]:
    """Customers who may be the deceased, the likeliest first, with what matched.

    One query for the customers (any detail matching), one for their identities. The reporter
    (the case's customer) is never a candidate.
    """
    name = notification.deceased_name.strip()
    match = Q(name__iexact=name) if name else Q(pk__in=[])
    # The surname alone catches "J. de Vries" for "Jan de Vries" when birth date or postcode agree.
    surname = name.split()[-1] if name else ""
    if notification.deceased_date_of_birth:
        match |= Q(date_of_birth=notification.deceased_date_of_birth, name__icontains=surname)
    if notification.deceased_postcode:
        match |= Q(postcode=notification.deceased_postcode, name__icontains=surname)
    number = notification.deceased_customer_number.strip()
    if number.isdigit():
        match |= Q(pk=int(number))
    if number:
        match |= Q(subscriptions__reference__iexact=number) | Q(
            identities__kind=Identity.Kind.EXTERNAL, identities__value=number
        )
    email = _normalized("email", notification.deceased_email) if notification.deceased_email else ""
    phone = _normalized("phone", notification.deceased_phone) if notification.deceased_phone else ""
    if email:
        match |= Q(identities__kind=Identity.Kind.EMAIL, identities__value=email)
    if phone:
        match |= Q(identities__kind__in=[Identity.Kind.PHONE, Identity.Kind.WHATSAPP], identities__value=phone)
    ids = (
        Customer.objects.for_org(notification.organization_id)
        .filter(merged_into__isnull=True)
        .filter(match)
        .values("pk")
    )
    customers = list(
        Customer.objects.for_org(notification.organization_id)
        .filter(merged_into__isnull=True)
        .filter(pk__in=ids)
        .exclude(pk=notification.case.customer_id)
        .prefetch_related("identities", "subscriptions")[:MAX_CANDIDATES]
    )
    candidates = []
    for customer in customers:
        reasons = []
        if name and customer.name.strip().lower() == name.lower():
            reasons.append("name")
        if notification.deceased_date_of_birth and customer.date_of_birth == notification.deceased_date_of_birth:
            reasons.append("date_of_birth")
        if (
            notification.deceased_postcode
            and customer.postcode.replace(" ", "").upper() == notification.deceased_postcode
        ):
            reasons.append("postcode")
        values = {(identity.kind, identity.value) for identity in customer.identities.all()}
        references = {subscription.reference.lower() for subscription in customer.subscriptions.all()}
        if number and (
            number == str(customer.pk) or number.lower() in references or (Identity.Kind.EXTERNAL, number) in values
        ):
            reasons.append("customer_number")
        if email and (Identity.Kind.EMAIL, email) in values:
            reasons.append("email")
        if phone and ((Identity.Kind.PHONE, phone) in values or (Identity.Kind.WHATSAPP, phone) in values):
            reasons.append("phone")
        candidates.append(Candidate(customer, reasons))
    candidates.sort(key=lambda c: (-len(c.reasons), c.customer.name, c.customer.pk))
    return candidates
