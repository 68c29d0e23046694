"""Writes on customers: create, update, identities, identity resolution, merge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Organization, User
from loket.cases.models import Case
from loket.customers.models import Customer, Identity, Subscription
from loket.customers.normalize import normalize_identity
from loket.events.actions import build_event, record_event, record_events

CUSTOMER_FIELDS = ("kind", "name", "language", "preferred_channel", "notes", "date_of_birth", "postcode")


def do_create_customer(
    organization: Organization,
    *,
    actor: User | None,
    identities: Sequence[tuple[str, str]] = (),
    **fields: Any,
) -> Customer:
    """Create a customer with (kind, value) identities. Raises ValidationError on a bad or taken identity."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValueError(f"unknown customer fields: {sorted(unknown)}")
    normalized = [(kind, normalize_identity(kind, value)) for kind, value in identities]
    with transaction.atomic():
        customer = Customer.objects.create(organization=organization, **fields)
        for kind, value in normalized:
            _add_identity(customer, kind, value)
        record_event(organization, "customer.created", actor=actor, customer=customer, data={"name": customer.name})
    return customer


def do_update_customer(customer: Customer, *, actor: User | None, **fields: Any) -> Customer:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValueError(f"unknown customer fields: {sorted(unknown)}")
    changed = {k: v for k, v in fields.items() if getattr(customer, k) != v}
    if not changed:
        return customer
    with transaction.atomic():
        for key, value in changed.items():
            setattr(customer, key, value)
        customer.updated_at = timezone.now()
        customer.full_clean(exclude=["organization", "merged_into"])
        customer.save()
        record_event(
            customer.organization, "customer.updated", actor=actor, customer=customer, data={"fields": sorted(changed)}
        )
    return customer


def _add_identity(customer: Customer, kind: str, value: str, label: str = "") -> Identity:
    try:
        with transaction.atomic():
            return Identity.objects.create(
                organization_id=customer.organization_id, customer=customer, kind=kind, value=value, label=label
            )
    except IntegrityError:
        raise ValidationError(
            {"value": _("%(value)s hoort al bij een andere klant.") % {"value": value}}, code="identity_taken"
        ) from None


def do_add_identity(
    customer: Customer, kind: str, value: str, *, actor: User | None, label: str = "", move: bool = False
) -> Identity:
    """Add an address to ``customer``.

    An address belongs to one customer. When it already belongs to another, that is an error,
    unless ``move``: the agent knows who really wrote (a customer's second address that opened
    a customer of its own), and the address, with its messages, goes to ``customer``.
    """
    normalized = normalize_identity(kind, value)
    if move:
        taken = (
            Identity.objects.for_org(customer.organization)
            .select_related("customer")
            .filter(kind=kind, value=normalized)
            .first()
        )
        if taken is not None:
            return do_move_identity(taken, customer, actor=actor)
    with transaction.atomic():
        identity = _add_identity(customer, kind, normalized, label)
        record_event(
            customer.organization,
            "customer.identity_added",
            actor=actor,
            customer=customer,
            data={"kind": kind, "value": normalized},
        )
    return identity


def do_move_identity(identity: Identity, target: Customer, *, actor: User | None) -> Identity:
    """Give ``identity`` to ``target``; its messages show ``target`` as their sender from now on.

    The customer it leaves is usually one that identity resolution made for an unknown address.
    When nothing is left of it (no identity, case or product), it is recorded as merged into
    ``target``, as a merge would: out of lists and search, and traffic of a stale reference to
    it lands on ``target``. Otherwise it keeps its cases and other addresses.
    """
    source = identity.customer
    if identity.organization_id != target.organization_id:
        raise ValidationError(_("Klanten van verschillende organisaties kunnen niet worden samengevoegd."))
    if target.merged_into_id is not None:
        raise ValidationError(_("Deze klant is al samengevoegd."))
    if source.pk == target.pk:
        return identity
    with transaction.atomic():
        identity.customer = target
        identity.save(update_fields=["customer"])
        emptied = not (
            Identity.objects.filter(customer=source).exists()
            or Case.objects.filter(customer=source).exists()
            or Subscription.objects.filter(customer=source).exists()
        )
        if emptied:
            source.merged_into = target
            source.save(update_fields=["merged_into"])
        target.updated_at = timezone.now()
        target.save(update_fields=["updated_at"])
        record_event(
            target.organization,
            "customer.identity_added",
            actor=actor,
            customer=target,
            data={
                "kind": identity.kind,
                "value": identity.value,
                "from_customer_id": source.pk,
                "from_customer_name": source.name,
                "from_customer_merged": emptied,
            },
        )
    return identity


def do_set_opt_out(
    identity: Identity, *, opted_out: bool, actor: User | None, at: datetime | None = None, reason: str = ""
) -> Identity:
    """Record that the customer no longer wants messages on this address (SMS: STOP), or wants
    them again (START). Loket then refuses replies to it (the channel's ``check_reply``).

    Idempotent: an address already opted out keeps its first date; nothing is recorded twice.
    """
    if bool(identity.opted_out_at) == opted_out:
        return identity
    with transaction.atomic():
        identity.opted_out_at = (at or timezone.now()) if opted_out else None
        identity.save(update_fields=["opted_out_at"])
        record_event(
            identity.organization,
            "customer.opted_out" if opted_out else "customer.opted_in",
            actor=actor,
            customer=identity.customer,
            data={"kind": identity.kind, "value": identity.value, "reason": reason[:200]},
        )
    return identity


def do_add_subscription(customer: Customer, *, product: str, reference: str = "", **fields: Any) -> Subscription:
    return Subscription.objects.create(
        organization_id=customer.organization_id, customer=customer, product=product, reference=reference, **fields
    )


def resolve_identity(
    organization: Organization, kind: str, value: str, *, name: str = "", actor: User | None = None
) -> Identity:
    """Map inbound traffic (kind, value) to the customer's identity, creating both when new.

    The one identity-resolution function every channel calls (``resolve_identities`` is the
    same for a batch). Safe under concurrency: when two messages of a new sender race, the
    loser of the unique constraint reads the winner's row.
    """
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return resolve_identities(organization, [(kind, value, name)], actor=actor)[0]
        except IntegrityError:
            continue  # a concurrent transaction created this sender first: read theirs
    return resolve_identities(organization, [(kind, value, name)], actor=actor)[0]


def resolve_identities(
    organization: Organization, senders: Sequence[tuple[str, str, str]], *, actor: User | None = None
) -> list[Identity]:
    """``resolve_identity`` for a batch of (kind, value, name): one look-up, one INSERT per table.

    Returns the identities in the order of ``senders`` (a sender twice gets the same row). Runs
    inside the caller's transaction: when a concurrent transaction creates one of the same new
    senders, the unique constraint raises IntegrityError and the caller retries one by one.
    """
    normalized = [(kind, normalize_identity(kind, value), name) for kind, value, name in senders]
    wanted = {(kind, value) for kind, value, _name in normalized}
    found: dict[tuple[str, str], Identity] = {}
    for kind in {kind for kind, _value in wanted}:
        values = [value for k, value in wanted if k == kind]
        for identity in (
            Identity.objects.for_org(organization)
            .select_related("customer__merged_into")
            .filter(kind=kind, value__in=values)
        ):
            customer = identity.customer
            if customer.merged_into_id is not None:  # a stale identity of a merged customer
                identity.customer = customer.merged_into  # type: ignore[assignment]
            found[(kind, identity.value)] = identity
    new_senders: dict[tuple[str, str], str] = {}
    for kind, value, name in normalized:
        if (kind, value) not in found:
            new_senders.setdefault((kind, value), name)
    # Sorted: concurrent transactions insert shared new senders in the same order (no deadlock;
    # the later one waits, then fails on the unique constraint and its caller retries).
    new_senders = dict(sorted(new_senders.items()))
    if new_senders:
        # Until the customer tells their name, agents see the address they wrote from.
        customers = Customer.objects.bulk_create(
            [
                Customer(organization=organization, name=(name.strip() or value)[:200])
                for (_kind, value), name in new_senders.items()
            ]
        )
        identities = Identity.objects.bulk_create(
            [
                Identity(organization=organization, customer=customer, kind=kind, value=value)
                for (kind, value), customer in zip(new_senders, customers, strict=True)
            ]
        )
        record_events(
            [
                build_event(
                    organization, "customer.created", actor=actor, customer=customer, data={"name": customer.name}
                )
                for customer in customers
            ]
        )
        for identity in identities:
            found[(identity.kind, identity.value)] = identity
    return [found[(kind, value)] for kind, value, _name in normalized]


def do_merge_customers(source: Customer, target: Customer, *, actor: User | None) -> Customer:
    """Move identities, cases, subscriptions (and their history) of ``source`` to ``target``.

    ``source`` stays as a record of the merge (``merged_into``), out of lists and search.
    """
    if source.organization_id != target.organization_id:
        raise ValidationError(_("Klanten van verschillende organisaties kunnen niet worden samengevoegd."))
    if source.pk == target.pk:
        raise ValidationError(_("Een klant kan niet met zichzelf worden samengevoegd."))
    if source.merged_into_id is not None or target.merged_into_id is not None:
        raise ValidationError(_("Deze klant is al samengevoegd."))
    with transaction.atomic():
        moved = {
            "identities": Identity.objects.filter(customer=source).update(customer=target),
            "cases": Case.objects.filter(customer=source).update(customer=target),
            "subscriptions": Subscription.objects.filter(customer=source).update(customer=target),
        }
        from loket.events.models import Event

        Event.objects.filter(customer=source).update(customer=target)
        if not target.notes and source.notes:
            target.notes = source.notes
        if not target.name and source.name:
            target.name = source.name
        target.updated_at = timezone.now()
        target.save()
        source.merged_into = target
        source.save(update_fields=["merged_into"])
        record_event(
            target.organization,
            "customer.merged",
            actor=actor,
            customer=target,
            data={"source_id": source.pk, "source_name": source.name, "moved": moved},
        )
    return target


def do_mark_deceased(customer: Customer, *, date_of_death: date | None, actor: User | None) -> Customer:
    """Record that the customer has died; every screen shows it from now on.

    The full bereavement workflow (reporting, matching, one specialist) builds on this.
    """
    with transaction.atomic():
        customer.status = Customer.Status.DECEASED
        customer.date_of_death = date_of_death
        customer.updated_at = timezone.now()
        customer.save(update_fields=["status", "date_of_death", "updated_at"])
        record_event(
            customer.organization,
            "customer.deceased",
            actor=actor,
            customer=customer,
            data={"date_of_death": date_of_death.isoformat() if date_of_death else None},
        )
    return customer


def _require_writer(membership: Membership) -> None:
    if not membership.can_write:
        raise PermissionDenied(_("Alleen-lezen: deze rol mag niets wijzigen."))


def check_add_identity(
    membership: Membership, customer: Customer, *, kind: str, value: str, label: str = "", move: bool = False
) -> Identity:
    """Add (or with ``move``, move) an address to a customer; a bad or taken value is a
    ValidationError on ``value``."""
    _require_writer(membership)
    if customer.organization_id != membership.organization_id:
        raise PermissionDenied
    if kind not in Identity.Kind.values:
        raise ValidationError({"kind": _("Kies een soort identiteit.")})
    try:
        return do_add_identity(customer, kind, value, actor=membership.user, label=label.strip()[:100], move=move)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({"value": exc.messages}) from None


def check_merge_customers(membership: Membership, source: Customer, target: Customer) -> Customer:
    """Merge ``source`` (the duplicate) into ``target`` (the customer that stays)."""
    _require_writer(membership)
    if not source.organization_id == target.organization_id == membership.organization_id:
        raise PermissionDenied
    return do_merge_customers(source, target, actor=membership.user)


def check_create_customer(
    membership: Membership, *, identities: list[tuple[str, str]] | None = None, **fields: Any
) -> Customer:
    """Create a customer; an invalid identity is a ValidationError on ``identities``."""
    _require_writer(membership)
    identities = identities or []
    errors = []
    for kind, value in identities:
        try:
            normalize_identity(kind, value)
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"identities": errors})
    return do_create_customer(membership.organization, actor=membership.user, identities=identities, **fields)


def check_update_customer(membership: Membership, customer: Customer, **fields: Any) -> Customer:
    _require_writer(membership)
    if customer.organization_id != membership.organization_id:
        raise PermissionDenied
    return do_update_customer(customer, actor=membership.user, **fields)


def check_add_subscription(
    membership: Membership, customer: Customer, *, product: str, reference: str = "", **fields: Any
) -> Subscription:
    _require_writer(membership)
    if customer.organization_id != membership.organization_id:
        raise PermissionDenied
    errors = {}
    if not product.strip():
        errors["product"] = _("Geef het product een naam.")
    if fields.get("status", Subscription.Status.ACTIVE) not in Subscription.Status.values:
        errors["status"] = _("Onbekende status.")
    started, ended = fields.get("started_on"), fields.get("ended_on")
    if started and ended and ended < started:
        errors["ended_on"] = _("De einddatum ligt voor de begindatum.")
    if errors:
        raise ValidationError(errors)
    return do_add_subscription(customer, product=product.strip(), reference=reference.strip(), **fields)
