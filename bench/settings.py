"""Loket's settings plus what only the page benchmark needs (used by bench/django_side.py pages).

- ``ROOT_URLCONF`` adds one bare view, the baseline every page is set against.
- Static files: plain storage, so the pages render without a ``collectstatic`` manifest
  (the manifest lookup is a dict lookup; the figures do not depend on it).
"""

from loket.settings import *  # noqa: F403
from loket.settings import STORAGES

ROOT_URLCONF = "bench.urls"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
