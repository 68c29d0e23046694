"""A WhatsApp number's message templates, as Loket last fetched them from Meta (read-only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from loket.api.auth import READ, actor_of
from loket.api.pagination import PageParams, paginate
from loket.api.schemas.common import Page
from loket.api.schemas.templates import TemplateFilters, TemplateOut
from loket.integrations.selectors import access_channel_account
from loket.integrations.whatsapp.selectors import list_templates
from loket.integrations.whatsapp.templates import language_code

router = Router(tags=["whatsapp templates"])


@router.get(
    "/{int:account_id}/templates",
    auth=READ,
    response=Page[TemplateOut],
    summary="List a WhatsApp number's message templates (by name)",
)
def list_account_templates(
    request: HttpRequest, account_id: int, filters: Query[TemplateFilters], page: Query[PageParams]
) -> dict[str, Any]:
    templates = list_templates(access_channel_account(actor_of(request).organization, account_id))
    if filters.status:
        templates = templates.filter(status=filters.status.upper())
    if filters.language:
        templates = templates.filter(language=language_code(filters.language))
    return paginate(templates, page, order="name")
