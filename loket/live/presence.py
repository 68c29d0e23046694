"""Who has the desk open: an agent's presence, kept in the cache while their live socket lives.

The desk's WebSocket (``consumers.LiveConsumer``) marks its user present in the organisation
the screen shows when it connects, again at every heartbeat the page sends (every
HEARTBEAT_SECONDS, ``desk.js``), and absent when it closes. A mark expires after TTL_SECONDS:
a browser that crashed or lost its network, or a server that died, stops counting within that
time although nobody said goodbye.

One cache key per user and organisation (Redis with ``REDIS_URL``, so every server sees every
agent; the process's own memory otherwise, which is right for the one server of ``make run``),
holding ``{connection: expires at}`` for each open screen of that user: closing one of two
tabs leaves the other. Only that user's own screens write the key, so a lost update can only
come from two of one person's tabs at the same moment, and their next heartbeat repairs it. No
database write per heartbeat; who of a team is present is one ``get_many``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.core.cache import cache

TTL_SECONDS = 90
HEARTBEAT_SECONDS = 30  # desk.js sends one this often; a mark survives two lost heartbeats


def _key(organization_id: int, user_id: int) -> str:
    return f"presence:{organization_id}:{user_id}"


def _alive(screens: object, now: float) -> dict[str, float]:
    if not isinstance(screens, dict):
        return {}
    return {connection: until for connection, until in screens.items() if until > now}


def mark_present(organization_id: int, user_id: int, connection: str) -> None:
    now = time.time()
    key = _key(organization_id, user_id)
    screens = _alive(cache.get(key), now)
    screens[connection] = now + TTL_SECONDS
    cache.set(key, screens, timeout=TTL_SECONDS)


def mark_absent(organization_id: int, user_id: int, connection: str) -> None:
    now = time.time()
    key = _key(organization_id, user_id)
    screens = _alive(cache.get(key), now)
    screens.pop(connection, None)
    if screens:
        cache.set(key, screens, timeout=max(1, int(max(screens.values()) - now) + 1))
    else:
        cache.delete(key)


def present(organization_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of ``user_ids`` who have the desk of this organisation open now."""
    keys = {_key(organization_id, user_id): user_id for user_id in user_ids}
    if not keys:
        return set()
    now = time.time()
    return {keys[key] for key, screens in cache.get_many(list(keys)).items() if _alive(screens, now)}
