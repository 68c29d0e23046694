"""The organisation's channel accounts: WhatsApp numbers, … (admin tokens only; secrets write-only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from loket.accounts.selectors import access_team
from loket.api.auth import ADMIN, actor_of
from loket.api.refs import find_optional
from loket.api.schemas.channel_accounts import ChannelAccountCreate, ChannelAccountOut, ChannelAccountUpdate
from loket.api.schemas.common import Page
from loket.integrations.channel_accounts import (
    account_kind,
    check_create_channel_account,
    check_set_channel_account_active,
    check_update_channel_account,
    connect_info,
    secret_hints,
    setting,
)
from loket.integrations.models import ChannelAccount
from loket.integrations.selectors import access_channel_account
from loket.integrations.selectors import list_channel_accounts as accounts_of

router = Router(tags=["channel accounts"])


def _out(request: HttpRequest, account: ChannelAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "kind": account.kind,
        "name": account.name,
        "external_id": account.external_id,
        "display_number": account.display_number,
        "team_id": account.team_id,
        "is_active": account.is_active,
        **connect_info(request, account),
        "settings": {item.name: setting(account, item.name) for item in account_kind(account.kind).settings},
        "secrets": secret_hints(account),
        "pending": getattr(account, "pending", 0),
        "failed": getattr(account, "failed", 0),
        "last_received_at": getattr(account, "last_received_at", None),
    }


def _with_counts(request: HttpRequest, account_id: int) -> dict[str, Any]:
    organization = actor_of(request).organization
    account = next(a for a in accounts_of(organization) if a.pk == account_id)
    return _out(request, account)


@router.get("", auth=ADMIN, response=Page[ChannelAccountOut], summary="List the channel accounts")
def list_channel_accounts(request: HttpRequest) -> dict[str, Any]:
    # An organisation has a handful: one page, in the shape of every list of the API.
    accounts = accounts_of(actor_of(request).organization)
    return {"items": [_out(request, account) for account in accounts], "next": None}


@router.post("", auth=ADMIN, response={201: ChannelAccountOut}, summary="Connect a number")
def create_channel_account(request: HttpRequest, payload: ChannelAccountCreate) -> Status[Any]:
    actor = actor_of(request)
    account = check_create_channel_account(
        actor.membership,
        kind=payload.kind,
        name=payload.name,
        external_id=payload.external_id,
        display_number=payload.display_number,
        team=find_optional(actor, "team_id", payload.team_id, access_team),
        secrets=payload.secrets,
        settings=payload.settings,
    )
    return Status(201, _with_counts(request, account.pk))


@router.get("/{int:account_id}", auth=ADMIN, response=ChannelAccountOut, summary="Get a channel account")
def get_channel_account(request: HttpRequest, account_id: int) -> Any:
    access_channel_account(actor_of(request).organization, account_id)
    return _with_counts(request, account_id)


@router.patch("/{int:account_id}", auth=ADMIN, response=ChannelAccountOut, summary="Change a channel account")
def update_channel_account(request: HttpRequest, account_id: int, payload: ChannelAccountUpdate) -> Any:
    actor = actor_of(request)
    account = access_channel_account(actor.organization, account_id)
    sent = payload.model_dump(exclude_unset=True)
    team = find_optional(actor, "team_id", sent["team_id"], access_team) if "team_id" in sent else account.team
    check_update_channel_account(
        actor.membership,
        account,
        name=sent.get("name") or account.name,
        external_id=sent.get("external_id") or account.external_id,
        display_number=sent.get("display_number", account.display_number) or "",
        team=team,
        secrets=sent.get("secrets") or {},
        settings=sent.get("settings") or {},
    )
    if "is_active" in sent:
        check_set_channel_account_active(actor.membership, account, sent["is_active"])
    return _with_counts(request, account.pk)
