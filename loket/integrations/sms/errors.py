"""What Twilio's error codes mean for the agent, and which ones no retry gets past.

https://www.twilio.com/docs/api/errors — the codes a customer-service desk meets: the API's
refusals when Loket sends (21xxx) and the carriers' reasons in status callbacks (30xxx).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

OPTED_OUT = 21610  # "Attempt to send to unsubscribed recipient": the customer sent STOP

# Refusals of the Messages API that this message can never get past: a retry would fail the same.
PERMANENT_CODES = frozenset(
    {
        21211,  # invalid 'To' number
        21408,  # sending to this region is not enabled for the account
        21602,  # body required
        21604,  # 'To' required
        21606,  # 'From' is not a message-capable Twilio number
        21608,  # a trial account may only send to verified numbers
        21610,  # the recipient unsubscribed (STOP)
        21612,  # Twilio cannot route to this number
        21614,  # 'To' is not a mobile number
        21617,  # body longer than 1,600 characters
        21659,  # 'From' is not a Twilio number
        21660,  # 'From' does not belong to the account
        21703,  # the Messaging Service has no number to send from
        21705,  # invalid Messaging Service
    }
)


def meaning(code: int | None) -> str:
    """The code's meaning in the agent's words ('' for a code not listed here)."""
    if code is None:
        return ""
    meanings = {
        21211: _("ongeldig telefoonnummer"),
        21408: _("sms naar dit land staat niet aan in het Twilio-account"),
        21606: _("het afzendnummer kan geen sms versturen"),
        21608: _("een proefaccount van Twilio mag alleen naar geverifieerde nummers sturen"),
        21610: _("de klant heeft zich afgemeld (STOP)"),
        21612: _("Twilio kan dit nummer niet bereiken"),
        21614: _("geen mobiel nummer"),
        21617: _("het bericht is te lang"),
        30001: _("wachtrij van Twilio vol; te veel berichten tegelijk"),
        30002: _("het Twilio-account is geschorst"),
        30003: _("het toestel van de klant is onbereikbaar (uit of buiten bereik)"),
        30004: _("het bericht is geblokkeerd (de klant of de provider weigert berichten)"),
        30005: _("onbekend nummer: het nummer bestaat niet (meer)"),
        30006: _("vast nummer of onbereikbare provider"),
        30007: _("door de provider tegengehouden (als spam gefilterd)"),
        30008: _("onbekende fout bij de provider"),
    }
    return meanings.get(code, "")


def describe(code: int | None, message: str = "") -> str:
    """What the timeline shows for a failure: the code, its meaning and Twilio's own words."""
    parts = [str(code) if code is not None else "", meaning(code), message.strip()]
    return " — ".join(part for part in parts if part) or _("Twilio gaf geen reden")
