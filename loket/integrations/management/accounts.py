"""What the channel-account commands (whatsapp_account, sms_account) share."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from loket.accounts.models import Organization, Team


def add_common_arguments(parser: Any) -> None:
    parser.add_argument("--organization", required=True, help="the organisation's short name (slug)")
    parser.add_argument("--name", default="", help="how agents and admins see the account")
    parser.add_argument("--team", default="", help="the team new cases go to (its name)")
    parser.add_argument("--inactive", action="store_true", help="switch the account off (its webhooks get 404)")


def organization_and_team(options: dict[str, Any]) -> tuple[Organization, Team | None]:
    """The organisation and (optional) team the options name; CommandError when they do not exist."""
    try:
        organization = Organization.objects.get(slug=options["organization"])
    except Organization.DoesNotExist:
        raise CommandError(f"No organisation with short name {options['organization']!r}.") from None
    team = None
    if options["team"]:
        team = Team.objects.filter(organization=organization, name=options["team"]).first()
        if team is None:
            raise CommandError(f"{organization.name} has no team {options['team']!r}.")
    return organization, team
