"""SMS out: a reply from the case view, sent through Twilio's Messages API.

``POST {TWILIO_API_URL}/Accounts/{AccountSid}/Messages.json``, form-encoded ``To``, ``From``
(or ``MessagingServiceSid`` when the account has one), ``Body`` and ``StatusCallback`` (the
account's status URL, so the statuses find the message by the sid Twilio answers with), with
HTTP basic auth (Account SID and auth token), through the one outbound HTTP seam.

From the number the customer last wrote to on this case (else the organisation's only SMS
number), to the number they wrote from (else their only phone number). Refused before it is
queued (``check_reply``) and again when it is sent: a customer who opted out (STOP), a text of
more than ten SMS parts, no number to send from or to. Twilio's refusals: permanent for what
this message can never get past (``errors.PERMANENT_CODES``; 21610 also records the opt-out);
everything else — 429, 5xx, wrong credentials (fix them and the reply goes out), no answer —
is retried by the outbox with backoff and then fails visibly.
"""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loket.cases.models import Case, Message
from loket.customers.actions import do_set_opt_out
from loket.customers.models import Identity
from loket.integrations.base import ChannelAdapter, DeliveryError
from loket.integrations.models import ChannelAccount
from loket.integrations.selectors import reply_account, reply_identity
from loket.integrations.sms.config import SmsConfig, status_path
from loket.integrations.sms.errors import OPTED_OUT, PERMANENT_CODES, describe
from loket.integrations.sms.segments import MAX_PARTS, segments
from loket.lib import http
from loket.lib.secrets import SecretUnreadable


class SmsAdapter(ChannelAdapter):
    channel = "sms"
    label = "SMS"

    def check_reply(self, case: Case, text: str) -> None:
        problem = _too_long(text)
        if problem:
            raise ValidationError({"text": problem})
        if reply_account(case, ChannelAccount.Kind.SMS) is None:
            raise ValidationError(_("Er is geen sms-nummer gekoppeld om dit bericht van te sturen."))
        identity = recipient(case)
        if identity is None:
            raise ValidationError(_("De klant heeft geen (eenduidig) mobiel nummer om een sms naar te sturen."))
        if identity.opted_out_at is not None:
            raise ValidationError(opted_out_reason(identity))

    def send(self, message: Message) -> str:
        account = reply_account(message.case, ChannelAccount.Kind.SMS)
        if account is None:
            raise DeliveryError(_("Er is geen sms-nummer gekoppeld om dit bericht van te sturen."), permanent=True)
        identity = recipient(message.case)
        if identity is None:
            raise DeliveryError(
                _("De klant heeft geen (eenduidig) mobiel nummer om een sms naar te sturen."), permanent=True
            )
        if identity.opted_out_at is not None:
            raise DeliveryError(opted_out_reason(identity), permanent=True)
        problem = _too_long(message.text)
        if problem:
            raise DeliveryError(problem, permanent=True)
        config = SmsConfig.of(account)
        try:
            token = account.secret("auth_token")
        except SecretUnreadable:
            raise DeliveryError(
                _("De sleutels van het sms-account moeten opnieuw worden ingevoerd."), permanent=False
            ) from None
        if not token or not config.account_sid:
            raise DeliveryError(_("Het sms-account heeft geen Account SID of auth token."), permanent=False)
        form = {"To": identity.value, "Body": message.text, "StatusCallback": settings.SITE_URL + status_path(account)}
        if config.messaging_service_sid:
            form["MessagingServiceSid"] = config.messaging_service_sid
        else:
            form["From"] = account.external_id
        credentials = base64.b64encode(f"{config.account_sid}:{token}".encode()).decode("ascii")
        try:
            answer = http.post(
                f"{settings.TWILIO_API_URL.rstrip('/')}/Accounts/{config.account_sid}/Messages.json",
                content=urlencode(form).encode(),
                headers={"Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"},
            )
        except http.HttpError as error:
            raise DeliveryError(str(error), permanent=False) from error
        return _sid(answer, identity)


def recipient(case: Case) -> Identity | None:
    """The number the customer last texted from on this case; else their only phone number, or
    their only mobile one among several (an SMS cannot go to a landline)."""
    identity = reply_identity(case, "sms", Identity.Kind.PHONE)
    if identity is not None:
        return identity
    numbers = list(Identity.objects.for_org(case.organization_id).filter(customer_id=case.customer_id, kind="phone"))
    mobile = [
        number
        for number in numbers
        if phonenumbers.number_type(phonenumbers.parse(number.value))
        in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ]
    return mobile[0] if len(mobile) == 1 else None


def opted_out_reason(identity: Identity) -> str:
    return _(
        "%(number)s heeft zich afgemeld voor sms (STOP): er gaat geen sms meer heen tot de klant START stuurt. "
        "Kies een ander kanaal."
    ) % {"number": identity.value}


def _too_long(text: str) -> str:
    count = segments(text)
    if not count.too_long:
        return ""
    return _("Te lang voor sms: %(parts)s delen, hoogstens %(max)s (%(units)s tekens, %(encoding)s).") % {
        "parts": count.parts,
        "max": MAX_PARTS,
        "units": count.units,
        "encoding": count.encoding,
    }


def _sid(answer: http.Response, identity: Identity) -> str:
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    if 200 <= answer.status < 300:
        if data.get("sid"):
            return str(data["sid"])
        raise DeliveryError(f"Twilio answered {answer.status} without a message sid", permanent=False)
    code = data.get("code") if isinstance(data.get("code"), int) else None
    reason = describe(code, str(data.get("message") or ""))[:500]
    if code is None:
        reason = f"Twilio answered {answer.status}: {answer.body[:300]}"
    if code == OPTED_OUT:
        do_set_opt_out(identity, opted_out=True, actor=None, reason=reason)
    raise DeliveryError(reason, permanent=code in PERMANENT_CODES and answer.status < 500)
