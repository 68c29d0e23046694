"""Customers, their identities and subscriptions, and merging duplicates."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from loket.api.auth import READ, WRITE, actor_of
from loket.api.errors import not_found
from loket.api.pagination import PageParams, paginate
from loket.api.schemas.common import Page
from loket.api.schemas.customers import (
    CustomerCreate,
    CustomerFilters,
    CustomerOut,
    CustomerUpdate,
    IdentityIn,
    IdentityOut,
    MergeIn,
    SubscriptionIn,
    SubscriptionOut,
)
from loket.customers.actions import (
    check_add_identity,
    check_add_subscription,
    check_create_customer,
    check_merge_customers,
    check_update_customer,
)
from loket.customers.selectors import access_customer, filter_customers, list_subscriptions

router = Router(tags=["customers"])


@router.get("", auth=READ, response=Page[CustomerOut], summary="List or search customers (newest first)")
def list_customers(request: HttpRequest, filters: Query[CustomerFilters], page: Query[PageParams]) -> dict[str, Any]:
    customers = filter_customers(actor_of(request).organization, filters.q)
    return paginate(customers, page, order="-created_at")


@router.post("", auth=WRITE, response={201: CustomerOut}, summary="Create a customer with identities")
def create_customer(request: HttpRequest, payload: CustomerCreate) -> Status[Any]:
    actor = actor_of(request)
    fields = payload.model_dump(exclude={"identities"})
    identities: list[tuple[str, str]] = [(identity.kind, identity.value) for identity in payload.identities]
    customer = check_create_customer(actor.membership, identities=identities, **fields)
    return Status(201, access_customer(actor.organization, customer.pk))


@router.get("/{int:customer_id}", auth=READ, response=CustomerOut, summary="Get a customer")
def get_customer(request: HttpRequest, customer_id: int) -> Any:
    return access_customer(actor_of(request).organization, customer_id)


@router.patch("/{int:customer_id}", auth=WRITE, response=CustomerOut, summary="Change a customer's details")
def update_customer(request: HttpRequest, customer_id: int, payload: CustomerUpdate) -> Any:
    actor = actor_of(request)
    customer = access_customer(actor.organization, customer_id)
    check_update_customer(actor.membership, customer, **payload.model_dump(exclude_unset=True))
    return access_customer(actor.organization, customer_id)


@router.post("/{int:customer_id}/identities", auth=WRITE, response={201: IdentityOut}, summary="Add an identity")
def add_identity(request: HttpRequest, customer_id: int, payload: IdentityIn) -> Status[Any]:
    actor = actor_of(request)
    customer = access_customer(actor.organization, customer_id)
    identity = check_add_identity(
        actor.membership, customer, kind=payload.kind, value=payload.value, label=payload.label, move=payload.move
    )
    return Status(201, identity)


@router.get(
    "/{int:customer_id}/subscriptions",
    auth=READ,
    response=Page[SubscriptionOut],
    summary="List a customer's products and subscriptions",
)
def get_subscriptions(request: HttpRequest, customer_id: int, page: Query[PageParams]) -> dict[str, Any]:
    customer = access_customer(actor_of(request).organization, customer_id)
    return paginate(list_subscriptions(customer), page, order="product")


@router.post(
    "/{int:customer_id}/subscriptions",
    auth=WRITE,
    response={201: SubscriptionOut},
    summary="Add a product or subscription",
)
def add_subscription(request: HttpRequest, customer_id: int, payload: SubscriptionIn) -> Status[Any]:
    actor = actor_of(request)
    customer = access_customer(actor.organization, customer_id)
    return Status(201, check_add_subscription(actor.membership, customer, **payload.model_dump()))


@router.post(
    "/{int:customer_id}/merge",
    auth=WRITE,
    response=CustomerOut,
    summary="Merge this customer into another (`into`), which is returned",
)
def merge_customer(request: HttpRequest, customer_id: int, payload: MergeIn) -> Any:
    actor = actor_of(request)
    source = access_customer(actor.organization, customer_id)
    try:
        target = access_customer(actor.organization, payload.into)
    except Http404:
        raise not_found("Customer", field="into") from None
    check_merge_customers(actor.membership, source, target)
    return access_customer(actor.organization, target.pk)
