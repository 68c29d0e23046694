"""Tenant isolation: another organisation's token never reads or changes ``org``'s data."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern

from loket.accounts.models import Organization
from loket.api.api import api as loket_api
from loket.api.tests.routes import OUTSIDER_404, OUTSIDER_LIST, OUTSIDER_OWN, ROUTES, Route

pytestmark = pytest.mark.django_db

INFRASTRUCTURE = {"openapi-json", "openapi-view", "api-root", "unknown-route"}


def _call(client, route: Route, world: dict[str, int]):
    return client.request(route.method, route.url(world), route.data(world), params=route.query(world))


def test_route_table_covers_every_operation_of_the_api():
    schema_paths = loket_api.get_openapi_schema()["paths"]
    operations = {
        (method.upper(), re.sub(r"\{[^}]*\}", "{}", path.removeprefix("/api/v1")))
        for path, methods in schema_paths.items()
        for method in methods
    }
    table = {(route.method, route.template) for route in ROUTES}
    assert operations == table


def test_route_table_covers_every_url_of_the_api():
    patterns = {
        re.sub(r"<[^>]*>", "{}", "/" + str(pattern.pattern))
        for pattern in loket_api.urls[0]
        if isinstance(pattern, URLPattern) and pattern.name not in INFRASTRUCTURE
    }
    assert patterns == {route.template for route in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_organisations_own_token_succeeds(api, admin_api, world, route):
    response = _call(admin_api if route.admin else api, route, world)
    assert response.status_code == route.ok, response.content


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_another_organisations_token_gets_404_and_no_data(outsider_api, world, other_org, route):
    response = _call(outsider_api, route, world)
    body = response.content.decode()
    if route.outsider == OUTSIDER_404:
        assert response.status_code == 404, body
        assert response.json()["code"] == "not_found"
    elif route.outsider == OUTSIDER_LIST:
        assert response.status_code == 200, body
        assert response.json()["items"] == []
    else:
        assert route.outsider == OUTSIDER_OWN
        assert response.status_code == route.ok, body
    assert "woonwinkel" not in body.lower()
    assert "Jolanda" not in body
    assert "Piet" not in body


def test_what_an_outsider_creates_lands_in_its_own_organisation(outsider_api, world, other_org, org):
    for route in (r for r in ROUTES if r.outsider == OUTSIDER_OWN):
        _call(outsider_api, route, world)
    from loket.cases.models import Message
    from loket.customers.models import Customer

    assert Customer.objects.filter(name="Nieuwe klant").get().organization_id == other_org.pk
    assert Message.objects.get(external_id="route-table-1").organization_id == other_org.pk
    assert Organization.objects.count() == 2
