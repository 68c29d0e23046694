from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from loket.events.docs import render_events_doc


class Command(BaseCommand):
    help = "Write docs/events.md from the event registry."

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.BASE_DIR / "docs" / "events.md"
        path.write_text(render_events_doc(), encoding="utf-8")
        self.stdout.write(f"wrote {path}")
