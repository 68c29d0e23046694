"""Channel kind → adapter class and raw-traffic parser, imported lazily. The one map."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from loket.integrations.base import ChannelAdapter, DeliveryReport, Rejected

if TYPE_CHECKING:
    from loket.accounts.models import Organization
    from loket.cases.receiving import InboundMessage, ReceiveResult
    from loket.integrations.models import InboundDelivery

__all__ = [
    "ADAPTERS",
    "AFTER_RECEIVE",
    "BEFORE_RECEIVE",
    "PARSERS",
    "Rejected",
    "after_receive",
    "before_receive",
    "get_adapter",
    "parse_raw",
]

ADAPTERS: dict[str, str] = {
    "api": "loket.integrations.generic.adapter.GenericAdapter",
    "email": "loket.integrations.email.outbound.EmailAdapter",
    "whatsapp": "loket.integrations.whatsapp.outbound.WhatsAppAdapter",
    "chat": "loket.integrations.webchat.outbound.ChatAdapter",
    "sms": "loket.integrations.sms.outbound.SmsAdapter",
}


def get_adapter(channel: str) -> ChannelAdapter | None:
    path = ADAPTERS.get(channel)
    if path is None:
        return None
    adapter_class: type[ChannelAdapter] = import_string(path)
    return adapter_class()


# Channels whose deliveries are stored raw (as received) and parsed by the inbound worker:
# a function (InboundDelivery) -> InboundMessage that raises Rejected for what it cannot store.
PARSERS: dict[str, str] = {
    "email": "loket.integrations.email.inbound.inbound_from_delivery",
    "whatsapp": "loket.integrations.whatsapp.inbound.inbound_from_delivery",
    "sms": "loket.integrations.sms.inbound.inbound_from_delivery",
}


def parse_raw(delivery: InboundDelivery) -> InboundMessage | DeliveryReport:
    path = PARSERS.get(delivery.channel)
    if path is None:
        raise Rejected(f"no parser for raw traffic on channel {delivery.channel!r}")
    parser = import_string(path)
    parsed: InboundMessage | DeliveryReport = parser(delivery)
    return parsed


# What looks at a channel's messages just before they are stored, and may point one at its case
# (a survey answer by number goes to the invitation's case and does not reopen it): functions
# (organization, [InboundMessage]) that change the messages in place, once per batch.
BEFORE_RECEIVE: dict[str, list[str]] = {
    "sms": ["loket.monitor.inbound.mark_survey_answers"],
    "whatsapp": ["loket.monitor.inbound.mark_survey_answers"],
    "chat": ["loket.monitor.inbound.mark_survey_answers"],
}


def before_receive(organization: Organization, inbounds: list[InboundMessage]) -> None:
    by_channel: dict[str, list[InboundMessage]] = {}
    for inbound in inbounds:
        by_channel.setdefault(inbound.channel, []).append(inbound)
    for channel, items in by_channel.items():
        for path in BEFORE_RECEIVE.get(channel, []):
            import_string(path)(organization, items)


# What a channel does once its messages are stored (the e-mail acknowledgement of a new case,
# an SMS STOP, a survey answered with a number): functions ([(delivery, inbound, result)]) run
# in the inbound worker's transaction, in this order.
AFTER_RECEIVE: dict[str, list[str]] = {
    "email": ["loket.integrations.email.acknowledge.do_acknowledge"],
    "sms": ["loket.integrations.sms.optout.do_record_keywords", "loket.monitor.inbound.do_record_survey_replies"],
    "whatsapp": ["loket.monitor.inbound.do_record_survey_replies"],
    "chat": ["loket.monitor.inbound.do_record_survey_replies"],
}

Received = list[tuple["InboundDelivery", "InboundMessage", "ReceiveResult"]]


def after_receive(received: Received) -> None:
    by_channel: dict[str, Received] = {}
    for item in received:
        by_channel.setdefault(item[0].channel, []).append(item)
    for channel, items in by_channel.items():
        for path in AFTER_RECEIVE.get(channel, []):
            import_string(path)(items)
