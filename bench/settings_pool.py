"""Loket's settings with Django's PostgreSQL connection pool (psycopg_pool): an ingest variant.

Used only when ``psycopg_pool`` is importable. Under ASGI each request runs in a thread of its
own and opens a new connection; a pool per process hands the same few connections around.
Measured as a suggestion for loket/settings.py (docs/performance.md).
"""

from loket.settings import *  # noqa: F403
from loket.settings import DATABASES

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # required with a pool
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {"min_size": 2, "max_size": 8, "timeout": 10}
