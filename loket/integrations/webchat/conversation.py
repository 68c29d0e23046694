"""What a chat visitor sees: the chat messages of the cases they wrote in, nothing else.

Only what was said in the chat travels to the browser: the visitor's own messages and the
agents' chat replies, from the visitor's first message in a case on. Internal notes, e-mails
and messages on other channels of the same case stay in the desk; so do other customers'
conversations, even after the agent links the visitor to a customer with a history.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Min

from loket.cases.models import Message
from loket.customers.models import Channel, Identity
from loket.integrations.models import ChannelAccount
from loket.integrations.webchat.visitors import identity_value


def visitor_identity(account: ChannelAccount, visitor: str) -> Identity | None:
    return (
        Identity.objects.for_org(account.organization_id)
        .filter(kind=Identity.Kind.EXTERNAL, value=identity_value(visitor))
        .first()
    )


def visitor_cases(account: ChannelAccount, visitor: str) -> dict[int, Any]:
    """{case id: when the visitor first wrote in it}."""
    rows = (
        Message.objects.filter(
            organization_id=account.organization_id,
            kind=Message.Kind.INBOUND,
            channel=Channel.CHAT,
            contact__identity__kind=Identity.Kind.EXTERNAL,
            contact__identity__value=identity_value(visitor),
        )
        .values_list("case_id")
        .annotate(first=Min("created_at"))
        .order_by()
    )
    return dict(rows)


def visitor_messages(
    account: ChannelAccount, visitor: str, *, after: int = 0, limit: int = 200
) -> list[dict[str, Any]]:
    """The conversation as the widget shows it, oldest first, after message id ``after``."""
    cases = visitor_cases(account, visitor)
    if not cases:
        return []
    found = (
        Message.objects.filter(
            organization_id=account.organization_id,
            case_id__in=list(cases),
            channel=Channel.CHAT,
            kind__in=[Message.Kind.INBOUND, Message.Kind.OUTBOUND],
            pk__gt=after,
        )
        .exclude(delivery_status=Message.Delivery.FAILED)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("pk")[:limit]
    )
    return [_shown(message) for message in found if message.created_at >= cases[message.case_id]]


def _shown(message: Message) -> dict[str, Any]:
    agent = message.kind == Message.Kind.OUTBOUND
    return {
        "id": message.pk,
        "from": "agent" if agent else "visitor",
        # An agent by first name only, as a desk in a shop would introduce themselves.
        "name": (message.author.first_name or message.author.username) if agent and message.author else "",
        "text": message.text,
        "at": message.created_at.isoformat(),
        "read": message.delivery_status == Message.Delivery.READ,
        "files": [attachment.filename for attachment in message.attachments.all()],
        # The widget's own id for a message it sent ("chat:<visitor>:<client id>").
        "client_id": "" if agent else message.external_id.rpartition(":")[2],
    }
