"""The one interface every channel adapter implements.

An adapter turns a provider's inbound traffic into ``InboundMessage`` objects (verify, parse)
and sends outbound messages, reporting the outcome. See docs/architecture.md, "Adding a channel".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from loket.cases.models import Case, Message
    from loket.cases.receiving import InboundMessage


class Rejected(Exception):
    """Inbound traffic a channel cannot store as a customer's message; ``reason`` says why.

    The raw traffic is kept (quarantined) with the reason, for an admin to look at.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DeliveryError(Exception):
    """Sending failed. ``permanent`` errors are not retried and show on the message."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass
class DeliveryReport:
    """What a channel reports about an outbound message: a bounce, a read receipt, a failure.

    A raw-traffic parser returns it instead of an ``InboundMessage``. It updates the outbound
    message whose provider id is among ``external_ids`` (``Message.external_id``); when none
    matches, ``fallback`` (if any) is stored as an ordinary inbound message instead.
    """

    channel: str
    external_ids: list[str]
    status: str  # a Message.Delivery value
    error: str = ""
    fallback: InboundMessage | None = None
    # The provider says this recipient refuses messages (Twilio 21610: the customer sent STOP):
    # (identity kind, value), recorded on the organisation's identity of that address.
    opted_out: tuple[str, str] | None = None


class ChannelAdapter:
    channel: ClassVar[str]
    label: ClassVar[str]

    def check_reply(self, case: Case, text: str) -> None:
        """Refuse, before it is queued, a reply this channel can never deliver (too long, no
        recipient, the customer opted out): raise ValidationError with the reason for the agent."""
        return

    def send(self, message: Message) -> str:
        """Deliver ``message``; return the provider's id for it ('' if none). Raise DeliveryError."""
        raise NotImplementedError

    def reply_instead(self, case: Case) -> str:
        """The channel a reply goes out on when the customer last wrote on this one but is not
        to be answered here ('' to answer here): a chat visitor who left a message and asked
        for the answer by e-mail or SMS."""
        return ""

    def free_text_refusal(self, case: Case) -> str:
        """Why this channel takes no free-form reply to the case's customer now ('' when it does):
        WhatsApp and Messenger only within 24 hours of the customer's last message."""
        return ""
