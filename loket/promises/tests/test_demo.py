from __future__ import annotations

import pytest

from loket.demo.data import load_demo
from loket.promises.models import Promise

pytestmark = pytest.mark.django_db


def test_the_demo_has_jolandas_promises_and_one_broken_and_loads_twice():
    load_demo()
    load_demo()
    sofa = Promise.objects.filter(case__customer__name="Jolanda de Vries").exclude(source="system")
    assert sorted(sofa.values_list("kind", flat=True)) == ["callback", "pickup", "replacement"]
    # Her low score in the survey gave the case's owner Loket's own callback to follow it up.
    follow_up = Promise.objects.filter(case__customer__name="Jolanda de Vries", source="system", kind="callback")
    assert follow_up.count() == 1
    assert Promise.objects.filter(status="broken").count() == 1
