from __future__ import annotations

import pytest

from loket.cases.models import Message
from loket.cases.receiving import InboundMessage, do_receive_message

pytestmark = pytest.mark.django_db


def test_messages_of_a_case_oldest_first(api, inbound_case, org):
    do_receive_message(
        org,
        InboundMessage(
            channel="api", identity_kind="email", identity_value="piet@example.nl", text="Nog iets", external_id="msg-2"
        ),
    )
    items = api.get(f"/cases/{inbound_case.pk}/messages").json()["items"]
    assert [item["text"] for item in items] == ["Mijn factuur klopt niet.", "Nog iets"]
    assert items[0]["identity"]["value"] == "piet@example.nl"
    assert items[0]["kind"] == "inbound"


def test_reply_goes_out_on_the_channel_the_customer_used(api, inbound_case, owner):
    response = api.post(f"/cases/{inbound_case.pk}/messages", {"kind": "reply", "text": "We kijken ernaar."})
    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["channel"], body["author"]["id"]) == ("outbound", "api", owner.pk)
    assert body["delivery_status"] in {"queued", "sent"}


def test_reply_on_a_chosen_channel(api, inbound_case):
    body = api.post(
        f"/cases/{inbound_case.pk}/messages", {"kind": "reply", "text": "Zie mail", "channel": "email"}
    ).json()
    assert body["channel"] == "email"


def test_note_stays_internal(api, inbound_case):
    body = api.post(f"/cases/{inbound_case.pk}/messages", {"kind": "note", "text": "Klant was boos"}).json()
    assert body["kind"] == "note"
    assert Message.objects.get(pk=body["id"]).delivery_status == ""


def test_note_with_a_channel_is_422(api, inbound_case):
    response = api.post(f"/cases/{inbound_case.pk}/messages", {"kind": "note", "text": "x", "channel": "email"})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"channel"}


def test_empty_reply_is_422(api, inbound_case):
    response = api.post(f"/cases/{inbound_case.pk}/messages", {"kind": "reply", "text": "   "})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"text"}


def test_contacts_of_a_case(api, inbound_case):
    api.post(f"/cases/{inbound_case.pk}/messages", {"kind": "reply", "text": "Per mail", "channel": "email"})
    items = api.get(f"/cases/{inbound_case.pk}/contacts").json()["items"]
    assert [(item["channel"], item["direction"]) for item in items] == [("api", "inbound"), ("email", "outbound")]
