from __future__ import annotations

from typing import TYPE_CHECKING

from loket.integrations.base import ChannelAdapter

if TYPE_CHECKING:
    from loket.cases.models import Message


class GenericAdapter(ChannelAdapter):
    channel = "api"
    label = "API"

    def send(self, message: Message) -> str:
        # The integrator collects the reply via webhook or API; nothing to call out to.
        return ""
