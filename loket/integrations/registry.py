"""Channel kind → adapter class, imported lazily. The one map; jobs never keep a second one."""

from __future__ import annotations

from django.utils.module_loading import import_string

from loket.integrations.base import ChannelAdapter

ADAPTERS: dict[str, str] = {
    "api": "loket.integrations.generic.adapter.GenericAdapter",
}


def get_adapter(channel: str) -> ChannelAdapter | None:
    path = ADAPTERS.get(channel)
    if path is None:
        return None
    adapter_class: type[ChannelAdapter] = import_string(path)
    return adapter_class()
