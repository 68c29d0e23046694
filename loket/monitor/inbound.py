"""A reply of just a number (or ja/nee) to a survey invitation by SMS, WhatsApp or chat.

Before the inbound worker stores a batch (``registry.BEFORE_RECEIVE``), ``mark_survey_answers``
points each valid answer from an address with an open invitation at the invitation's case (its
number, as a quoted case number in an e-mail subject does) and marks it automatic: it lands on
that case, never opens a new one and never reopens a resolved one. Once stored
(``registry.AFTER_RECEIVE``), in the worker's transaction, ``do_record_survey_replies`` records
it as the response; the reply stays on the timeline like any other message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from loket.customers.normalize import normalize_identity
from loket.monitor.actions import do_answer_by_reply
from loket.monitor.models import SurveyInvitation
from loket.monitor.questions import parse_answer

if TYPE_CHECKING:
    from loket.accounts.models import Organization
    from loket.cases.receiving import InboundMessage
    from loket.integrations.registry import Received

MAX_ANSWER = 5  # characters: "10", "ja", "nee", "yes"


def mark_survey_answers(organization: Organization, inbounds: list[InboundMessage]) -> None:
    """Point answers at their invitation's case (one query for the batch, none without answers)."""
    short: list[tuple[InboundMessage, str, str]] = []
    for inbound in inbounds:
        if inbound.text.strip() and len(inbound.text.strip()) <= MAX_ANSWER and not inbound.attachments:
            try:
                short.append(
                    (inbound, inbound.identity_kind, normalize_identity(inbound.identity_kind, inbound.identity_value))
                )
            except ValidationError:
                continue
    if not short:
        return
    addresses = Q()
    for _inbound, kind, value in short:
        addresses |= Q(identity__kind=kind, identity__value=value)
    open_invitations = (
        SurveyInvitation.objects.for_org(organization)
        .filter(addresses, answered_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("survey", "case", "identity")
        .order_by("created_at")
    )
    latest = {(i.identity.kind, i.identity.value, i.channel): i for i in open_invitations if i.identity is not None}
    for inbound, kind, value in short:
        invitation = latest.get((kind, value, inbound.channel))
        if invitation is None:
            continue
        try:
            parse_answer(invitation.survey.first_kind, inbound.text)
        except ValueError:
            continue  # not an answer: an ordinary message
        inbound.case_number = invitation.case.number
        inbound.automatic = True


def do_record_survey_replies(received: Received) -> None:
    for delivery, inbound, result in received:
        message = result.message
        if not result.created or message.identity_id is None or len(inbound.text.strip()) > MAX_ANSWER:
            continue
        do_answer_by_reply(
            delivery.organization_id, message.identity_id, message.channel, inbound.text, message.created_at
        )
