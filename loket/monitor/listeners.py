"""What the monitor does with committed events: a contact that ended invites its customer.

A contact ends when an agent's reply goes out (an e-mail, SMS or WhatsApp exchange) or when the
case is resolved (every running contact ends then, a chat's too). Listed in
``loket/events/listeners.py``; the invitation itself is a task, so that it goes out within
seconds whatever the listener's caller was doing.
"""

from __future__ import annotations

from loket.cases.models import Case
from loket.events.models import Event
from loket.monitor.selectors import has_active_survey

# Channels whose exchange ends with the agent's reply; a chat ends when the case is resolved.
ENDS_WITH_REPLY = {"email", "sms", "whatsapp", "api", "web"}


def invite_after_contacts(events: list[Event]) -> None:
    from loket.monitor.tasks import invite_after_contact

    for event in events:
        data = event.data or {}
        if not event.case_id or event.type not in ("case.reply_sent", "case.resolved"):
            continue  # the type first: most events end no contact, and the survey look-up costs a round trip
        if event.type == "case.reply_sent" and (data.get("automatic") or data.get("channel") not in ENDS_WITH_REPLY):
            continue
        if not has_active_survey(event.organization_id):
            continue
        if event.type == "case.reply_sent":
            channel, trigger = data["channel"], "contact"
        else:
            found = Case.objects.filter(pk=event.case_id).values_list("last_inbound_channel", flat=True).first()
            channel, trigger = found or "", "resolution"
            if not channel:
                continue
        invite_after_contact.enqueue(event.case_id, channel, trigger, event.created_at.isoformat(), str(event.pk))
