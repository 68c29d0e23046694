"""The inbox: the views on the organisation's cases, with counts, filters, sorting and pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render

from loket.accounts.selectors import list_colleagues, list_teams
from loket.cases.selectors import COUNT_CAP, INBOX_VIEWS, inbox_cases, inbox_counts, list_tags
from loket.web.access import DeskRequest, is_partial, member_required
from loket.web.forms import InboxFilterForm
from loket.web.paging import CappedPaginator


@member_required
def inbox(request: DeskRequest) -> HttpResponse:
    organization = request.organization
    teams = list(list_teams(organization))
    owners = list(list_colleagues(organization))
    tags = list(list_tags(organization).values_list("name", flat=True))
    form = InboxFilterForm(request.GET, teams=teams, owners=owners, tags=tags)
    filters = form.filters(default_view="mine" if request.membership.can_write else "open")
    cases = inbox_cases(organization, request.user, **filters).prefetch_related("tags")
    counts = inbox_counts(organization, request.user)
    # Without filters the view's count is the pager's: one COUNT query fewer on the hottest page.
    unfiltered = not any(value for name, value in filters.items() if name not in ("view", "sort"))
    known = counts[filters["view"]] if unfiltered and filters["view"] in counts else None
    page = CappedPaginator(cases, settings.INBOX_PAGE_SIZE, known_count=known).get_page(form.cleaned_data.get("page"))
    context = {
        "form": form,
        "filters": filters,
        "page": page,
        "views": [(name, label, counts[name]) for name, (label, _condition) in INBOX_VIEWS.items()],
        "count_cap": COUNT_CAP,
        "current_view": filters["view"],
    }
    template = "web/inbox_refresh.html" if is_partial(request) else "web/inbox.html"
    return render(request, template, context)
