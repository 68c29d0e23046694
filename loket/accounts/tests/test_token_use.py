from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loket.accounts.actions import do_create_token, do_note_token_used
from loket.accounts.models import ApiToken, Scope
from loket.accounts.selectors import find_token

pytestmark = pytest.mark.django_db


def test_a_token_is_found_by_its_secret_and_only_its_hash_is_stored(org, owner):
    issued = do_create_token(org, "Integratie", [Scope.READ], actor=owner)
    assert find_token(issued.secret) == issued.token
    assert find_token(issued.secret + "x") is None
    assert not ApiToken.objects.filter(token_hash=issued.secret).exists()


def test_token_use_is_written_at_most_once_a_minute(org, owner, django_assert_num_queries):
    token = do_create_token(org, "Integratie", [Scope.READ], actor=owner).token
    now = timezone.now()
    do_note_token_used(token, now)
    with django_assert_num_queries(0):
        do_note_token_used(token, now + timedelta(seconds=59))
    do_note_token_used(token, now + timedelta(seconds=61))
    token.refresh_from_db()
    assert token.last_used_at == now + timedelta(seconds=61)


def test_a_stale_copy_does_not_overwrite_a_fresher_use(org, owner):
    token = do_create_token(org, "Integratie", [Scope.READ], actor=owner).token
    now = timezone.now()
    stale_copy = ApiToken.objects.get(pk=token.pk)
    do_note_token_used(token, now)
    do_note_token_used(stale_copy, now + timedelta(seconds=10))  # another request, same minute
    token.refresh_from_db()
    assert token.last_used_at == now
