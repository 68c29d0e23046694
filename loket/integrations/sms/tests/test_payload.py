"""Reading Twilio's parameters without Django: every recorded set is a message with its ids,
sender, number and media; a status callback is a status; nothing raises on odd input."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from loket.integrations.sms.payload import (
    TwMessage,
    TwStatus,
    delivery_id,
    parse_body,
    parse_params,
)
from loket.integrations.sms.tests.provider import ACCOUNT_SID, corpus, corpus_names, status


@pytest.mark.parametrize("name", corpus_names() or ["(corpus missing)"])
def test_every_recorded_parameter_set_reads_as_a_message(name):
    params = corpus(name)
    message = parse_params(parse_body(urlencode(params).encode()))  # as stored: the posted form
    assert isinstance(message, TwMessage)
    assert (message.sid, message.account_sid) == (params["MessageSid"], ACCOUNT_SID)
    assert (message.from_, message.to) == ("+491710000000", "+4915700000000")
    assert message.body == params["Body"]
    assert delivery_id(params) == params["MessageSid"]


def test_an_mms_names_its_files_and_their_types():
    message = parse_params(corpus("zammad__inbound_sms4.json"))
    assert message.body == ""
    assert [(media.url, media.content_type, media.sid) for media in message.media] == [
        ("https://api.twilio.com/2010-04-01/Accounts/XXXXXX/Messages/XXXXXXX/Media/XXXXXX", "image/jpeg", "XXXXXX")
    ]


def test_a_status_callback_is_a_status_with_its_error_code():
    report = parse_params(status("SMout", "undelivered", "30003"))
    assert report == TwStatus(
        sid="SMout", account_sid=ACCOUNT_SID, status="undelivered", error_code=30003, from_="+4915700000000",
        to="+491710000000",
    )  # fmt: skip
    assert delivery_id(status("SMout", "undelivered")) == "status:SMout:undelivered"


def test_odd_input_reads_as_empty_fields_never_as_an_error():
    message = parse_params({"NumMedia": "lots", "MediaUrl0": "x", "Body": "\ud800"})
    assert isinstance(message, TwMessage)
    assert (message.sid, message.media) == ("", [])
    assert parse_body(b"\xff\xfe=%ZZ&Body=Hallo") == {"\ufffd\ufffd": "%ZZ", "Body": "Hallo"}
    # Without a sid the same parameters are still one delivery.
    assert delivery_id({"Body": "a"}) == delivery_id({"Body": "a"}) != delivery_id({"Body": "b"})
    assert delivery_id({"Body": "a"}).startswith("sha256:")
