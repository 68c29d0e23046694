"""Requests per token per minute, counted in Django's cache (locmem, or Redis when configured).

A fixed window keyed by token id and minute: one atomic ``incr`` per request, shared by
every application server when the cache is Redis. A client may send up to twice the limit
across a window boundary; that is the accepted price of one counter instead of a log.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


def hit(token_id: int) -> Verdict:
    limit = settings.API_RATE_LIMIT_PER_MINUTE
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"api-rate:{token_id}:{window}"
    # add() is a no-op when the key exists; the key outlives its window so a slow request
    # near the boundary still finds it.
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    if count <= limit:
        return Verdict(allowed=True, retry_after=0)
    retry_after = max(1, math.ceil((window + 1) * WINDOW_SECONDS - now))
    return Verdict(allowed=False, retry_after=retry_after)
