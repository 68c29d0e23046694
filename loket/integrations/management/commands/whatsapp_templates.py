"""List a WhatsApp number's message templates, or fetch them from Meta now.

    manage.py whatsapp_templates --organization woonwinkel            # what Loket has
    manage.py whatsapp_templates --organization woonwinkel --sync     # fetch now, then list

The task worker fetches them every WHATSAPP_TEMPLATE_SYNC_HOURS by itself; this is for a
template just approved in WhatsApp Manager, or to see why fetching fails. Without
``--phone-number-id`` every WhatsApp number of the organisation is done. Exits 1 when a fetch
fails (the reason is printed and kept on the account).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from loket.accounts.models import Organization
from loket.integrations.models import ChannelAccount
from loket.integrations.whatsapp.actions import TemplateSyncError, do_schedule_template_sync, do_sync_templates
from loket.integrations.whatsapp.selectors import list_templates
from loket.integrations.whatsapp.templates import unsupported_reason


class Command(BaseCommand):
    help = "List a WhatsApp number's message templates, or fetch them from Meta now (--sync)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organization", required=True, help="the organisation's short name (slug)")
        parser.add_argument("--phone-number-id", default="", help="only this number (Meta's phone number id)")
        parser.add_argument("--sync", action="store_true", help="fetch the templates from Meta first")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(slug=options["organization"])
        except Organization.DoesNotExist:
            raise CommandError(f"No organisation with short name {options['organization']!r}.") from None
        accounts = ChannelAccount.objects.for_org(organization).filter(kind=ChannelAccount.Kind.WHATSAPP)
        if options["phone_number_id"]:
            accounts = accounts.filter(external_id=options["phone_number_id"].strip())
        if not accounts:
            raise CommandError(f"{organization.name} has no such WhatsApp number.")
        failed = False
        for account in accounts:
            self.stdout.write(self.style.MIGRATE_HEADING(f"{account} (WABA {account.waba_id or '-'})"))
            if options["sync"]:
                try:
                    self.stdout.write(str(do_sync_templates(account)))
                except TemplateSyncError as error:
                    self.stderr.write(f"Not fetched: {error.reason}")
                    failed = True
                do_schedule_template_sync(account)  # and keep fetching them periodically
            elif account.templates_error:
                self.stderr.write(f"The last fetch failed: {account.templates_error}")
            for template in list_templates(account):
                note = "gone" if template.gone_at else unsupported_reason(template.unsupported)
                line = f"  {template.name} [{template.language}] {template.status} {template.category}"
                self.stdout.write(f"{line} ({note})" if note else line)
        if failed:
            raise SystemExit(1)
