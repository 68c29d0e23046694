"""Reads of channel configuration and inbound traffic, scoped to one organisation."""

from __future__ import annotations

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.http import Http404

from loket.accounts.models import Organization
from loket.cases.models import Case, Message
from loket.customers.models import Identity
from loket.integrations.email.counts import last_days
from loket.integrations.models import ChannelAccount, InboundDelivery, Mailbox


def list_mailboxes(organization: Organization, ids: list[int] | None = None) -> list[Mailbox]:
    """The organisation's mailboxes, each with its queue: ``pending`` (stored, not yet on a case)
    and ``failed`` (quarantined), counted through the index of the rows that are not done; and
    its IMAP account's health (last poll, last error), if it has one; and ``last_7_days``: mail
    received, rejected, sent and failed (three queries in all)."""
    found = Mailbox.objects.for_org(organization).select_related("team", "imap").order_by("address")
    mailboxes = list(found.filter(pk__in=ids) if ids is not None else found)
    counts = (
        InboundDelivery.objects.filter(
            mailbox__in=mailboxes, status__in=[InboundDelivery.Status.PENDING, InboundDelivery.Status.FAILED]
        )
        .values_list("mailbox_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_mailbox = {(mailbox_id, status): n for mailbox_id, status, n in counts}
    week = last_days([mailbox.pk for mailbox in mailboxes])
    for mailbox in mailboxes:
        mailbox.last_7_days = week[mailbox.pk]  # type: ignore[attr-defined]
        mailbox.pending = by_mailbox.get((mailbox.pk, InboundDelivery.Status.PENDING), 0)  # type: ignore[attr-defined]
        mailbox.failed = by_mailbox.get((mailbox.pk, InboundDelivery.Status.FAILED), 0)  # type: ignore[attr-defined]
    return mailboxes


def access_mailbox_with_counts(organization: Organization, mailbox_id: int) -> Mailbox:
    return list_mailboxes(organization, ids=[access_mailbox(organization, mailbox_id).pk])[0]


def access_mailbox(organization: Organization, mailbox_id: int | str) -> Mailbox:
    try:
        return Mailbox.objects.for_org(organization).get(pk=int(mailbox_id))
    except (Mailbox.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_quarantine(organization: Organization) -> QuerySet[InboundDelivery]:
    """Inbound messages that could not be put on a case, newest first (without their bytes)."""
    return (
        InboundDelivery.objects.for_org(organization)
        .filter(status=InboundDelivery.Status.FAILED)
        .select_related("mailbox")
        .defer("raw", "payload")
        .order_by("-received_at", "-pk")
    )


def access_quarantined(organization: Organization, delivery_id: int | str) -> InboundDelivery:
    try:
        return (
            InboundDelivery.objects.for_org(organization)
            .filter(status=InboundDelivery.Status.FAILED)
            .get(pk=int(delivery_id))
        )
    except (InboundDelivery.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_channel_accounts(organization: Organization) -> list[ChannelAccount]:
    """The organisation's numbers and widgets, each with ``pending`` and ``failed`` inbound
    deliveries and ``last_received_at`` (two queries, each through an index on the account)."""
    last = InboundDelivery.objects.filter(channel_account=OuterRef("pk")).order_by("-received_at")
    accounts = list(
        ChannelAccount.objects.for_org(organization)
        .select_related("team")
        .annotate(last_received_at=Subquery(last.values("received_at")[:1]))
        .order_by("kind", "name")
    )
    counts = (
        InboundDelivery.objects.filter(
            channel_account__in=accounts,
            status__in=[InboundDelivery.Status.PENDING, InboundDelivery.Status.FAILED],
        )
        .values_list("channel_account_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_account = {(account_id, status): n for account_id, status, n in counts}
    for account in accounts:
        account.pending = by_account.get((account.pk, InboundDelivery.Status.PENDING), 0)  # type: ignore[attr-defined]
        account.failed = by_account.get((account.pk, InboundDelivery.Status.FAILED), 0)  # type: ignore[attr-defined]
    return accounts


def access_channel_account(organization: Organization, account_id: int | str) -> ChannelAccount:
    try:
        return ChannelAccount.objects.for_org(organization).select_related("team").get(pk=int(account_id))
    except (ChannelAccount.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def access_channel_account_by_key(kind: str, key: str) -> ChannelAccount:
    """The active account a provider's webhook URL names (the key is the tenant); else 404."""
    account = ChannelAccount.objects.filter(kind=kind, key=key, is_active=True).first()
    if account is None:
        raise Http404
    return account


def reply_account(case: Case, kind: str, accounts: list[ChannelAccount] | None = None) -> ChannelAccount | None:
    """The number a reply on ``case`` goes out from: the organisation's only active account of
    this kind; with several, the one the customer last wrote to on this case (else None).
    ``accounts``: the organisation's active accounts of the kind, when the caller has them.
    One query for an organisation with one number (the usual), two with several."""
    if accounts is None:
        accounts = list(active_accounts(case.organization_id, kind))
    if len(accounts) <= 1:
        return accounts[0] if accounts else None
    last = (
        InboundDelivery.objects.filter(
            organization_id=case.organization_id, channel=kind, message__case_id=case.pk, channel_account__in=accounts
        )
        .order_by("-received_at", "-pk")
        .values_list("channel_account_id", flat=True)
        .first()
    )
    return next((account for account in accounts if account.pk == last), None)


def active_accounts(organization_id: int, kind: str) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(organization_id=organization_id, kind=kind, is_active=True).order_by(
        "name", "pk"
    )


def reply_identity(case: Case, channel: str, kind: str) -> Identity | None:
    """Who a reply on ``channel`` goes to: the identity of ``kind`` the customer last wrote from
    on this case on that channel; else the customer's only identity of that kind; else None."""
    last = (
        Message.objects.for_org(case.organization_id)
        .filter(case_id=case.pk, kind=Message.Kind.INBOUND, channel=channel, identity__kind=kind)
        .select_related("identity")
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None and last.identity is not None:
        return last.identity
    found = list(Identity.objects.for_org(case.organization_id).filter(customer_id=case.customer_id, kind=kind)[:2])
    return found[0] if len(found) == 1 else None
