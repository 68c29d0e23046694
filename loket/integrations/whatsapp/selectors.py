"""Reads for WhatsApp: a case's number and customer, the templates an agent may send."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from loket.cases.models import Case
from loket.customers.models import Identity
from loket.integrations.models import ChannelAccount, MessageTemplate
from loket.integrations.selectors import active_accounts, reply_account, reply_identity
from loket.integrations.whatsapp.templates import base_language, language_code


def list_templates(account: ChannelAccount) -> QuerySet[MessageTemplate]:
    return MessageTemplate.objects.for_org(account.organization_id).filter(account=account).order_by("name", "language")


def case_account(case: Case) -> ChannelAccount | None:
    """The number the customer last wrote to on this case; else the organisation's only one."""
    return reply_account(case, ChannelAccount.Kind.WHATSAPP)


def numbers_of(account: ChannelAccount, phone_number_ids: set[str]) -> dict[str, ChannelAccount]:
    """The organisation's active WhatsApp numbers among ``phone_number_ids``, by id; ``account``
    (the number whose webhook URL was called) among them.

    Meta posts a number's traffic to that number's URL, so the database is asked only when a
    body names another number (one Meta app may serve several of the organisation's numbers):
    asking on every post was a quarter of the webhook's CPU under load (docs/performance.md)."""
    found = {account.external_id: account}
    others = phone_number_ids - {account.external_id, ""}
    if others:
        wanted = active_accounts(account.organization_id, ChannelAccount.Kind.WHATSAPP).filter(external_id__in=others)
        found.update((other.external_id, other) for other in wanted)
    return found


def case_recipient(case: Case) -> str | None:
    """The WhatsApp number the customer last wrote from on this case; else their only one."""
    identity = reply_identity(case, "whatsapp", Identity.Kind.WHATSAPP)
    return identity.value if identity is not None else None


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
    accounts = list(active_accounts(case.organization_id, ChannelAccount.Kind.WHATSAPP))
    account = reply_account(case, ChannelAccount.Kind.WHATSAPP, accounts)
    if not accounts:
        return MessageTemplate.objects.none()
    return (
        MessageTemplate.objects.for_org(case.organization_id)
        .filter(account__in=[account] if account is not None else accounts)
        .select_related("account")
        .order_by("name", "language", "account__name", "pk")
    )
