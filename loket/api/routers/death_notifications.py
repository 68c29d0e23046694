"""Death notifications: estate-settlement services and funeral companies report deaths."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router, Status

from loket.api.auth import READ, WRITE, actor_of
from loket.api.schemas.bereavement import DeathNotificationIn, DeathNotificationOut
from loket.bereavement.actions import DeathReport, Document, check_report_death
from loket.bereavement.models import DeathNotification
from loket.bereavement.selectors import access_notification

router = Router(tags=["death-notifications"])


@router.post(
    "",
    auth=WRITE,
    response={201: DeathNotificationOut},
    summary="Report a death: opens a bereavement case for a specialist (docs/bereavement.md)",
)
def report_death(request: HttpRequest, payload: DeathNotificationIn) -> Status[Any]:
    actor = actor_of(request)
    document = None
    if payload.document is not None:
        try:
            content = base64.b64decode(payload.document.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({"document": ["content_base64 is not valid base64."]}) from None
        document = Document(payload.document.filename, content)
    fields = payload.model_dump(exclude={"document"})
    notification = check_report_death(
        actor.organization,
        DeathReport(**fields),
        source=DeathNotification.Source.API,
        membership=actor.membership,
        document=document,
    )
    return Status(201, access_notification(actor.organization, notification.pk))


@router.get(
    "/{int:death_notification_id}", auth=READ, response=DeathNotificationOut, summary="Get a death notification"
)
def get_death_notification(request: HttpRequest, death_notification_id: int) -> Any:
    return access_notification(actor_of(request).organization, death_notification_id)
