"""The chat widget's outbound side: an agent's reply is on the visitor's screen by being stored.

The visitor's browser reads the conversation (``conversation.py``) when the reply's event
reaches its WebSocket, or at its next poll; so sending is marking the reply sent. The widget
reports 'read' when the visitor has seen it (``actions.do_mark_read``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loket.integrations.base import ChannelAdapter, DeliveryError

if TYPE_CHECKING:
    from loket.cases.models import Case, Message


class ChatAdapter(ChannelAdapter):
    channel = "chat"
    label = "Chat"

    def reply_instead(self, case: Case) -> str:
        """E-mail or SMS when the case's latest chat message was left for an answer that way."""
        from loket.cases.models import Message as MessageModel

        latest = (
            MessageModel.objects.filter(case_id=case.pk, kind=MessageModel.Kind.INBOUND, channel="chat")
            .order_by("-created_at", "-pk")
            .values_list("left_message__reply_by", flat=True)
            .first()
        )
        return latest or ""

    def send(self, message: Message) -> str:
        from loket.cases.models import Message as MessageModel
        from loket.customers.models import Identity
        from loket.integrations.webchat.visitors import PREFIX

        # Only a case a chat visitor wrote in has someone to read a chat reply.
        visitor_wrote = MessageModel.objects.filter(
            case_id=message.case_id,
            kind=MessageModel.Kind.INBOUND,
            channel="chat",
            contact__identity__kind=Identity.Kind.EXTERNAL,
            contact__identity__value__startswith=PREFIX,
        ).exists()
        if not visitor_wrote:
            raise DeliveryError("De klant heeft in deze zaak niet gechat: kies een ander kanaal.", permanent=True)
        return ""
