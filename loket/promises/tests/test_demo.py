from __future__ import annotations

import pytest

from loket.demo.data import load_demo
from loket.promises.models import Promise

pytestmark = pytest.mark.django_db


def test_the_demo_has_jolandas_promises_and_one_broken_and_loads_twice():
    load_demo()
    load_demo()
    sofa = Promise.objects.filter(case__customer__name="Jolanda de Vries")
    assert sorted(sofa.values_list("kind", flat=True)) == ["callback", "pickup", "replacement"]
    assert Promise.objects.filter(status="broken").count() == 1
