"""Channel kind → adapter class and raw-traffic parser, imported lazily. The one map."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.module_loading import import_string

from loket.integrations.base import ChannelAdapter, Rejected

if TYPE_CHECKING:
    from loket.cases.receiving import InboundMessage
    from loket.integrations.models import InboundDelivery

__all__ = ["ADAPTERS", "PARSERS", "Rejected", "get_adapter", "parse_raw"]

ADAPTERS: dict[str, str] = {
    "api": "loket.integrations.generic.adapter.GenericAdapter",
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
}


def parse_raw(delivery: InboundDelivery) -> InboundMessage:
    path = PARSERS.get(delivery.channel)
    if path is None:
        raise Rejected(f"no parser for raw traffic on channel {delivery.channel!r}")
    parser = import_string(path)
    inbound: InboundMessage = parser(delivery)
    return inbound
