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
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from loket.accounts.models import Membership, Organization
from loket.cases.actions import do_mark_delivery
from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, ReceiveResult, do_receive_message, do_receive_messages
from loket.customers.actions import do_set_opt_out
from loket.customers.normalize import normalize_identity
from loket.customers.selectors import find_identity
from loket.integrations.base import DeliveryReport
from loket.integrations.email.counts import count_mail
from loket.integrations.models import InboundDelivery
from loket.integrations.registry import Rejected, after_receive, before_receive, parse_raw
from loket.lib.db import update_rows

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import date, datetime

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
    return do_accept_deliveries(
        [
            InboundDelivery(
                organization=organization,
                channel=inbound.channel,
                external_id=inbound.external_id[:255],
                payload=inbound.to_payload(),
                received_at=inbound.received_at or now,
            )
            for inbound in inbounds
        ]
    )


def do_accept_deliveries(deliveries: Sequence[InboundDelivery]) -> list[Accepted]:
    """Store unsaved deliveries (parsed, or raw as a channel received them); returns after commit.

    Idempotent on (organization, channel, external_id): a delivery stored before, or twice in
    ``deliveries``, is answered with the first one and not stored again.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                # First try: one INSERT. A retry of an id stored before is rare; only then look up.
                known = _known(deliveries) if attempt else {}
                return _accept(deliveries, known=known)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


Key = tuple[int, str, str]


def _key(delivery: InboundDelivery) -> Key | None:
    return (delivery.organization_id, delivery.channel, delivery.external_id) if delivery.external_id else None


def _known(deliveries: Sequence[InboundDelivery]) -> dict[Key, InboundDelivery]:
    condition = Q()
    for key in {k for k in map(_key, deliveries) if k is not None}:
        condition |= Q(organization_id=key[0], channel=key[1], external_id=key[2])
    if not condition:
        return {}
    return {_key(d): d for d in InboundDelivery.objects.filter(condition)}  # type: ignore[misc]


def _accept(deliveries: Sequence[InboundDelivery], *, known: dict[Key, InboundDelivery]) -> list[Accepted]:
    new: dict[Key | int, InboundDelivery] = {}
    for index, delivery in enumerate(deliveries):
        key = _key(delivery)
        slot = key if key is not None else index
        if (key is not None and key in known) or slot in new:
            continue
        delivery.pk = None
        new[slot] = delivery
    InboundDelivery.objects.bulk_create(list(new.values()))
    result = []
    claimed: set[Key | int] = set()
    for index, delivery in enumerate(deliveries):
        key = _key(delivery)
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
            InboundDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("mailbox", "channel_account")
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
            .select_related("organization", "message__case", "mailbox", "channel_account")
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
    """Store the deliveries' messages; set each delivery's outcome (the caller saves it); count
    the e-mail per mailbox."""
    bounced: list[InboundDelivery] = []
    _store_all(organization, deliveries, bounced)
    _count_email(deliveries, bounced)


def _count_email(deliveries: list[InboundDelivery], bounced: list[InboundDelivery]) -> None:
    """Received (on a case), rejected (quarantined) and bounced (an outbound mail failed) per
    mailbox and day; a count that cannot be written is logged, never a lost message."""
    counts: Counter[tuple[int, int, date, str]] = Counter()
    bounce_ids = {id(delivery) for delivery in bounced}
    for delivery in deliveries:
        if delivery.channel != "email" or delivery.mailbox_id is None:
            continue
        kind = {InboundDelivery.Status.DONE: "received", InboundDelivery.Status.FAILED: "rejected"}.get(
            delivery.status  # type: ignore[call-overload]
        )
        if id(delivery) in bounce_ids:
            kind = "failed"
        if kind:
            counts[(delivery.organization_id, delivery.mailbox_id, timezone.localdate(delivery.received_at), kind)] += 1
    if not counts:
        return
    try:
        with transaction.atomic():
            count_mail(counts)
    except DatabaseError:
        logger.exception("could not count %s e-mails", sum(counts.values()))


def _store_all(organization: Organization, deliveries: list[InboundDelivery], bounced: list[InboundDelivery]) -> None:
    now = timezone.now()
    parsed: list[tuple[InboundDelivery, InboundMessage]] = []
    for delivery in deliveries:
        try:
            inbound = _inbound(delivery)
            if isinstance(inbound, DeliveryReport):
                reported = _apply_report(organization, inbound)
                if reported is not None or inbound.fallback is None:
                    _done(delivery, reported, now)
                    if reported is not None and inbound.status == Message.Delivery.FAILED:
                        bounced.append(delivery)
                    continue
                inbound = inbound.fallback
            parsed.append((delivery, inbound))
        except Rejected as rejected:
            _quarantined(delivery, rejected.reason, now)
        except Exception as error:  # a parser defect: kept, retried after a fix
            _failed(delivery, error, now)
    if not parsed:
        return
    _before_receive(organization, [inbound for _delivery, inbound in parsed])
    # Twice as a batch: the first attempt may lose a race for a new sender to another worker
    # (IntegrityError: nothing of the batch was written); the second then finds that sender.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                results = do_receive_messages(organization, [inbound for _delivery, inbound in parsed])
        except (IntegrityError, OperationalError):
            continue
        except Exception:  # a bad message: find it below, one by one
            break
        for (delivery, _inbound_message), result in zip(parsed, results, strict=True):
            _done(delivery, result.message, now)
        _after_receive(
            [(delivery, inbound, result) for (delivery, inbound), result in zip(parsed, results, strict=True)]
        )
        return
    _one_by_one(organization, parsed, now)


def _before_receive(organization: Organization, inbounds: list[InboundMessage]) -> None:
    """The channels' look before storing (a survey answer finds its case); a failure there is
    logged and the messages are stored as they came."""
    try:
        before_receive(organization, inbounds)
    except Exception:
        logger.exception("look before storing %s received messages failed", len(inbounds))


def _after_receive(received: list[tuple[InboundDelivery, InboundMessage, ReceiveResult]]) -> None:
    """The channels' follow-up (an acknowledgement); its failure never costs a stored message."""
    try:
        with transaction.atomic():
            after_receive(received)
    except Exception:
        logger.exception("follow-up of %s received messages failed", len(received))


def _apply_report(organization: Organization, report: DeliveryReport) -> Message | None:
    """Mark the outbound message a report concerns (a bounce: failed); None if it is not Loket's.
    A recipient the provider says refuses messages is recorded as opted out."""
    if report.opted_out is not None:
        identity = find_identity(organization, *report.opted_out)
        if identity is not None:
            do_set_opt_out(identity, opted_out=True, actor=None, reason=report.error)
    if not report.external_ids:
        return None
    message = (
        Message.objects.for_org(organization)
        .select_related("case__organization")
        .filter(channel=report.channel, kind=Message.Kind.OUTBOUND, external_id__in=report.external_ids[:20])
        .first()
    )
    if message is None:
        return None
    do_mark_delivery(message, report.status, report.error)
    return message


def _one_by_one(
    organization: Organization, parsed: list[tuple[InboundDelivery, InboundMessage]], now: datetime
) -> None:
    for delivery, inbound in parsed:
        try:
            with transaction.atomic():
                result = do_receive_message(organization, inbound)
        except Exception as error:
            _failed(delivery, error, now)
        else:
            _done(delivery, result.message, now)
            _after_receive([(delivery, inbound, result)])


def _inbound(delivery: InboundDelivery) -> InboundMessage | DeliveryReport:
    """The channel-neutral message: stored as JSON, or parsed now from the raw bytes (e-mail)."""
    if delivery.raw is not None:
        return parse_raw(delivery)
    return InboundMessage.from_payload(delivery.payload)


def _quarantined(delivery: InboundDelivery, reason: str, now: datetime) -> None:
    """Rejected by its parser: kept (raw) as failed with the reason; retrying would not help."""
    delivery.attempts += 1
    delivery.status = InboundDelivery.Status.FAILED
    delivery.error = f"Rejected: {reason}"[:2000]
    delivery.processed_at = now
    logger.warning("inbound delivery %s rejected: %s", delivery.pk, reason)


def _done(delivery: InboundDelivery, message: Message | None, now: datetime) -> None:
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


def check_retry_delivery(membership: Membership, delivery: InboundDelivery) -> InboundDelivery:
    """Put a failed delivery back in the queue (after a fix): the inbound worker tries it again."""
    if not membership.is_admin or delivery.organization_id != membership.organization_id:
        raise PermissionDenied
    delivery.status = InboundDelivery.Status.PENDING
    delivery.attempts = 0
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery
