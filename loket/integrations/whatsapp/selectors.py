"""Reads for WhatsApp: a case's number and customer, the templates an agent may send."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404

from loket.accounts.models import Organization
from loket.cases.models import Case, Message
from loket.customers.models import Identity
from loket.integrations.models import ChannelAccount, InboundDelivery, MessageTemplate
from loket.integrations.whatsapp.templates import base_language, language_code


def access_channel_account(organization: Organization, account_id: int | str) -> ChannelAccount:
    try:
        return ChannelAccount.objects.for_org(organization).get(pk=int(account_id))
    except (ChannelAccount.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def list_templates(account: ChannelAccount) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.for_org(account.organization_id).filter(account=account).order_by("name", "language")


def case_account(case: Case) -> ChannelAccount | None:
    """The number the customer last wrote to on this case; else the organisation's only one."""
    return _case_account(case, list(_active_accounts(case.organization_id)))


def _case_account(case: Case, accounts: list[ChannelAccount]) -> ChannelAccount | None:
    """One query for an organisation with one number (the usual), two with several."""
    if len(accounts) <= 1:
        # The number the customer wrote to is the only active one (or there is none).
        return accounts[0] if accounts else None
    last = (
        InboundDelivery.objects.filter(
            organization_id=case.organization_id,
            channel="whatsapp",
            message__case_id=case.pk,
            channel_account__in=accounts,
        )
        .order_by("-received_at", "-pk")
        .values_list("channel_account_id", flat=True)
        .first()
    )
    return next((account for account in accounts if account.pk == last), None)


def case_recipient(case: Case) -> str | None:
    """The WhatsApp number the customer last wrote from on this case; else their only one."""
    last = (
        Message.objects.for_org(case.organization_id)
        .filter(case_id=case.pk, kind=Message.Kind.INBOUND, channel="whatsapp", identity__kind="whatsapp")
        .select_related("identity")
        .order_by("-created_at", "-pk")
        .first()
    )
    if last is not None and last.identity is not None:
        return last.identity.value
    numbers = list(
        Identity.objects.for_org(case.organization_id)
        .filter(customer_id=case.customer_id, kind=Identity.Kind.WHATSAPP)
        .values_list("value", flat=True)[:2]
    )
    return numbers[0] if len(numbers) == 1 else None


def _active_accounts(organization_id: int) -> QuerySet[ChannelAccount]:
    return ChannelAccount.objects.filter(
        organization_id=organization_id, kind=ChannelAccount.Kind.WHATSAPP, is_active=True
    ).order_by("name", "pk")


@dataclass
class TemplateOffer:
    """The approved templates an agent may send on a case: those in the customer's language
    first, then the others (a customer whose language has none still gets an answer)."""

    language: str  # the customer's
    in_language: list[MessageTemplate] = field(default_factory=list)
    other: list[MessageTemplate] = field(default_factory=list)
    not_sendable: int = 0  # approved, but with parts Loket cannot fill (see templates.py)
    several_accounts: bool = False

    @property
    def templates(self) -> list[MessageTemplate]:
        return self.in_language + self.other

    def get(self, pk: object) -> MessageTemplate | None:
        try:
            wanted = int(str(pk))
        except ValueError:
            return None
        return next((template for template in self.templates if template.pk == wanted), None)


def templates_for_case(case: Case) -> TemplateOffer:
    """The templates of the number this case's messages go from (when the case has none yet
    and the organisation several, of all its numbers). Two queries for an organisation with one
    number, three with several; one without."""
    offer = TemplateOffer(language=case.customer.language)
    approved = list(_templates(case).filter(status=MessageTemplate.Status.APPROVED, gone_at__isnull=True))
    offer.several_accounts = len({template.account_id for template in approved}) > 1
    for template in approved:
        if template.unsupported:
            offer.not_sendable += 1
        elif base_language(template.language) == offer.language:
            offer.in_language.append(template)
        else:
            offer.other.append(template)
    return offer


def find_template(case: Case, name: str, language: str) -> MessageTemplate | None:
    """The template of that name and language among the case's numbers' (approved or not: the
    action says why it cannot be sent)."""
    return _templates(case).filter(name=name, language=language_code(language)).first()


def _templates(case: Case) -> QuerySet[MessageTemplate]:
    accounts = list(_active_accounts(case.organization_id))
    account = _case_account(case, accounts)
    if not accounts:
        return MessageTemplate.objects.none()
    return (
        MessageTemplate.objects.for_org(case.organization_id)
        .filter(account__in=[account] if account is not None else accounts)
        .select_related("account")
        .order_by("name", "language", "account__name", "pk")
    )
