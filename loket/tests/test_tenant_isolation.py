"""Every URL and API route, requested by someone of another organisation.

Generated from the URL configuration: a new route is covered automatically, and a route
with a parameter this test cannot fill fails here until it is taught (PARAMS below).
The positive control (the same URL for the owning organisation does not 404) proves the
ids are real, so the outsider's 404 means isolation, not a typo.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from loket.accounts.models import Membership
from loket.cases.receiving import InboundMessage, IncomingAttachment, do_receive_message
from loket.customers.actions import do_create_customer
from loket.webhooks.actions import do_create_endpoint

pytestmark = pytest.mark.django_db

# Routes with no tenant data at all.
PUBLIC = {
    "login",
    "logout",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "password_change",
    "password_change_done",
    "openapi-json",
    "openapi-view",
    "api-root",
    "unknown-route",
    "health",
    "set_language",
    # Providers' inbound e-mail webhooks: no user or token; verified by the provider's signature
    # and routed by recipient address to that address's one organisation (test_providers.py).
    "email_provider_webhook",
    # WhatsApp's webhook: no user or token; the URL's key names one channel account (one
    # organisation) whose app secret must sign the body (integrations/whatsapp/tests).
    "whatsapp_webhook",
    # The web chat widget: no user; the URL's key names one widget (one organisation) and the
    # visitor token, signed for that widget, names one visitor; another organisation's widget
    # or a forged token is refused (integrations/webchat/tests).
    "webchat_loader",
    "webchat_page",
    "webchat_visitor",
    "webchat_messages",
    "webchat_upload",
    "webchat_read",
    "webchat_status",
    "webchat_leave",
    "webchat_transcript",
    # Twilio's SMS webhooks, likewise: the key names one account, whose auth token must sign the
    # request and whose Account SID it must carry (integrations/sms/tests/test_webhook.py).
    "sms_webhook",
    "sms_status_webhook",
    # The customer's callback booking page and its API: no user or token; the signed link names one
    # booking link (one case of one organisation); a tampered or foreign token is refused
    # (promises/tests/test_booking.py).
    "promise_booking",
    "list_booking_slots",
    "book_slot",
    "move_booking",
    "cancel_booking",
    # Outside systems' promise reports: the key names one reporter (one organisation) whose
    # secret must sign the body (promises/tests/test_kept.py).
    "promise_report_webhook",
    # An image of a mail for its sandboxed frame (which sends no cookie): the signed, short-lived
    # token names one attachment and is the permission (web/tests/test_email_view.py).
    "inline_image",
    # A customer's survey page: no user; the signed token names one invitation and is the
    # permission; a tampered token shows a friendly page (monitor/tests/test_response_page.py).
    "survey_response",
    # The next of kin's report form: no user; the URL's key names one organisation, and a report
    # lands there whatever it says (bereavement/tests/test_isolation.py).
    "bereavement_public",
}

# What only the owning organisation's pages may ever contain.
SECRETS = [
    "Jolanda de Vries",
    "jolanda@example.nl",
    "Bank beschadigd geleverd",
    "Geheime Tweede",
    "erp.example.test",
    "Geheime enquête",
    "Geheime alarmregel",
    "Geheime opmerking",
]


@dataclass
class Route:
    path: str
    name: str
    params: list[str]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("api/")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield Route(prefix + str(pattern.pattern), pattern.name or "", list(pattern.pattern.converters))


ROUTES = {(r.path, r.name): r for r in _walk(get_resolver().url_patterns) if r.name not in PUBLIC}


@pytest.fixture
def world(org, team, owner, agent, customer, token, other_org, outsider, outsider_token):
    """Objects of ``org`` for every kind of URL parameter."""
    result = do_receive_message(
        org,
        InboundMessage(
            channel="api",
            identity_kind="email",
            identity_value="jolanda@example.nl",
            subject="Bank beschadigd geleverd",
            text="Foto's bijgevoegd",
            external_id="iso-1",
            attachments=[IncomingAttachment("bank.jpg", b"\xff\xd8\xff jpeg", "image/jpeg")],
        ),
    )
    second = do_create_customer(org, actor=None, name="Geheime Tweede", identities=[("email", "tweede@example.nl")])
    endpoint = do_create_endpoint(org, url="https://erp.example.test/hook", event_types=["case.opened"])
    from loket.accounts.models import ApiToken
    from loket.integrations.actions import do_accept_inbound

    delivery = do_accept_inbound(
        org, [InboundMessage(channel="api", identity_kind="email", identity_value="jolanda@example.nl", text="Hoi")]
    )[0].delivery
    from loket.integrations.models import Mailbox

    mailbox = Mailbox.objects.create(organization=org, address="geheim@woonwinkel.example", team=team)
    delivery.status = "failed"
    delivery.save(update_fields=["status"])
    from loket.accounts.actions import do_create_team
    from loket.bereavement.actions import DeathReport, Document, do_report_death, do_set_bereavement_team
    from loket.integrations.whatsapp.tests.meta import whatsapp_number
    from loket.monitor.tests.factories import monitor_world

    monitor = monitor_world(org, owner, result.message.case)

    from loket.promises.actions import do_make_promise, do_report_cannot_keep

    promise = do_make_promise(
        result.message.case,
        actor=owner,
        kind="replacement",
        description="Bank beschadigd geleverd: vervanging",
        due_until=timezone.now() + timedelta(days=7),
        owner=owner,
        owner_pinned=True,
        external_ref="ORD-ISO-1",
    )
    do_report_cannot_keep(promise, actor=None, reason="Geheime Tweede levert niet")

    do_set_bereavement_team(org, do_create_team(org, "Nabestaanden", members=[owner]))
    notification = do_report_death(
        org,
        DeathReport(
            deceased_name="Geheime Tweede",
            date_of_death=datetime.date(2026, 1, 5),
            reporter_name="Jolanda de Vries",
            reporter_email="jolanda@example.nl",
        ),
        source="web",
        actor=None,
        document=Document("akte.pdf", b"%PDF-1.4 Geheime Tweede"),
    )
    return {
        **monitor,
        "promise_id": promise.pk,
        "notification_id": promise.notifications.get(recipient=owner).pk,
        "external_ref": "ORD-ISO-1",
        "kind": "delivery",
        "death_notification_id": notification.pk,
        "account_id": whatsapp_number(org, team).pk,
        "mailbox_id": mailbox.pk,
        "delivery_id": delivery.pk,
        "case_id": result.message.case_id,
        "attachment_id": result.message.attachments.get().pk,
        "message_id": result.message.pk,
        "customer_id": customer.pk,
        "source_id": second.pk,
        "membership_id": Membership.objects.get(user=agent, organization=org).pk,
        "team_id": team.pk,
        "token_id": ApiToken.objects.for_org(org).get().pk,
        "endpoint_id": endpoint.pk,
        "token": token,
        "outsider_token": outsider_token,
    }


def _url(route: Route, world: dict) -> str:
    path = route.path.replace("^", "").replace("$", "")
    for name in route.params:
        if name not in world:
            pytest.fail(f"route {route.name!r} has parameter {name!r}: teach test_tenant_isolation.py its value")
        for converter in ("int", "str", "slug", "uuid", "path"):
            path = path.replace(f"<{converter}:{name}>", str(world[name]))
        path = path.replace(f"<{name}>", str(world[name]))
    return "/" + path


def _request(client, method: str, url: str, route: Route, bearer: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    if method == "get":
        response = client.get(url, **headers)
    elif route.is_api:
        body = json.dumps({"text": "x", "subject": "x", "into": 1, "reason": "other", "note": "x"})
        response = getattr(client, method)(url, data=body, content_type="application/json", **headers)
    else:
        data = {"text": "x", "subject": "x", "reason": "other", "note": "x", "file": SimpleUploadedFile("a.txt", b"x")}
        response = client.post(url, data=data, **headers)
    if response.streaming:  # read a streamed body (an export) before closing it, as a browser would
        response.read_body = b"".join(response.streaming_content)
    _close(response)
    return response


def _close(response) -> None:
    """Close a (streamed) response like a server does, without ending the test's DB connection.

    Closing fires request_finished, whose close_old_connections would close the PostgreSQL
    connection inside the test transaction; Django's own test client disconnects it the same way.
    """
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


def _assert_no_secrets(response, route: Route) -> None:
    body = (response.read_body if response.streaming else response.content).decode(errors="replace")
    leaked = [s for s in SECRETS if s in body]
    assert not leaked, f"{route.name} ({route.path}) showed another organisation's data: {leaked}"


@pytest.mark.parametrize("route", [r for r in ROUTES.values() if r.params], ids=lambda r: r.name or r.path)
def test_outsider_gets_404_for_every_object_url(route, world, client, outsider, owner):
    url = _url(route, world)
    client.force_login(owner)
    owner_response = _request(client, "get", url, route, world["token"] if route.is_api else None)
    assert owner_response.status_code != 404, f"positive control failed: {url} is 404 for its own organisation"

    client.force_login(outsider)
    missing = _url(route, {**world, **dict.fromkeys(route.params, 987654)})
    methods = ["get", "post"] + (["patch", "delete"] if route.is_api else [])
    for method in methods:
        bearer = world["outsider_token"] if route.is_api else None
        response = _request(client, method, url, route, bearer)
        _assert_no_secrets(response, route)
        if route.is_api:
            # The API may reject a body before it looks anything up (422); what matters is that
            # our object answers exactly like one that does not exist, and never succeeds.
            expected = _request(client, method, missing, route, bearer).status_code
            assert response.status_code == expected, f"{method.upper()} {url}: {response.status_code} != {expected}"
            assert response.status_code in (404, 405, 422), (
                f"{method.upper()} {url} as outsider: {response.status_code}"
            )
        else:
            assert response.status_code in (404, 405), f"{method.upper()} {url} as outsider: {response.status_code}"


@pytest.mark.parametrize("route", [r for r in ROUTES.values() if not r.params], ids=lambda r: r.name or r.path)
def test_outsider_lists_and_searches_never_show_our_data(route, world, client, outsider):
    client.force_login(outsider)
    url = _url(route, world)
    # Queries that would match our data if it leaked (not the secrets themselves: a search
    # page rightly echoes its own query).
    for suffix in ("", "?q=Jolanda", "?q=example.nl", "?q=0612345678", "?view=open", "?view=unassigned"):
        response = _request(client, "get", url + suffix, route, world["outsider_token"] if route.is_api else None)
        assert response.status_code < 500
        _assert_no_secrets(response, route)


def test_switching_to_an_organisation_you_do_not_belong_to_does_nothing(world, client, outsider, org):
    client.force_login(outsider)
    client.post("/organisatie/", {"organization": org.pk})
    response = client.get("/?view=open")
    _assert_no_secrets(response, ROUTES[("", "inbox")])
    assert client.session.get("loket_organization_id") != org.pk
