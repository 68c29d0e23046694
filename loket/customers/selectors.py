from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from loket.accounts.models import Organization
from loket.customers.models import Customer, Identity, IdentityClaim, Subscription
from loket.customers.normalize import looks_like_phone


def list_customers(organization: Organization) -> QuerySet[Customer]:
    """Customers of the organisation, without the ones merged into another."""
    return Customer.objects.for_org(organization).filter(merged_into__isnull=True)


def panel_prefetches() -> list[Prefetch]:
    """What a customer panel lists: identities and subscriptions, in display order."""
    return [
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "value")),
        Prefetch("subscriptions", queryset=Subscription.objects.order_by("product")),
    ]


def access_customer(organization: Organization, customer_id: int | str) -> Customer:
    try:
        return list_customers(organization).prefetch_related(*panel_prefetches()).get(pk=int(customer_id))
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def search_customers(organization: Organization, query: str) -> QuerySet[Customer]:
    """By name, e-mail, phone in any notation, or subscription reference."""
    query = query.strip()
    customers = list_customers(organization)
    if not query:
        return customers.none()
    match = Q(name__icontains=query) | Q(identities__value__icontains=query.lower())
    phone = looks_like_phone(query)
    if phone:
        match |= Q(identities__value=phone)
    match |= Q(subscriptions__reference__iexact=query)
    ids = customers.filter(match).values("pk")
    return customers.filter(pk__in=ids).order_by("name")


def find_identity(organization: Organization, kind: str, value: str) -> Identity | None:
    return Identity.objects.for_org(organization).select_related("customer").filter(kind=kind, value=value).first()


def filter_customers(organization: Organization, query: str = "") -> QuerySet[Customer]:
    """All customers, or those matching ``query`` (see ``search_customers``), identities prefetched."""
    customers = search_customers(organization, query) if query.strip() else list_customers(organization)
    return customers.prefetch_related(Prefetch("identities", queryset=Identity.objects.order_by("kind", "value")))


def list_subscriptions(customer: Customer) -> QuerySet[Subscription]:
    return Subscription.objects.filter(customer=customer)


def open_claims(customer: Customer) -> list[tuple[IdentityClaim, Customer]]:
    """Addresses ``customer`` gave that belong to another customer, with that customer: what the
    agent is offered to link (``IdentityClaim``). Only a chat visitor gives addresses so far, so
    for everyone else this asks the database nothing (the panel's identities are prefetched)."""
    from loket.integrations.webchat.visitors import PREFIX

    if not any(identity.value.startswith(PREFIX) for identity in customer.identities.all()):
        return []
    claims = list(IdentityClaim.objects.for_org(customer.organization_id).filter(customer=customer))
    if not claims:
        return []
    owners = {
        (identity.kind, identity.value): identity.customer
        for identity in Identity.objects.for_org(customer.organization_id)
        .filter(value__in=[claim.value for claim in claims])
        .exclude(customer=customer)
        .select_related("customer")
    }
    return [(claim, owner) for claim in claims if (owner := owners.get((claim.kind, claim.value))) is not None]
