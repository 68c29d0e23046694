"""One search box for cases (number, subject) and customers (name, e-mail, phone, reference)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import render

from loket.cases.selectors import search_cases
from loket.customers.models import Identity
from loket.customers.selectors import search_customers
from loket.web.access import DeskRequest, member_required
from loket.web.forms import SearchForm

LIMIT = 50


@member_required
def search(request: DeskRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    cases = search_cases(request.organization, query, limit=LIMIT)
    customers = search_customers(request.organization, query).prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "value"))
    )[:LIMIT]
    context = {"form": form, "query": query, "cases": cases, "customers": customers}
    return render(request, "web/search.html", context)
