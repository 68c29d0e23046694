"""What an SMS channel account holds besides its number and its secret: Twilio's ids.

``ChannelAccount.settings`` for kind ``sms``: ``account_sid`` (``AC`` + 32 hex digits, in every
request Twilio makes and in the API's URL) and, optionally, ``messaging_service_sid`` (``MG`` +
32 hex digits): when set, replies are sent through that Messaging Service instead of ``From``
the number. The auth token is a secret (``account.secret("auth_token")``), never stored here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from loket.customers.normalize import normalize_phone
from loket.integrations.models import ChannelAccount

ACCOUNT_SID = re.compile(r"AC[0-9a-f]{32}")
SERVICE_SID = re.compile(r"MG[0-9a-f]{32}")


@dataclass(frozen=True)
class SmsConfig:
    account_sid: str
    messaging_service_sid: str = ""

    @classmethod
    def of(cls, account: ChannelAccount) -> SmsConfig:
        config = account.settings if isinstance(account.settings, dict) else {}
        return cls(str(config.get("account_sid") or ""), str(config.get("messaging_service_sid") or ""))

    def validated(self) -> SmsConfig:
        """Raise ValidationError naming what is wrong; Twilio's ids have a fixed shape."""
        errors = {}
        if not ACCOUNT_SID.fullmatch(self.account_sid):
            errors["account_sid"] = _("Een Account SID is AC gevolgd door 32 tekens (0-9, a-f).")
        if self.messaging_service_sid and not SERVICE_SID.fullmatch(self.messaging_service_sid):
            errors["messaging_service_sid"] = _("Een Messaging Service SID is MG gevolgd door 32 tekens (0-9, a-f).")
        if errors:
            raise ValidationError(errors)
        return self

    def as_dict(self) -> dict[str, str]:
        return {"account_sid": self.account_sid, "messaging_service_sid": self.messaging_service_sid}


def message_path(account: ChannelAccount) -> str:
    """Where Twilio posts incoming messages ("A message comes in" in Twilio's console)."""
    return reverse("sms_webhook", args=[account.key])


def status_path(account: ChannelAccount) -> str:
    """Where Twilio posts the statuses of Loket's messages (sent with every message)."""
    return reverse("sms_status_webhook", args=[account.key])


def clean_account(account: ChannelAccount) -> None:
    """An SMS account as an admin set it (channel_accounts.ACCOUNT_KINDS): the number in E.164,
    Twilio's ids in their shape; raises ValidationError naming the field."""
    try:
        # Lenient: Twilio's own number is real by definition, also in a range phonenumbers lags on.
        account.external_id = normalize_phone(account.external_id, strict=False)
    except ValidationError:
        raise ValidationError({"external_id": _("Vul het nummer in met landcode, zoals +3197010204060.")}) from None
    account.display_number = account.display_number or account.external_id
    try:
        SmsConfig.of(account).validated()
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
