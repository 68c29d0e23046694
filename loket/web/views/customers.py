"""Customers: the list and search, one customer with identities, subscriptions and cases, merging."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from loket.cases.selectors import list_cases
from loket.customers.actions import check_add_identity, check_merge_customers
from loket.customers.models import Customer, Identity
from loket.customers.selectors import access_customer, list_customers, open_claims, search_customers
from loket.web.access import DeskRequest, member_required, safe_next, writer_required
from loket.web.forms import IdentityForm, SearchForm, apply_errors


@member_required
def customer_list(request: DeskRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    customers = search_customers(request.organization, query) if query else list_customers(request.organization)
    customers = customers.order_by("name", "pk").prefetch_related(
        Prefetch("identities", queryset=Identity.objects.order_by("kind", "value"))
    )
    page = Paginator(customers, settings.INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/customer_list.html", {"form": form, "query": query, "page": page})


def _customer_context(request: DeskRequest, customer: Customer, **forms: Any) -> dict[str, Any]:
    cases = list_cases(request.organization).filter(customer=customer).order_by("-created_at")
    context = {"customer": customer, "cases": cases, "claims": open_claims(customer), "identity_form": IdentityForm()}
    return {**context, **forms}


@member_required
def customer_detail(request: DeskRequest, customer_id: int) -> HttpResponse:
    customer = access_customer(request.organization, customer_id)
    return render(request, "web/customer.html", _customer_context(request, customer))


@writer_required
def customer_add_identity(request: DeskRequest, customer_id: int) -> HttpResponse:
    customer = access_customer(request.organization, customer_id)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            check_add_identity(request.membership, customer, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Identiteit toegevoegd."))
            # From a message in a case: back to that case.
            return redirect(safe_next(request) or reverse("web:customer", args=[customer.pk]))
    context = _customer_context(request, customer, identity_form=form)
    return render(request, "web/customer.html", context, status=400)


@member_required
def customer_merge_search(request: DeskRequest, customer_id: int) -> HttpResponse:
    """Step 1 of a merge: find the duplicate that will be merged into this customer.

    With ``?in=1`` the other way round: this customer is the duplicate (one that identity
    resolution made for an unknown address, seen from its case) and the agent looks for the
    customer it really is.
    """
    customer = access_customer(request.organization, customer_id)
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    candidates = search_customers(request.organization, query).exclude(pk=customer.pk)[:25] if query else []
    context = {
        "customer": customer,
        "form": form,
        "query": query,
        "candidates": candidates,
        "into": request.GET.get("in") == "1",
        "next": safe_next(request),
    }
    return render(request, "web/customer_merge.html", context)


@member_required
def customer_merge_confirm(request: DeskRequest, customer_id: int, source_id: int) -> HttpResponse:
    """Step 2: show both customers side by side before anything changes."""
    customer = access_customer(request.organization, customer_id)
    source = access_customer(request.organization, source_id)
    context = {"customer": customer, "source": source, "next": safe_next(request)}
    return render(request, "web/customer_merge_confirm.html", context)


@writer_required
def customer_merge(request: DeskRequest, customer_id: int, source_id: int) -> HttpResponse:
    """Step 3: merge ``source`` (the duplicate) into this customer, which stays."""
    target = access_customer(request.organization, customer_id)
    source = access_customer(request.organization, source_id)
    try:
        check_merge_customers(request.membership, source, target)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        names = {"source": source.display_name, "target": target.display_name}
        messages.success(request, _("%(source)s is samengevoegd met %(target)s.") % names)
    return redirect(safe_next(request) or reverse("web:customer", args=[target.pk]))
