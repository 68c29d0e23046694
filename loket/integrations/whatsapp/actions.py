"""Writes for WhatsApp message templates: fetching a number's templates from Meta, following
their status webhooks, and sending one to a customer.

Fetching (``do_sync_templates``): ``GET {WHATSAPP_GRAPH_URL}/{waba_id}/message_templates``
with the number's access token, page after page (``paging.next``), through the one outbound
HTTP seam. Only a complete list changes anything: a failure on any page records the reason on
the account (``templates_error``) and leaves the templates as they were. A template that is no
longer in the list is marked gone, not deleted: sent messages refer to it. The task worker
fetches every number's list every ``WHATSAPP_TEMPLATE_SYNC_HOURS`` (tasks.py); status webhooks
keep the statuses current in between.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, User
from loket.cases.actions import do_reply, require_reachable, require_writer
from loket.cases.models import Case, Message
from loket.customers.models import Channel
from loket.integrations.models import ChannelAccount, MessageTemplate, SentTemplate
from loket.integrations.whatsapp.payload import WaTemplateStatus
from loket.integrations.whatsapp.selectors import case_recipient
from loket.integrations.whatsapp.templates import clean_parameters, language_code, render, shape, unsupported_reason
from loket.lib import http
from loket.lib.secrets import SecretUnreadable

logger = logging.getLogger(__name__)

FIELDS = "id,name,language,status,category,components,parameter_format"
PAGE_SIZE = 100
MAX_PAGES = 100  # 10,000 templates; Meta allows a business account far fewer
MAX_PAGE_BYTES = 5 * 1024 * 1024
# What a fetch writes on a template it knows (besides gone_at, status_at, synced_at).
FIELDS_STORED = (
    "external_id",
    "category",
    "status",
    "status_reason",
    "components",
    "body",
    "parameters",
    "unsupported",
)

# What a status webhook's ``event`` makes of the template's status. FLAGGED (quality dropped,
# still sendable), LOCKED/UNLOCKED (editing) change nothing; UNARCHIVED returns to a status the
# webhook does not name: the list is fetched again.
EVENT_STATUS = {
    **{status: status for status in MessageTemplate.Status.values},
    "REINSTATED": MessageTemplate.Status.APPROVED,
}
REFETCH_EVENTS = {"UNARCHIVED"}


class TemplateSyncError(Exception):
    """The templates could not be fetched; ``reason`` is also on the account."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class SyncResult:
    total: int = 0
    created: int = 0
    changed: int = 0
    gone: int = 0

    def __str__(self) -> str:
        return f"{self.total} templates: {self.created} new, {self.changed} changed, {self.gone} gone"


# --- Fetching -------------------------------------------------------------------------------------


def do_sync_templates(account: ChannelAccount) -> SyncResult:
    """Fetch the number's templates from Meta and store them; raises TemplateSyncError."""
    try:
        items = _fetch(account)
    except TemplateSyncError as error:
        ChannelAccount.objects.filter(pk=account.pk).update(templates_error=error.reason[:2000])
        account.templates_error = error.reason
        raise
    return _store(account, items)


def _fetch(account: ChannelAccount) -> list[dict[str, Any]]:
    if not account.waba_id:
        raise TemplateSyncError(_("Het WhatsApp-account heeft geen WhatsApp Business-account-id (WABA)."))
    try:
        token = account.secret("access_token")
    except SecretUnreadable:
        raise TemplateSyncError(_("De sleutels van het WhatsApp-account moeten opnieuw worden ingevoerd.")) from None
    if not token:
        raise TemplateSyncError(_("Het WhatsApp-account heeft geen access token."))
    base = settings.WHATSAPP_GRAPH_URL.rstrip("/")
    url: str | None = f"{base}/{account.waba_id}/message_templates?" + urlencode({"fields": FIELDS, "limit": PAGE_SIZE})
    items: list[dict[str, Any]] = []
    for _page in range(MAX_PAGES):
        if url is None:
            return items
        data = _page_of(url, token)
        items.extend(item for item in data.get("data") or [] if isinstance(item, dict))
        paging = data.get("paging")
        following = paging.get("next") if isinstance(paging, dict) else None
        url = following if isinstance(following, str) and following else None
        # The token goes along with every page: only ever to Meta's own Graph API.
        if url is not None and urlsplit(url).netloc != urlsplit(base).netloc:
            raise TemplateSyncError(f"WhatsApp's next page is on another host: {urlsplit(url).netloc}")
    raise TemplateSyncError(f"more than {MAX_PAGES} pages of templates")


def _page_of(url: str, token: str) -> dict[str, Any]:
    try:
        answer = http.get(url, headers={"Authorization": f"Bearer {token}"}, max_bytes=MAX_PAGE_BYTES)
    except http.HttpError as error:
        raise TemplateSyncError(str(error)) from error
    try:
        data = json.loads(answer.content)
    except ValueError:
        data = None
    if not 200 <= answer.status < 300:
        problem = data.get("error") if isinstance(data, dict) else None
        if isinstance(problem, dict):
            reason = " ".join(str(part) for part in (problem.get("code"), problem.get("message")) if part)
        else:
            reason = answer.body[:300]
        raise TemplateSyncError(f"WhatsApp answered {answer.status}: {reason}"[:500])
    if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
        raise TemplateSyncError(f"WhatsApp answered {answer.status} without a list of templates")
    return data


def _store(account: ChannelAccount, items: list[dict[str, Any]]) -> SyncResult:
    """Write the complete list: new templates, changed ones, and those no longer there (gone)."""
    now = timezone.now()
    result = SyncResult()
    with transaction.atomic():
        # One fetch writes at a time per number (a periodic one and one on demand may overlap).
        ChannelAccount.objects.select_for_update().filter(pk=account.pk).values_list("pk").get()
        stored = {(t.name, t.language): t for t in MessageTemplate.objects.filter(account=account)}
        seen: set[tuple[str, str]] = set()
        new, changed = [], []
        for item in items:
            name, language = str(item.get("name") or "")[:512], language_code(str(item.get("language") or ""))[:15]
            if not name or not language or (name, language) in seen:
                continue
            seen.add((name, language))
            values = _values(item)
            template = stored.get((name, language))
            if template is None:
                new.append(
                    MessageTemplate(
                        organization_id=account.organization_id,
                        account=account,
                        name=name,
                        language=language,
                        status_at=now,
                        synced_at=now,
                        **values,
                    )
                )
                continue
            if any(getattr(template, key) != value for key, value in values.items()) or template.gone_at:
                changed.append(template)
            if template.status != values["status"]:
                template.status_reason = ""  # the reason a webhook gave was for the old status
            for key, value in values.items():
                setattr(template, key, value)
            template.gone_at, template.status_at, template.synced_at = None, now, now
        MessageTemplate.objects.bulk_create(new)
        kept = [t for key, t in stored.items() if key in seen]
        MessageTemplate.objects.bulk_update(kept, [*FIELDS_STORED, "gone_at", "status_at", "synced_at"])
        gone = [t.pk for key, t in stored.items() if key not in seen and t.gone_at is None]
        MessageTemplate.objects.filter(pk__in=gone).update(gone_at=now)
        ChannelAccount.objects.filter(pk=account.pk).update(templates_synced_at=now, templates_error="")
    account.templates_synced_at, account.templates_error = now, ""
    result.total, result.created, result.changed, result.gone = len(seen), len(new), len(changed), len(gone)
    logger.info("whatsapp: account %s: %s", account.pk, result)
    return result


def _values(item: dict[str, Any]) -> dict[str, Any]:
    components = item.get("components") if isinstance(item.get("components"), list) else []
    category = str(item.get("category") or "")[:30]
    read = shape(components, category)
    return {
        "external_id": str(item.get("id") or "")[:64],
        "category": category,
        "status": str(item.get("status") or "").upper()[:20],
        "components": components,
        "body": read.body,
        "parameters": read.parameters,
        "unsupported": read.unsupported,
    }


# --- The periodic fetch ---------------------------------------------------------------------------


def do_schedule_template_sync(account: ChannelAccount, *, now: bool = False) -> None:
    """Make sure the task worker fetches this number's templates: at once (``now``), else when
    due. Safe to call often: runs that find the fetch not due end at once (tasks.py)."""
    from loket.integrations.whatsapp.tasks import sync_templates

    if not account.waba_id or not account.is_active:
        return
    moment = timezone.now()
    if now:
        ChannelAccount.objects.filter(pk=account.pk).update(templates_due_at=moment)
        account.templates_due_at = moment
    due = account.templates_due_at or moment
    sync_templates.using(run_after=max(due, moment)).enqueue(account.pk)


# --- Status webhooks ------------------------------------------------------------------------------


def do_update_template_statuses(account: ChannelAccount, updates: list[WaTemplateStatus]) -> None:
    """Apply ``message_template_status_update`` webhooks that reached ``account``'s URL.

    Each names its business account (the entry id): the templates of the organisation's numbers
    in that account change, found by Meta's template id or by name and language. A webhook older
    than what Loket knows (a redelivery after a fetch) changes nothing. A template Loket does not
    know yet, or an event that does not say the new status, gets the list fetched again.
    """
    numbers = list(
        ChannelAccount.objects.filter(
            organization_id=account.organization_id, kind=ChannelAccount.Kind.WHATSAPP, is_active=True
        )
    )
    refetch: dict[int, ChannelAccount] = {}
    for update in updates:
        same = [number for number in numbers if update.waba_id and number.waba_id == update.waba_id] or [account]
        found = Q(external_id=update.template_id) if update.template_id else Q(pk__in=[])
        if update.name and update.language:
            found |= Q(name=update.name, language=language_code(update.language))
        templates = MessageTemplate.objects.filter(account__in=same).filter(found)
        status = EVENT_STATUS.get(update.event)
        if not templates.exists() or update.event in REFETCH_EVENTS:
            refetch.update((number.pk, number) for number in same)
        if status is None:
            logger.info("whatsapp: template %s: event %s changes no status", update.name, update.event)
            continue
        at = update.time or timezone.now()
        changed = templates.filter(status_at__lte=at).update(
            status=status, status_reason=update.reason[:200], status_at=at
        )
        logger.info("whatsapp: template %s (%s) is now %s (%s rows)", update.name, update.language, status, changed)
    for number in refetch.values():
        do_schedule_template_sync(number, now=True)


# --- Sending --------------------------------------------------------------------------------------


def check_send_template(
    membership: Membership, case: Case, *, template: MessageTemplate, parameters: dict[str, Any]
) -> Message:
    """Send an approved template to the case's customer on WhatsApp: allowed inside and outside
    the 24-hour window. Refused, with the reason and nothing sent, for a template that is not
    approved (or gone, or has parts Loket cannot fill), a customer without a WhatsApp number,
    and a missing or malformed parameter (keyed ``parameters.<name>``)."""
    require_writer(membership)
    require_reachable(case)
    if template.organization_id != case.organization_id or case.organization_id != membership.organization_id:
        raise ValidationError({"template": _("Onbekend sjabloon.")})
    if template.gone_at is not None:
        raise ValidationError(
            {"template": _("Het sjabloon %(name)s staat niet meer in WhatsApp Manager.") % {"name": template.name}}
        )
    if template.status != MessageTemplate.Status.APPROVED:
        raise ValidationError(
            {
                "template": _("Het sjabloon %(name)s is niet goedgekeurd (%(status)s).")
                % {"name": template.name, "status": template.get_status_display()}
            }
        )
    if template.unsupported:
        raise ValidationError(
            {
                "template": _("Loket kan dit sjabloon niet versturen: %(reason)s.")
                % {"reason": unsupported_reason(template.unsupported)}
            }
        )
    if case_recipient(case) is None:
        raise ValidationError(_("De klant heeft geen WhatsApp-nummer (of meer dan één): voeg het toe bij de klant."))
    values, errors = clean_parameters(shape(template.components, template.category), parameters)
    if errors:
        raise ValidationError(errors)
    return do_send_template(case, template, values, actor=membership.user)


def do_send_template(case: Case, template: MessageTemplate, values: dict[str, str], *, actor: User | None) -> Message:
    """The template as an outbound message: its text filled in (what the customer reads, on the
    timeline) and the template with its parameters beside it, for the adapter; sent through the
    outbox like any reply."""
    text = render(shape(template.components, template.category), values)
    with transaction.atomic():
        message = do_reply(case, actor=actor, text=text, channel=Channel.WHATSAPP)
        SentTemplate.objects.create(
            organization_id=case.organization_id,
            message=message,
            template=template,
            name=template.name,
            language=template.language,
            parameters=values,
        )
    return message


def do_account_saved(account: ChannelAccount) -> None:
    """An admin saved the number (Beheer → Kanalen, the API): fetch its templates now."""
    do_schedule_template_sync(account, now=True)
