"""Connect a WhatsApp Business number (Cloud API) to an organisation, or change it.

Besides the admin page (Beheer → Kanalen) and the API, an operator's script can connect a number:

    manage.py whatsapp_account --organization woonwinkel --phone-number-id 10634295353625 \\
        --waba-id 102290129340398 --name Klantenservice --display-number "+31 20 123 4567" \\
        --team Klantenservice

It asks for the app secret, the verify token and the access token (or takes them from
WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN and WHATSAPP_ACCESS_TOKEN), stores them encrypted,
and prints the callback URL to enter in Meta's dashboard. Run again to change a value; an
empty secret keeps the stored one. With a WhatsApp Business Account id (``--waba-id``) the task
worker fetches the number's message templates (at once, then every few hours).
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from loket.integrations.management.accounts import add_common_arguments, organization_and_team
from loket.integrations.models import ChannelAccount
from loket.integrations.whatsapp.actions import do_schedule_template_sync

SECRETS = {
    "app_secret": ("WHATSAPP_APP_SECRET", "App secret (Meta: App settings → Basic)"),
    "verify_token": ("WHATSAPP_VERIFY_TOKEN", "Verify token (your choice; enter the same in Meta's webhook setup)"),
    "access_token": ("WHATSAPP_ACCESS_TOKEN", "Access token (a system user's permanent token)"),
}


class Command(BaseCommand):
    help = "Connect a WhatsApp Business number (Cloud API) to an organisation, or change it."

    def add_arguments(self, parser: Any) -> None:
        add_common_arguments(parser)
        parser.add_argument("--phone-number-id", required=True, help="Meta's phone number id (not the number)")
        parser.add_argument(
            "--waba-id", default="", help="the WhatsApp Business Account id (its message templates are fetched)"
        )
        parser.add_argument("--display-number", default="", help="the number customers write to")

    def handle(self, *args: Any, **options: Any) -> None:
        organization, team = organization_and_team(options)
        phone_number_id = options["phone_number_id"].strip()
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().filter(
                kind=ChannelAccount.Kind.WHATSAPP, external_id=phone_number_id
            ).first() or ChannelAccount(organization=organization, kind=ChannelAccount.Kind.WHATSAPP)
            if account.pk and account.organization_id != organization.pk:
                raise CommandError("This number is connected to another organisation.")
            account.external_id = phone_number_id
            account.name = options["name"] or account.name or options["display_number"] or phone_number_id
            account.display_number = options["display_number"] or account.display_number
            account.waba_id = options["waba_id"].strip() or account.waba_id
            account.team = team or account.team
            account.is_active = not options["inactive"]
            account.set_secrets(**{name: self._secret(name, account) for name in SECRETS})
            if not account.secret("app_secret") or not account.secret("verify_token"):
                raise CommandError("An app secret and a verify token are needed to receive messages.")
            account.save()
            transaction.on_commit(lambda: do_schedule_template_sync(account, now=True))
        path = reverse("whatsapp_webhook", args=[account.key])
        self.stdout.write(self.style.SUCCESS(f"{account} ({'active' if account.is_active else 'switched off'})"))
        self.stdout.write(f"Callback URL for Meta's dashboard: https://<your Loket host>{path}")
        if account.waba_id:
            self.stdout.write(
                "Message templates: fetched by the task worker; `manage.py whatsapp_templates --sync` fetches them now."
            )
        else:
            self.stdout.write("Message templates: give --waba-id to fetch them (needed outside the 24-hour window).")

    def _secret(self, name: str, account: ChannelAccount) -> str:
        variable, prompt = SECRETS[name]
        value = os.environ.get(variable, "")
        if not value and sys.stdin.isatty():
            kept = " (empty: keep the stored one)" if account.pk and account.secret(name) else ""
            value = getpass.getpass(f"{prompt}{kept}: ")
        return value.strip()
