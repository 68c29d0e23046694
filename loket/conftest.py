"""Personas and fixtures for the whole suite.

``org`` with ``owner`` (admin), ``agent`` and ``viewer``; ``outsider`` belongs to
``other_org`` and must never see anything of ``org`` (healthchecks' alice/bob/charlie).
"""

from __future__ import annotations

import pytest

from loket.accounts.actions import do_add_member, do_create_team, do_create_token
from loket.accounts.models import Role, Scope
from loket.cases.actions import do_open_case
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.customers.actions import do_create_customer
from loket.tests.factories import OrganizationFactory, UserFactory


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Woonwinkel", slug="woonwinkel")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Concurrent", slug="concurrent")


@pytest.fixture
def team(org, owner, agent):
    team = do_create_team(org, "Klantenservice", members=[owner, agent])
    org.default_team = team
    org.save()
    return team


@pytest.fixture
def owner(org):
    user = UserFactory(username="olga", first_name="Olga", last_name="Eigenaar")
    do_add_member(org, user, Role.ADMIN)
    return user


@pytest.fixture
def agent(org):
    user = UserFactory(username="arie", first_name="Arie", last_name="Agent")
    do_add_member(org, user, Role.AGENT)
    return user


@pytest.fixture
def viewer(org):
    user = UserFactory(username="vera", first_name="Vera", last_name="Meekijker")
    do_add_member(org, user, Role.VIEWER)
    return user


@pytest.fixture
def outsider(other_org):
    user = UserFactory(username="otto", first_name="Otto", last_name="Buiten")
    do_add_member(other_org, user, Role.ADMIN)
    return user


@pytest.fixture
def customer(org):
    return do_create_customer(
        org, actor=None, name="Jolanda de Vries", identities=[("email", "jolanda@example.nl"), ("phone", "06 12345678")]
    )


@pytest.fixture
def case(org, team, customer, agent):
    return do_open_case(org, customer, subject="Bank beschadigd geleverd", actor=agent, owner=agent)


@pytest.fixture
def inbound_case(org, team):
    """A case opened by a customer's message through the generic channel."""
    result = do_receive_message(
        org,
        InboundMessage(
            channel="api",
            identity_kind="email",
            identity_value="piet@example.nl",
            sender_name="Piet Jansen",
            text="Mijn factuur klopt niet.",
            external_id="msg-1",
        ),
    )
    return result.message.case


@pytest.fixture
def token(org, owner):
    return do_create_token(org, "Integratie", [Scope.READ, Scope.WRITE, Scope.INBOUND], actor=owner).secret


@pytest.fixture
def outsider_token(other_org, outsider):
    return do_create_token(other_org, "Buiten", [Scope.ADMIN], actor=outsider).secret


@pytest.fixture
def agent_client(client, agent, org):
    client.force_login(agent)
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Attachments a test stores land in its own temp dir, never in the checkout's var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and the like must not leak between tests (Redis keeps them)."""
    from django.core.cache import cache

    cache.clear()
    return


@pytest.fixture
def http_calls(monkeypatch):
    """Fake the outside world at the one outbound HTTP seam (loket.lib.http).

    Yields (requests, responder): every request made is appended to ``requests``; set
    ``responder.reply`` to a callable request -> httpx.Response to change the answer.
    """
    import httpx

    from loket.lib import http

    requests: list[httpx.Request] = []

    class Responder:
        def reply(self, request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, text="ok")

    responder = Responder()

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return responder.reply(request)

    monkeypatch.setattr(http, "transport", httpx.MockTransport(handler))
    return requests, responder


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Call to run every due background task (as the worker would), after-commit hooks included."""
    from loket.tests.tasks import run_pending_tasks

    def run() -> int:
        total = 0
        while True:
            with django_capture_on_commit_callbacks(execute=True):
                ran = run_pending_tasks()
            total += ran
            if not ran:
                return total

    return run


@pytest.fixture
def server():
    """Loket's ASGI application in uvicorn on loopback (HTTP and WebSockets); its base URL."""
    from loket.tests.live_server import run_asgi_server

    with run_asgi_server() as url:
        yield url


@pytest.fixture
def browser():
    """Debian's chromium, driven by Playwright (loket/tests/browser.py)."""
    from loket.tests.browser import chromium

    with chromium() as browser:
        yield browser


@pytest.fixture
def customer_server(settings):
    """The customer's mail server: a real SMTP server on loopback (aiosmtpd) that Loket's outgoing
    mail goes to; ``.received`` holds the messages, ``.envelopes`` their senders and recipients."""
    from aiosmtpd.controller import Controller

    from loket.integrations.email.tests.test_outbound import CustomerMailServer
    from loket.integrations.email.tests.test_smtp import free_port

    handler = CustomerMailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()
