"""What promises do after other events: follow a handover, and notice a promise being kept.

Called from ``loket/events/listeners.py`` after the events' transaction committed.
"""

from __future__ import annotations

from loket.events.models import Event


def on_events(events: list[Event]) -> None:
    from loket.cases.models import Case, Message
    from loket.promises.actions import do_detect_kept, do_follow_handover

    handed_over = [e for e in events if e.type in ("case.handed_over", "case.assigned") and e.case_id]
    for event in handed_over:
        case = Case.objects.filter(pk=event.case_id or 0).first()
        if case is not None:
            do_follow_handover(case, actor=event.actor)
    sent = [e.data.get("message_id") for e in events if e.type == "case.reply_sent" and not e.data.get("automatic")]
    if sent:
        messages = Message.objects.filter(pk__in=[m for m in sent if m]).select_related("case", "contact", "author")
        for message in messages:
            do_detect_kept(message)
