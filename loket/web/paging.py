"""Paging that stays fast on huge views: it counts at most a fixed number of rows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

from loket.cases.selectors import COUNT_CAP


class CappedPaginator(Paginator):
    """A Paginator whose count stops at COUNT_CAP rows (``is_capped`` says so).

    Pages past the cap are reached by filtering or sorting, as in every large helpdesk;
    counting the rest would scan every matching case on every page view.
    """

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, known_count: int | None = None) -> None:
        """``known_count``: the (capped) count, when the caller has it already (the inbox's
        view counts); saves the COUNT query."""
        super().__init__(object_list, per_page)
        if known_count is not None:
            self.count = min(known_count, COUNT_CAP)

    @cached_property
    def count(self) -> int:
        cases = self.object_list
        if not isinstance(cases, QuerySet):
            raise TypeError("CappedPaginator pages querysets")
        return cases[:COUNT_CAP].count()

    @property
    def is_capped(self) -> bool:
        return self.count >= COUNT_CAP
