from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from loket.demo.data import DEMO_CHAT, DEMO_MAILBOX, DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo organisations, users and cases (idempotent: running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_demo()
        self.stdout.write("Demodata " + ("geladen." if result.created else "was al geladen."))
        self.stdout.write("")
        self.stdout.write(f"  Inloggen op http://127.0.0.1:8000/ (wachtwoord voor iedereen: {DEMO_PASSWORD})")
        for username, org, role in result.logins:
            self.stdout.write(f"    {username:<8} {role:<24} {org}")
        self.stdout.write(f"  API-sleutel (Woonwinkel): {result.token}")
        self.stdout.write(f"  E-mail aan {DEMO_MAILBOX} via SMTP op 127.0.0.1:2525 wordt een zaak")
        self.stdout.write(f"  Chatten als klant: http://127.0.0.1:8000/chat/{DEMO_CHAT}/")
        self.stdout.write("")
