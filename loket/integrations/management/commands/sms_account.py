"""Connect a Twilio phone number (SMS) to an organisation, or change it.

Until the admin screens for channel accounts land, this is how an operator connects a number:

    manage.py sms_account --organization woonwinkel --number "+31 97 010 204 060" \\
        --account-sid AC0123456789abcdef0123456789abcdef --name Klantenservice --team Klantenservice

It asks for the auth token (or takes it from TWILIO_AUTH_TOKEN), stores it encrypted, and
prints the two URLs to enter in Twilio's console. Run again to change a value; an empty auth
token keeps the stored one. ``--messaging-service-sid`` sends replies through a Messaging
Service instead of from the number (``--messaging-service-sid ""`` stops that).
"""

from __future__ import annotations

import getpass
import os
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from loket.customers.normalize import normalize_phone
from loket.integrations.management.accounts import add_common_arguments, organization_and_team
from loket.integrations.models import ChannelAccount
from loket.integrations.sms.config import SmsConfig, message_path, status_path


class Command(BaseCommand):
    help = "Connect a Twilio phone number (SMS) to an organisation, or change it."

    def add_arguments(self, parser: Any) -> None:
        add_common_arguments(parser)
        parser.add_argument("--number", required=True, help="the Twilio number customers text, e.g. +3197010204060")
        parser.add_argument("--account-sid", default="", help="the Twilio Account SID (AC…); needed the first time")
        parser.add_argument(
            "--messaging-service-sid", default=None, help="send through this Messaging Service (MG…); '' for none"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization, team = organization_and_team(options)
        try:
            # Lenient: Twilio's own number is real by definition, also in a range phonenumbers lags on.
            number = normalize_phone(options["number"], strict=False)
        except ValidationError:
            raise CommandError(f"{options['number']!r} is not a phone number (write it as +31…).") from None
        with transaction.atomic():
            account = ChannelAccount.objects.select_for_update().filter(
                kind=ChannelAccount.Kind.SMS, external_id=number
            ).first() or ChannelAccount(organization=organization, kind=ChannelAccount.Kind.SMS)
            if account.pk and account.organization_id != organization.pk:
                raise CommandError("This number is connected to another organisation.")
            current = SmsConfig.of(account)
            service = options["messaging_service_sid"]
            config = SmsConfig(
                account_sid=options["account_sid"].strip() or current.account_sid,
                messaging_service_sid=current.messaging_service_sid if service is None else service.strip(),
            )
            try:
                config.validated()
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            account.external_id = number
            account.display_number = number
            account.settings = config.as_dict()
            account.name = options["name"] or account.name or number
            account.team = team or account.team
            account.is_active = not options["inactive"]
            account.set_secrets(auth_token=self._auth_token(account))
            if not account.secret("auth_token"):
                raise CommandError("An auth token is needed (Twilio console: Account info → Auth Token).")
            account.save()
        self.stdout.write(self.style.SUCCESS(f"{account} ({'active' if account.is_active else 'switched off'})"))
        self.stdout.write("In Twilio's console (Phone Numbers → Manage → Active numbers → this number → Messaging):")
        self.stdout.write(f'  "A message comes in" (Webhook, HTTP POST): {settings.SITE_URL}{message_path(account)}')
        self.stdout.write(
            f"  Status callback URL (Loket also sends it with every reply): {settings.SITE_URL}{status_path(account)}"
        )

    def _auth_token(self, account: ChannelAccount) -> str:
        value = os.environ.get("TWILIO_AUTH_TOKEN", "")
        if not value and sys.stdin.isatty():
            kept = " (empty: keep the stored one)" if account.pk and account.secret("auth_token") else ""
            value = getpass.getpass(f"Auth token (Twilio console: Account info){kept}: ")
        return value.strip()
