"""STOP and START: a customer's opt-out (and opt-in again) recorded on the number they sent it from.

Run by the inbound worker for the SMS it has just stored (``registry.AFTER_RECEIVE``), in its
transaction: the keyword message itself stays on the timeline like any other; the customer's
phone identity gets ``opted_out_at`` set (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT) or
cleared (START, YES, UNSTOP). Messages of one batch are taken in order, so "STOP" then
"START" ends opted in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from loket.customers.actions import do_set_opt_out
from loket.customers.models import Identity
from loket.integrations.sms.payload import keyword

if TYPE_CHECKING:
    from loket.integrations.registry import Received


def do_record_keywords(received: Received) -> None:
    for _delivery, inbound, result in received:
        word = keyword(inbound.text)
        identity = result.message.identity
        if not word or not result.created or identity is None or identity.kind != Identity.Kind.PHONE:
            continue
        do_set_opt_out(
            identity,
            opted_out=word == "stop",
            actor=None,
            at=inbound.received_at,
            reason=inbound.text.strip()[:40],
        )
