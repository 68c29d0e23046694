"""The organisation's mailboxes: addresses, replies, acknowledgement, IMAP (admin tokens only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from loket.accounts.selectors import access_team
from loket.api.auth import ADMIN, actor_of
from loket.api.refs import find_optional
from loket.api.schemas.common import Page
from loket.api.schemas.mailboxes import ImapIn, MailboxCreate, MailboxOut, MailboxUpdate
from loket.integrations.email.actions import (
    IMAP_SETTINGS,
    MAILBOX_SETTINGS,
    check_create_mailbox,
    check_remove_imap,
    check_set_imap,
    check_set_mailbox_active,
    check_update_mailbox,
)
from loket.integrations.selectors import access_mailbox, access_mailbox_with_counts, list_mailboxes

router = Router(tags=["mailboxes"])


@router.get("", auth=ADMIN, response=Page[MailboxOut], summary="List the mailboxes, with their queues")
def list_all(request: HttpRequest) -> dict[str, Any]:
    # An organisation has a handful: one page, in the shape of every list of the API.
    return {"items": list_mailboxes(actor_of(request).organization), "next": None}


@router.post("", auth=ADMIN, response={201: MailboxOut}, summary="Add a mailbox")
def create(request: HttpRequest, payload: MailboxCreate) -> Status[Any]:
    actor = actor_of(request)
    values = payload.model_dump(include=set(MAILBOX_SETTINGS))
    mailbox = check_create_mailbox(
        actor.membership,
        address=payload.address,
        team=find_optional(actor, "team_id", payload.team_id, access_team),
        **values,
    )
    return Status(201, access_mailbox_with_counts(actor.organization, mailbox.pk))


@router.get("/{int:mailbox_id}", auth=ADMIN, response=MailboxOut, summary="Get a mailbox")
def get(request: HttpRequest, mailbox_id: int) -> Any:
    return access_mailbox_with_counts(actor_of(request).organization, mailbox_id)


@router.patch("/{int:mailbox_id}", auth=ADMIN, response=MailboxOut, summary="Change a mailbox")
def update(request: HttpRequest, mailbox_id: int, payload: MailboxUpdate) -> Any:
    actor = actor_of(request)
    mailbox = access_mailbox(actor.organization, mailbox_id)
    sent = payload.model_dump(exclude_unset=True)
    team = find_optional(actor, "team_id", sent["team_id"], access_team) if "team_id" in sent else mailbox.team
    values = {name: sent.get(name, getattr(mailbox, name)) for name in MAILBOX_SETTINGS}
    check_update_mailbox(actor.membership, mailbox, address=sent.get("address", mailbox.address), team=team, **values)
    if "is_active" in sent:
        check_set_mailbox_active(actor.membership, mailbox, sent["is_active"])
    return access_mailbox_with_counts(actor.organization, mailbox.pk)


@router.put("/{int:mailbox_id}/imap", auth=ADMIN, response=MailboxOut, summary="Fetch this mailbox by IMAP")
def set_imap(request: HttpRequest, mailbox_id: int, payload: ImapIn) -> Any:
    actor = actor_of(request)
    mailbox = access_mailbox(actor.organization, mailbox_id)
    values = payload.model_dump(include=set(IMAP_SETTINGS))
    check_set_imap(actor.membership, mailbox, password=payload.password, **values)
    return access_mailbox_with_counts(actor.organization, mailbox.pk)


@router.delete("/{int:mailbox_id}/imap", auth=ADMIN, response=MailboxOut, summary="Stop fetching by IMAP")
def remove_imap(request: HttpRequest, mailbox_id: int) -> Any:
    actor = actor_of(request)
    mailbox = access_mailbox(actor.organization, mailbox_id)
    check_remove_imap(actor.membership, mailbox)
    return access_mailbox_with_counts(actor.organization, mailbox.pk)
