"""The webhooks' acknowledgement path (integrations/ingress.py), through Loket's ASGI application
as uvicorn calls it: a post it answers is stored exactly as the view stores it, before the 200;
everything else gets the answer Django's view always gave."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from django.db import OperationalError

from loket.accounts.models import Membership
from loket.integrations import ingress
from loket.integrations.actions import do_process_pending
from loket.integrations.channel_accounts import check_set_channel_account_active
from loket.integrations.intake import intake
from loket.integrations.models import ChannelAccount, InboundDelivery
from loket.integrations.sms.tests import provider as twilio
from loket.integrations.whatsapp.tests.meta import APP_SECRET, corpus, status_body, whatsapp_number
from loket.integrations.whatsapp.tests.meta import post as view_post

pytestmark = pytest.mark.django_db(transaction=True)

WHATSAPP_MESSAGE = "restfb__webhook-incoming-message-image.json"


@pytest.fixture(autouse=True)
def fresh_memory():
    ingress.forget_accounts()
    yield
    ingress.forget_accounts()


@pytest.fixture
def number(org, team):
    return whatsapp_number(org, team)


@pytest.fixture
def sms(org, team):
    return twilio.sms_number(org, team)


def call(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None, **options: Any):
    """One request to Loket's ASGI application (loket/asgi.py), in this process."""
    from loket.asgi import application

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url=options.get("base", "http://testserver")) as client:
            return await client.request(method, path, content=body, headers=headers)

    return asyncio.run(go())


def whatsapp_post(account, body: bytes, *, secret: str = APP_SECRET, **options: Any) -> httpx.Response:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    return call("POST", f"/inbound/whatsapp/{account.key}/", body, headers, **options)


def sms_post(account, params: dict[str, str], *, status: bool = False, token: str = twilio.AUTH_TOKEN):
    path = twilio.url(account, status=status)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio.signature(f"http://testserver{path}", params, token),
    }
    return call("POST", path, urlencode(params).encode(), headers)


def stored() -> list[dict[str, Any]]:
    fields = ["organization_id", "channel", "external_id", "payload", "raw", "channel_account_id", "status"]
    fields += ["attempts", "error", "mailbox_id", "message_id", "processed_at"]
    return [
        {**row, "raw": bytes(row["raw"]) if row["raw"] is not None else None}
        for row in InboundDelivery.objects.order_by("pk").values(*fields)
    ]


def answered_by_the_fast_path(monkeypatch) -> list[int]:
    """Counts the posts the acknowledgement path stored itself (not handed to Django)."""
    calls: list[int] = []
    real = intake.store

    def counting(deliveries):
        calls.append(len(deliveries))
        return real(deliveries)

    monkeypatch.setattr(intake, "store", counting)
    return calls


def test_a_whatsapp_message_is_stored_exactly_as_the_view_stores_it(client, number, monkeypatch):
    fast = answered_by_the_fast_path(monkeypatch)
    response = whatsapp_post(number, corpus(WHATSAPP_MESSAGE))
    assert (response.status_code, response.text) == (200, "ok")
    assert fast == [1]
    by_fast_path = stored()
    InboundDelivery.objects.all().delete()
    assert view_post(client, number, corpus(WHATSAPP_MESSAGE)).status_code == 200
    assert stored() == by_fast_path  # the same row, field by field


def test_a_stored_text_message_lands_on_a_case_for_the_numbers_team(number):
    assert whatsapp_post(number, corpus("restfb__webhook-incoming-message-ads.json")).status_code == 200
    assert do_process_pending() == 1
    delivery = InboundDelivery.objects.get()
    assert delivery.status == InboundDelivery.Status.DONE
    assert delivery.message.case.team == number.team


def test_a_redelivered_whatsapp_post_is_answered_and_stores_nothing_new(number):
    body = corpus(WHATSAPP_MESSAGE)
    assert whatsapp_post(number, body).status_code == 200
    assert whatsapp_post(number, body).status_code == 200
    assert InboundDelivery.objects.count() == 1


def test_many_posts_at_once_are_each_stored_before_their_answer(number):
    bodies = [status_body(f"wamid.burst{i}", "delivered") for i in range(40)]

    async def burst() -> list[int]:
        from loket.asgi import application

        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:

            async def one(body: bytes) -> int:
                signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
                headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
                response = await client.post(f"/inbound/whatsapp/{number.key}/", content=body, headers=headers)
                return response.status_code

            return await asyncio.gather(*(one(body) for body in bodies))

    assert asyncio.run(burst()) == [200] * 40
    assert InboundDelivery.objects.count() == 40


def test_a_forged_whatsapp_post_gets_the_views_403_and_stores_nothing(number, monkeypatch):
    fast = answered_by_the_fast_path(monkeypatch)
    response = whatsapp_post(number, corpus(WHATSAPP_MESSAGE), secret="not-the-secret")
    assert (response.status_code, response.text) == (403, "Bad signature.")
    assert fast == []
    assert InboundDelivery.objects.count() == 0


def test_what_the_path_does_not_answer_gets_djangos_answer(number, monkeypatch):
    fast = answered_by_the_fast_path(monkeypatch)
    # Meta's subscription check (a GET)
    query = "hub.mode=subscribe&hub.verify_token=woonwinkel-verify&hub.challenge=1158201444"
    assert call("GET", f"/inbound/whatsapp/{number.key}/?{query}").text == "1158201444"
    # a body that is not JSON, an unknown key, a host Loket does not serve
    assert whatsapp_post(number, b"{not json").status_code == 400
    assert call("POST", "/inbound/whatsapp/nobody/", b"{}", {"Content-Type": "application/json"}).status_code == 404
    assert whatsapp_post(number, corpus(WHATSAPP_MESSAGE), base="http://evil.example").status_code == 400
    assert fast == []
    assert InboundDelivery.objects.count() == 0


def test_a_template_status_goes_to_the_view_which_applies_it(number, monkeypatch):
    from loket.integrations.whatsapp.tests.test_templates import status_update

    fast = answered_by_the_fast_path(monkeypatch)
    body = status_update("PAUSED", name="levering_gepland", language="nl", template_id=1180352176936290)
    assert whatsapp_post(number, body).status_code == 200
    assert fast == []
    assert InboundDelivery.objects.count() == 0


def test_a_message_for_another_number_of_the_organisation_is_routed_by_the_view(org, team, number, monkeypatch):
    other = ChannelAccount(organization=org, kind="whatsapp", name="Tweede", external_id="555000111222333", team=team)
    other.set_secrets(app_secret="another-secret")
    other.save()
    fast = answered_by_the_fast_path(monkeypatch)
    body = corpus(WHATSAPP_MESSAGE)
    original = json.loads(body)["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"]
    body = body.replace(original.encode(), other.external_id.encode())
    assert whatsapp_post(number, body).status_code == 200
    assert fast == []
    assert InboundDelivery.objects.get().channel_account == other


def test_a_switched_off_number_is_404_at_once_in_this_process(owner, number):
    assert whatsapp_post(number, corpus(WHATSAPP_MESSAGE)).status_code == 200  # remembered now
    check_set_channel_account_active(Membership.objects.get(user=owner), number, False)
    assert whatsapp_post(number, status_body("wamid.after", "read")).status_code == 404
    assert InboundDelivery.objects.count() == 1


def test_a_post_that_cannot_be_stored_is_answered_500_so_the_provider_sends_it_again(number, monkeypatch):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("the database went away")

    monkeypatch.setattr("loket.integrations.intake._commit", broken)
    response = whatsapp_post(number, corpus(WHATSAPP_MESSAGE))
    assert response.status_code == 500
    monkeypatch.undo()
    assert InboundDelivery.objects.count() == 0
    assert whatsapp_post(number, corpus(WHATSAPP_MESSAGE)).status_code == 200  # Meta's retry
    assert InboundDelivery.objects.count() == 1


def test_an_sms_is_stored_as_the_view_stores_it_with_twilios_empty_answer(client, sms, monkeypatch):
    fast = answered_by_the_fast_path(monkeypatch)
    params = twilio.inbound("Mijn bank is kapot")
    response = sms_post(sms, params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    assert fast == [1]
    by_fast_path = stored()
    InboundDelivery.objects.all().delete()
    assert twilio.post(client, sms, params).status_code == 200
    assert stored() == by_fast_path
    assert do_process_pending() == 1
    assert InboundDelivery.objects.get().message.text == "Mijn bank is kapot"


def test_an_sms_status_callback_takes_the_path_too(sms, monkeypatch):
    fast = answered_by_the_fast_path(monkeypatch)
    callback = twilio.status("SM00000000000000000000000000000009", "delivered")
    assert sms_post(sms, callback, status=True).status_code == 200
    assert fast == [1]
    assert InboundDelivery.objects.get().external_id == "status:SM00000000000000000000000000000009:delivered"


def test_a_forged_or_foreign_sms_gets_the_views_403(sms, monkeypatch):
    fast = answered_by_the_fast_path(monkeypatch)
    assert sms_post(sms, twilio.inbound("x"), token="guessed").status_code == 403
    foreign = {**twilio.inbound("x"), "AccountSid": "AC" + "0" * 32}
    response = sms_post(sms, foreign)
    assert (response.status_code, response.text) == (403, "Wrong AccountSid.")
    assert fast == []
    assert InboundDelivery.objects.count() == 0


def test_switched_off_the_path_leaves_every_post_to_django(settings, number, monkeypatch):
    settings.INBOUND_FAST_PATH = False
    fast = answered_by_the_fast_path(monkeypatch)
    assert whatsapp_post(number, corpus(WHATSAPP_MESSAGE)).status_code == 200
    assert fast == []
    assert InboundDelivery.objects.count() == 1
