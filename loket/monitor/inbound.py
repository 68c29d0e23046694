"""A reply of just a number (or ja/nee) to a survey invitation by SMS, WhatsApp or chat.

Run by the inbound worker for the messages it has just stored (``registry.AFTER_RECEIVE``), in
its transaction: the reply stays on the timeline like any other message; when the sender's
address has an open invitation on that channel and the text is a valid answer to its first
question, it is recorded as the response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loket.monitor.actions import do_answer_by_reply

if TYPE_CHECKING:
    from loket.integrations.registry import Received


def do_record_survey_replies(received: Received) -> None:
    for delivery, inbound, result in received:
        message = result.message
        if not result.created or message.identity_id is None or len(inbound.text.strip()) > 5:
            continue
        do_answer_by_reply(
            delivery.organization_id, message.identity_id, message.channel, inbound.text, message.created_at
        )
