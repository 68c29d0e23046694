"""Case numbers readable on the phone: Z-2026-000123, per organisation and year."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from loket.accounts.models import Organization
from loket.cases.models import CaseSequence


def next_case_number(organization: Organization) -> str:
    """Take the next number; must run inside the transaction that creates the case."""
    return next_case_numbers(organization, 1)[0]


def next_case_numbers(organization: Organization, count: int) -> list[str]:
    """Take the next ``count`` numbers; must run inside the transaction that creates the cases.

    The sequence row is locked (SELECT … FOR UPDATE on PostgreSQL; SQLite has one writer),
    so concurrent cases never share a number and a rolled-back case frees none.
    """
    year = timezone.localdate().year
    for _attempt in range(3):
        sequence = CaseSequence.objects.select_for_update().filter(organization=organization, year=year).first()
        if sequence is None:
            try:
                with transaction.atomic():
                    sequence = CaseSequence.objects.create(organization=organization, year=year, last_number=0)
            except IntegrityError:
                continue  # another transaction created it; lock theirs
        first = sequence.last_number + 1
        sequence.last_number += count
        sequence.save(update_fields=["last_number"])
        return [f"{organization.case_prefix}-{year}-{n:06d}" for n in range(first, first + count)]
    raise RuntimeError("could not allocate a case number")
