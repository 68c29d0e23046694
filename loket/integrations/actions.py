"""Store inbound traffic before acknowledging it; process what is stored, in batches.

Every channel ends here: ``do_accept_inbound`` writes the parsed messages as pending
``InboundDelivery`` rows (one INSERT, idempotent on the provider's id) and returns once they
are committed, so the channel may answer its provider. ``do_process_pending`` (the inbound
worker) claims pending deliveries and stores their messages on cases through
``do_receive_messages``; ``do_process_delivery`` does the same for one delivery at once (the
synchronous API). Nothing in between can lose a message: a crash leaves the delivery pending,
a failure keeps it with its reason and retries it with backoff.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from loket.accounts.models import Organization
from loket.cases.actions import InboundMessage, do_receive_message, do_receive_messages
from loket.customers.normalize import normalize_identity
from loket.integrations.models import InboundDelivery
from loket.lib.db import update_rows

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from loket.cases.models import Message

logger = logging.getLogger(__name__)

BATCH_SIZE = 200
MAX_ATTEMPTS = 6  # about 30 s, 1, 2, 4, 8 min apart; then failed, for an admin to look at
BACKOFF_SECONDS = 30


@dataclass
class Accepted:
    delivery: InboundDelivery
    created: bool  # False: a retry of a delivery stored before (the first one is returned)


def do_accept_inbound(organization: Organization, inbounds: Sequence[InboundMessage]) -> list[Accepted]:
    """Store the messages as pending deliveries; returns after commit, one ``Accepted`` each.

    Validates what would make processing fail later (the sender's address), so a caller can
    refuse bad input with a clear error instead of acknowledging it: raises ValidationError
    keyed ``"<index>"`` (nothing is stored then). A message whose (channel, external_id) was
    accepted before, or occurs twice in ``inbounds``, is not stored again.
    """
    errors = {}
    for index, inbound in enumerate(inbounds):
        try:
            normalize_identity(inbound.identity_kind, inbound.identity_value)
        except ValidationError as error:
            errors[str(index)] = error.messages
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for inbound in inbounds:
        if inbound.received_at is None:
            inbound.received_at = now  # the timeline shows when it arrived, not when it was processed
    for attempt in range(3):
        try:
            with transaction.atomic():
                # First try: one INSERT. A retry of an id stored before is rare; only then look up.
                known = _known(organization, inbounds) if attempt else {}
                return _accept(organization, inbounds, known=known)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _key(inbound: InboundMessage) -> tuple[str, str] | None:
    return (inbound.channel, inbound.external_id[:255]) if inbound.external_id else None


def _known(organization: Organization, inbounds: Sequence[InboundMessage]) -> dict[tuple[str, str], InboundDelivery]:
    by_channel: dict[str, set[str]] = defaultdict(set)
    for inbound in inbounds:
        key = _key(inbound)
        if key:
            by_channel[key[0]].add(key[1])
    if not by_channel:
        return {}
    condition = Q()
    for channel, ids in by_channel.items():
        condition |= Q(channel=channel, external_id__in=ids)
    return {(d.channel, d.external_id): d for d in InboundDelivery.objects.for_org(organization).filter(condition)}


def _accept(
    organization: Organization, inbounds: Sequence[InboundMessage], *, known: dict[tuple[str, str], InboundDelivery]
) -> list[Accepted]:
    new: dict[tuple[str, str] | int, InboundDelivery] = {}
    for index, inbound in enumerate(inbounds):
        key = _key(inbound)
        slot = key if key is not None else index
        if (key is not None and key in known) or slot in new:
            continue
        new[slot] = InboundDelivery(
            organization=organization,
            channel=inbound.channel,
            external_id=inbound.external_id[:255],
            payload=inbound.to_payload(),
            received_at=inbound.received_at or timezone.now(),
        )
    InboundDelivery.objects.bulk_create(list(new.values()))
    result = []
    claimed: set[tuple[str, str] | int] = set()
    for index, inbound in enumerate(inbounds):
        key = _key(inbound)
        if key is not None and key in known:
            result.append(Accepted(known[key], created=False))
            continue
        slot = key if key is not None else index
        result.append(Accepted(new[slot], created=slot not in claimed))
        claimed.add(slot)
    return result


# --- Processing ---------------------------------------------------------------------------------


def do_process_pending(limit: int = BATCH_SIZE) -> int:
    """Claim up to ``limit`` due deliveries, oldest first, and store their messages.

    Several workers may run at once: rows are claimed with SELECT … FOR UPDATE SKIP LOCKED on
    PostgreSQL (SQLite has one writer). Each organisation's share of the batch is stored in one
    go; when that fails, its deliveries are tried one by one so that one bad message only
    delays itself. Returns the number of deliveries handled (0: nothing was due).
    """
    now = timezone.now()
    with transaction.atomic():
        claimed = list(
            InboundDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=InboundDelivery.Status.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "pk")[:limit]
        )
        if not claimed:
            return 0
        by_org: dict[int, list[InboundDelivery]] = defaultdict(list)
        for delivery in claimed:
            by_org[delivery.organization_id].append(delivery)
        organizations = Organization.objects.in_bulk(list(by_org))
        for org_id, deliveries in by_org.items():
            _process(organizations[org_id], deliveries)
        update_rows(claimed, ["status", "attempts", "next_attempt_at", "error", "message", "processed_at"])
    return len(claimed)


def do_process_delivery(delivery: InboundDelivery) -> InboundDelivery | None:
    """Process this one delivery now, unless it is done already or a worker holds it.

    Returns the delivery as it is afterwards, or None when a worker is processing it.
    """
    with transaction.atomic():
        locked = (
            InboundDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("organization", "message__case")
            .filter(pk=delivery.pk)
            .first()
        )
        if locked is None:
            return None
        if locked.status == InboundDelivery.Status.PENDING:
            _process(locked.organization, [locked])
            locked.save(update_fields=["status", "attempts", "next_attempt_at", "error", "message", "processed_at"])
    return locked


def _process(organization: Organization, deliveries: list[InboundDelivery]) -> None:
    """Store the deliveries' messages; set each delivery's outcome (the caller saves it)."""
    now = timezone.now()
    inbounds = [_inbound(d) for d in deliveries]
    # Twice as a batch: the first attempt may lose a race for a new sender to another worker
    # (IntegrityError: nothing of the batch was written); the second then finds that sender.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                results = do_receive_messages(organization, inbounds)
        except (IntegrityError, OperationalError):
            continue
        except Exception:  # a bad message: find it below, one by one
            break
        for delivery, result in zip(deliveries, results, strict=True):
            _done(delivery, result.message, now)
        return
    _one_by_one(organization, deliveries, now)


def _one_by_one(organization: Organization, deliveries: list[InboundDelivery], now: datetime) -> None:
    for delivery in deliveries:
        try:
            with transaction.atomic():
                result = do_receive_message(organization, _inbound(delivery))
        except Exception as error:
            _failed(delivery, error, now)
        else:
            _done(delivery, result.message, now)


def _inbound(delivery: InboundDelivery) -> InboundMessage:
    return InboundMessage.from_payload(delivery.payload)


def _done(delivery: InboundDelivery, message: Message, now: datetime) -> None:
    delivery.status = InboundDelivery.Status.DONE
    delivery.message = message
    delivery.processed_at = now
    delivery.error = ""


def _failed(delivery: InboundDelivery, error: Exception, now: datetime) -> None:
    delivery.attempts += 1
    delivery.error = f"{type(error).__name__}: {error}"[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = InboundDelivery.Status.FAILED
        logger.error("inbound delivery %s failed %s times: %s", delivery.pk, delivery.attempts, delivery.error)
    else:
        delivery.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
        logger.warning("inbound delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, delivery.error)
