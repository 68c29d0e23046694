"""WhatsApp out: a reply from the case view, sent through the Graph API as a text message or,
outside the 24-hour window, as an approved template (whatsapp/templates.py); a survey
invitation as an interactive message (monitor/whatsapp.py).

From the number the customer last wrote to on this case (its ``ChannelAccount``; a template
goes from the number whose template it is), to the WhatsApp number they wrote from, through
the one outbound HTTP seam (``loket.lib.http``). The answer's wamid becomes the message's
provider id, so the status webhooks (sent, delivered, read, failed) find it.

Errors, by Meta's error code (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):
permanent for what this message can never get past (131047: more than 24 hours since the
customer last wrote, so only a template may be sent; 131026: the receiver cannot get it;
100/131008/131009/131051: a bad parameter or type; 131021: sending to oneself; 1320xx: the
template's parameters do not fit, or the template does not exist in that language, is paused
or disabled, after which Loket fetches the number's templates again); everything
else is retried with backoff: rate limits (4, 80007, 130429, 131048, 131056), an expired or
wrong access token (190, 0: fix it in the account and the reply goes out), Meta's own errors,
no answer at all.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from loket.cases.models import Case, Message
from loket.integrations.base import ChannelAdapter, DeliveryError
from loket.integrations.models import ChannelAccount, SentTemplate
from loket.integrations.whatsapp.selectors import case_account, case_recipient
from loket.integrations.whatsapp.templates import send_components
from loket.integrations.whatsapp.window import current_window
from loket.lib import http
from loket.lib.secrets import SecretUnreadable

TEMPLATE_CODES = {132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018}
# The template Loket offered is not (or no longer) what Meta has: fetch the list again.
STALE_TEMPLATE_CODES = {132001, 132015, 132016}
PERMANENT_CODES = {100, 131008, 131009, 131021, 131026, 131047, 131051} | TEMPLATE_CODES
MAX_TEXT = 4096  # characters Meta takes in one text message


class WhatsAppAdapter(ChannelAdapter):
    channel = "whatsapp"
    label = "WhatsApp"

    def send(self, message: Message) -> str:
        template = SentTemplate.objects.filter(message_id=message.pk).select_related("template__account").first()
        account = _account_for(message, template)
        to = _recipient(message)
        if template is None and len(message.text) > MAX_TEXT:
            raise DeliveryError(
                _("Een WhatsApp-bericht is hoogstens %(max)s tekens lang.") % {"max": MAX_TEXT}, permanent=True
            )
        try:
            token = account.secret("access_token")
        except SecretUnreadable:
            raise DeliveryError(
                _("De sleutels van het WhatsApp-account moeten opnieuw worden ingevoerd."), permanent=False
            ) from None
        if not token:
            raise DeliveryError(_("Het WhatsApp-account heeft geen access token."), permanent=False)
        body: dict[str, object] = {"messaging_product": "whatsapp", "recipient_type": "individual"}
        body["to"] = to.lstrip("+")
        interactive = _survey_question(message) if template is None and message.automatic else None
        if template is not None:
            body.update(type="template", template=_template(template))
        elif interactive is not None:
            body.update(type="interactive", interactive=interactive)
        else:
            body.update(type="text", text={"body": message.text, "preview_url": False})
        url = f"{settings.WHATSAPP_GRAPH_URL.rstrip('/')}/{account.external_id}/messages"
        try:
            answer = http.post(
                url,
                content=json.dumps(body).encode(),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
        except http.HttpError as error:
            raise DeliveryError(str(error), permanent=False) from error
        code, reason = _graph_error(answer)
        if code is None:
            return _wamid(answer)
        if template is not None and code in STALE_TEMPLATE_CODES:
            from loket.integrations.whatsapp.actions import do_schedule_template_sync

            do_schedule_template_sync(account, now=True)
        raise DeliveryError(reason, permanent=code in PERMANENT_CODES and answer.status < 500)

    def free_text_refusal(self, case: Case) -> str:
        window = current_window(case)
        if window is None:
            return _(
                "WhatsApp: de klant heeft op deze zaak nog niet via WhatsApp geschreven; dan neemt WhatsApp alleen "
                "een goedgekeurd sjabloon aan. Kies een sjabloon, of een ander kanaal."
            )
        if not window.is_open:
            since = formats.date_format(timezone.localtime(window.closes_at), "j F H:i")
            return _(
                "WhatsApp: de klant schreef meer dan 24 uur geleden; sinds %(since)s neemt WhatsApp alleen een "
                "goedgekeurd sjabloon aan. Kies een sjabloon, of een ander kanaal."
            ) % {"since": since}
        return ""


def _survey_question(message: Message) -> dict[str, object] | None:
    """A survey invitation goes as an interactive message: a tap answers it (monitor/whatsapp.py)."""
    from loket.monitor.whatsapp import interactive_for

    return interactive_for(message)


def _template(sent: SentTemplate) -> dict[str, object]:
    template: dict[str, object] = {"name": sent.name, "language": {"code": sent.language}}
    components = send_components(sent.parameters)
    if components:
        template["components"] = components
    return template


def _account_for(message: Message, template: SentTemplate | None) -> ChannelAccount:
    """The number whose template this is; else the one the customer last wrote to on this case,
    else the organisation's only one."""
    if template is not None and template.template is not None and template.template.account.is_active:
        return template.template.account
    account = case_account(message.case)
    if account is None:
        raise DeliveryError(_("Er is geen WhatsApp-nummer gekoppeld om dit bericht van te sturen."), permanent=True)
    return account


def _recipient(message: Message) -> str:
    number = case_recipient(message.case)
    if number is None:
        raise DeliveryError(_("De klant heeft geen WhatsApp-nummer."), permanent=True)
    return number


def _wamid(answer: http.Response) -> str:
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = {}
    messages = data.get("messages") if isinstance(data, dict) else None
    if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
        return str(messages[0]["id"])
    raise DeliveryError(f"WhatsApp answered {answer.status} without a message id", permanent=False)


def _graph_error(answer: http.Response) -> tuple[int | None, str]:
    """(None, '') for a 2xx; else Meta's error code (0 when it gave none) and the reason."""
    if 200 <= answer.status < 300:
        return None, ""
    try:
        data = json.loads(answer.body)
    except ValueError:
        data = {}
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict):
        return 0, f"WhatsApp answered {answer.status}: {answer.body[:300]}"
    code = error.get("code")
    details = error.get("error_data", {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
    reason = " ".join(str(part) for part in (code, error.get("message", ""), details) if part)
    return (code if isinstance(code, int) and not isinstance(code, bool) else 0), reason[:500]
