"""Reading real WhatsApp Cloud API webhooks: what the agent reads, the ids that thread, and nothing lost.

The payloads are the recorded ones in ../shared/corpora/whatsapp (pywa, RestFB and the
whatsapp-business-java-api test data); see that folder's SOURCES.md.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from loket.integrations.email.tests.corpora import CORPORA, MISSING
from loket.integrations.whatsapp.payload import WaError, WaMessage, Webhook, parse_webhook

FOLDER = CORPORA / "whatsapp" if CORPORA is not None else None
ABSENT = MISSING if FOLDER is None else f"the WhatsApp corpus folder {FOLDER} is missing"
needs_corpus = pytest.mark.skipif(FOLDER is None or not FOLDER.is_dir(), reason=ABSENT)

# Files that are not one clean webhook body, by name, with the reason and how they are read.
# (No file in the corpus is a fragment such as a lone message object; every one is a full body.)
BROKEN = {
    "wajava__textMessageStatusRead.json": "committed upstream with a stray '{' after the body; "
    "the first JSON value is a complete webhook and is what is read",
}

# What every recorded body (and every named case in pywa's multi-case files) turns into.
# "message:<type>", "status:<status>", "echo:<type>" or "other:<field>". A new file fails
# test_every_corpus_case_is_classified until it is added here.
EXPECTED = {
    "pywa__callback_button.json:button": ["message:interactive"],
    "pywa__callback_button.json:quick_reply": ["message:button"],
    "pywa__callback_button.json:quick_reply_without_context": ["message:button"],
    "pywa__deleted_message.json:revoke": ["message:revoke"],
    "pywa__edited_message.json:image": ["message:edit"],
    "pywa__outgoing_message.json:text": ["echo:text"],
    "pywa__outgoing_message.json:delete": ["echo:revoke"],
    "pywa__outgoing_message.json:edit": ["echo:edit"],
    "pywa__system.json:phone_number_change": ["message:system"],
    "pywa__system.json:identity_change": ["message:system"],
    "restfb__webhook-accountReviewUpdate.json": ["other:account_review_update"],
    "restfb__webhook-accountUpdate-banned.json": ["other:account_update"],
    "restfb__webhook-businessUsernameUpdate-approved.json": ["other:business_username_update"],
    "restfb__webhook-group-participants-update.json": ["other:group_participants_update"],
    "restfb__webhook-incoming-message-ads.json": ["message:text"],
    "restfb__webhook-incoming-message-audio.json": ["message:audio"],
    "restfb__webhook-incoming-message-contacts-request-bsuid.json": ["message:contacts"],
    "restfb__webhook-incoming-message-contacts.json": ["message:contacts"],
    "restfb__webhook-incoming-message-contacts2.json": ["message:contacts"],
    "restfb__webhook-incoming-message-document.json": ["message:document"],
    "restfb__webhook-incoming-message-emoji.json": ["message:reaction"],
    "restfb__webhook-incoming-message-image.json": ["message:image"],
    "restfb__webhook-incoming-message-interactive-btn.json": ["message:interactive"],
    "restfb__webhook-incoming-message-interactive-list.json": ["message:interactive"],
    "restfb__webhook-incoming-message-location.json": ["message:location"],
    "restfb__webhook-incoming-message-status-bsuid.json": ["status:delivered"],
    "restfb__webhook-incoming-message-status-group-bsuid.json": ["status:read"],
    "restfb__webhook-incoming-message-status-ui.json": ["status:sent"],
    "restfb__webhook-incoming-message-sticker.json": ["message:sticker"],
    "restfb__webhook-incoming-message-system-bsuid.json": ["message:system"],
    "restfb__webhook-incoming-message-system.json": ["message:system"],
    "restfb__webhook-incoming-message-text-bsuid.json": ["message:text"],
    "restfb__webhook-incoming-message-unsupported.json": ["message:unsupported"],
    "restfb__webhook-incoming-message-video.json": ["message:video"],
    "restfb__webhook-messageTemplateStatusUpdate-approved.json": ["other:message_template_status_update"],
    "restfb__webhook-phoneNumberNameUpdate.json": ["other:phone_number_name_update"],
    "restfb__webhook-phoneNumberQualityUpdate.json": ["other:phone_number_quality_update"],
    "restfb__webhook-userIdUpdate.json": ["other:user_id_update"],
    "wajava__buttonMessage.json": ["message:button"],
    "wajava__contactMessage.json": ["message:contacts"],
    "wajava__documentMessage.json": ["message:document"],
    "wajava__imageMessage.json": ["message:image"],
    "wajava__locationMessage.json": ["message:location"],
    "wajava__mediaUploadError.json": ["status:failed"],
    "wajava__messageDeleted.json": ["message:unsupported"],
    "wajava__reactMessage.json": ["message:reaction"],
    "wajava__stickerMessage.json": ["message:sticker"],
    "wajava__textMessage.json": ["message:text"],
    "wajava__textMessage2.json": ["message:text"],
    "wajava__textMessageStatusRead.json": ["status:read"],
    "wajava__textMessageStatusSent.json": ["status:sent"],
    "wajava__videoMessage.json": ["message:video"],
}


def _read(path: Path) -> object:
    text = path.read_text(encoding="utf-8")
    if path.name in BROKEN:
        return json.JSONDecoder().raw_decode(text)[0]
    return json.loads(text)


@cache
def bodies() -> dict[str, object]:
    """Every webhook body in the corpus by case id: the file name, plus ":case" for pywa's multi-case files."""
    assert FOLDER is not None
    found: dict[str, object] = {}
    for path in sorted(FOLDER.glob("*.json")):
        data = _read(path)
        if path.name.startswith("pywa__"):
            assert isinstance(data, dict), path.name
            found.update({f"{path.name}:{case}": body for case, body in data.items()})
        else:
            found[path.name] = data
    return found


def parsed(case: str) -> Webhook:
    return parse_webhook(bodies()[case])


def only_message(case: str) -> WaMessage:
    hook = parsed(case)
    assert len(hook.messages) == 1, hook
    return hook.messages[0]


def labels(hook: Webhook) -> list[str]:
    return (
        [f"message:{m.type}" for m in hook.messages]
        + [f"status:{s.status}" for s in hook.statuses]
        + [f"echo:{m.type}" for m in hook.echoes]
        + [f"other:{note.split(':')[0]}" for note in hook.other]
    )


@needs_corpus
def test_every_corpus_case_is_classified():
    assert sorted(bodies()) == sorted(EXPECTED)


@needs_corpus
@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_every_recorded_webhook_is_read_without_losing_anything(case):
    assert case in bodies(), f"{case} is not in {FOLDER}"
    hook = parse_webhook(bodies()[case])
    assert isinstance(hook, Webhook)
    assert labels(hook) == EXPECTED[case]


@needs_corpus
def test_the_corpus_has_every_message_type_the_desk_must_show():
    kinds = Counter(label for expected in EXPECTED.values() for label in expected)
    for kind in ("text", "image", "audio", "video", "document", "sticker", "location", "contacts"):
        assert kinds[f"message:{kind}"], kind
    for kind in ("interactive", "button", "reaction", "system", "unsupported", "edit", "revoke"):
        assert kinds[f"message:{kind}"], kind


# --- what the agent reads -------------------------------------------------------------------


@needs_corpus
def test_a_text_message_carries_sender_business_number_and_time():
    message = only_message("wajava__textMessage.json")
    assert message.text == "hi everyone!"
    assert message.id == "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA=="
    assert message.from_ == "1111111111111"
    assert message.name == "Mauricio Binda"
    assert message.phone_number_id == "409552778964973"
    assert message.display_phone_number == "43330585569"
    assert message.timestamp == datetime(2023, 1, 5, 19, 39, 38, tzinfo=UTC)
    assert message.reply_to == ""
    assert message.media is None


@needs_corpus
def test_the_profile_name_is_only_taken_from_the_contact_that_sent_the_message():
    # The contact listed is 1111111111111, the message is from another number: no name is guessed.
    message = only_message("wajava__textMessage2.json")
    assert (message.from_, message.name, message.text) == ("409552778964973", "", "Good afternoon")


@needs_corpus
def test_an_image_has_its_caption_as_text_and_the_media_id_to_download():
    message = only_message("restfb__webhook-incoming-message-image.json")
    assert message.text == "Some awesome image"
    assert message.media is not None
    assert message.media.id == "400962571939895"
    # RestFB's file keeps the JSON "\/" escape as text; a MIME type never holds a backslash.
    assert message.media.mime_type == "image/jpeg"
    assert message.media.sha256 == "law0CgE277wMMnIJU0XIxhDne6Ptmwaek/thVM7mVtg="


@needs_corpus
def test_an_image_without_caption_has_no_text_but_keeps_the_media():
    message = only_message("wajava__imageMessage.json")
    assert message.text == ""
    assert message.media is not None
    assert (message.media.id, message.media.mime_type) == ("8472976218001204", "image/jpeg")


@needs_corpus
def test_a_voice_note_is_marked_as_one():
    message = only_message("restfb__webhook-incoming-message-audio.json")
    assert message.type == "audio"
    assert message.media is not None
    assert message.media.voice is True
    assert message.media.mime_type == "audio/ogg; codecs=opus"
    assert message.media.id == "1113842206146232"
    assert message.text == ""


@needs_corpus
def test_a_video_has_its_caption_and_media():
    message = only_message("wajava__videoMessage.json")
    assert message.text == "hello world"
    assert message.media is not None
    assert (message.media.id, message.media.mime_type) == ("661828760183585", "video/mp4")


@needs_corpus
def test_a_document_keeps_its_file_name():
    message = only_message("wajava__documentMessage.json")
    assert message.media is not None
    assert message.media.filename == "4_641947.pdf"
    assert message.media.mime_type == "application/pdf"
    assert message.text == ""
    message = only_message("restfb__webhook-incoming-message-document.json")
    assert message.media is not None
    assert message.media.filename == "RESTFB ANNIVERSARY.zip"
    assert message.text == "RESTFB ANNIVERSARY"


@needs_corpus
def test_a_sticker_says_whether_it_moves():
    message = only_message("wajava__stickerMessage.json")
    assert message.media is not None
    assert (message.media.id, message.media.mime_type, message.media.animated) == (
        "1604825680670873",
        "image/webp",
        False,
    )
    assert message.text == ""


@needs_corpus
def test_a_location_reads_as_place_and_coordinates():
    message = only_message("wajava__locationMessage.json")
    assert message.location is not None
    assert (message.location.latitude, message.location.longitude) == (-10.93941311633, -10.606395436721)
    assert message.text == "-10.93941311633, -10.606395436721\nhttps://foursquare.com/v/5c42c5667d8497002c6e09f9"
    message = only_message("restfb__webhook-incoming-message-location.json")
    assert message.location is not None
    assert (message.location.latitude, message.location.longitude) == (49.234939575195, 6.9993596076965)
    # The file escapes "ü" twice (a literal \u00fc); the parser leaves customer text as sent.
    assert message.location.name == message.location.address == "Saarbr\\u00fccken"
    assert message.text == "Saarbr\\u00fccken\n49.234939575195, 6.9993596076965"


@needs_corpus
def test_shared_contact_cards_read_as_names_and_numbers():
    message = only_message("wajava__contactMessage.json")
    assert [(c.name, c.phones) for c in message.contacts] == [("Person Ok", ["+55 11 11111-1111 (CELL)"])]
    assert message.text == "Person Ok\n+55 11 11111-1111 (CELL)"
    message = only_message("restfb__webhook-incoming-message-contacts2.json")
    assert len(message.contacts) == 2
    assert message.contacts[1].phones == ["+39 349 REDACTED (Cellulare)"]
    message = only_message("restfb__webhook-incoming-message-contacts.json")
    assert [(c.name, c.phones) for c in message.contacts] == [("j_doe", [])]


@needs_corpus
def test_a_button_reply_gives_the_title_and_the_business_button_id():
    message = only_message("restfb__webhook-incoming-message-interactive-btn.json")
    assert (message.text, message.interactive_id) == ("button-text", "unique-button-identifier-here")
    message = only_message("pywa__callback_button.json:button")
    assert (message.text, message.interactive_id, message.reply_to) == ("title", "callback_data", "wamid.xyzxyz")


@needs_corpus
def test_a_list_reply_gives_title_description_and_row_id():
    message = only_message("restfb__webhook-incoming-message-interactive-list.json")
    assert message.text == "list_reply_title\nlist_reply_description"
    assert message.interactive_id == "list_reply_id"


@needs_corpus
def test_a_quick_reply_button_gives_its_text_and_payload_and_what_it_answers():
    message = only_message("wajava__buttonMessage.json")
    assert (message.type, message.text, message.interactive_id) == ("button", "SIM", "SIM")
    assert message.reply_to == "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA=="
    message = only_message("pywa__callback_button.json:quick_reply")
    assert (message.text, message.interactive_id, message.reply_to) == ("title", "callback_data", "wamid.xyzxyz==")
    assert only_message("pywa__callback_button.json:quick_reply_without_context").reply_to == ""


@needs_corpus
def test_a_reaction_names_its_emoji_and_the_message_it_is_about():
    message = only_message("wajava__reactMessage.json")
    assert message.text == "👍"
    assert message.reaction_to == "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA=="
    assert message.reaction_removed is False
    message = only_message("restfb__webhook-incoming-message-emoji.json")
    assert (message.text, message.reaction_to) == ("👍🏻", "wamid.xxxxxxxx")


def test_a_reaction_without_emoji_means_the_reaction_was_removed():
    message = {"from": "31612345678", "id": "wamid.R", "type": "reaction", "reaction": {"message_id": "wamid.X"}}
    hook = parse_webhook(_body([_change(messages=[message])]))
    assert hook.messages[0].reaction_removed is True
    assert hook.messages[0].reaction_to == "wamid.X"


@needs_corpus
def test_an_ad_referral_is_kept_with_the_text():
    message = only_message("restfb__webhook-incoming-message-ads.json")
    assert message.text == "Test"
    assert message.referral["headline"] == "AD_TITLE"
    assert message.referral["source_type"] == "ad"


@needs_corpus
def test_a_system_notice_reads_as_its_body_and_names_the_new_number():
    message = only_message("pywa__system.json:phone_number_change")
    assert message.text == "User A changed from 972987654321 to 972912345678"
    assert message.system is not None
    assert (message.system.kind, message.system.new_wa_id) == ("user_changed_number", "972912345678")
    message = only_message("restfb__webhook-incoming-message-system.json")
    assert message.system is not None
    assert message.system.new_wa_id == "NEW_PHONE_NUMBER"
    message = only_message("pywa__system.json:identity_change")
    assert message.system is not None
    assert (message.system.kind, message.text, message.name) == (
        "customer_identity_changed",
        "User identity changed",
        "User A",
    )


@needs_corpus
def test_an_unsupported_message_carries_whatsapps_reason():
    message = only_message("wajava__messageDeleted.json")
    assert message.type == "unsupported"
    assert message.errors == [WaError(131051, "Message type unknown", "Message type is currently not supported.")]
    message = only_message("restfb__webhook-incoming-message-unsupported.json")
    assert message.errors[0].code == 131051


@needs_corpus
def test_an_edit_refers_to_the_original_and_carries_the_new_content():
    message = only_message("pywa__edited_message.json:image")
    assert message.type == "edit"
    assert message.content_type == "image"
    assert message.refers_to == "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="
    assert message.text == "Updated image caption"
    assert message.media is not None
    assert message.media.id == "1234567890"


@needs_corpus
def test_a_deleted_message_refers_to_the_original():
    message = only_message("pywa__deleted_message.json:revoke")
    assert (message.type, message.refers_to, message.text) == ("revoke", "<ORIGINAL_WHATSAPP_MESSAGE_ID>", "")


@needs_corpus
def test_messages_the_business_sent_from_the_app_are_echoes_not_customer_messages():
    hook = parsed("pywa__outgoing_message.json:edit")
    assert hook.messages == []
    assert [(e.text, e.refers_to, e.to) for e in hook.echoes] == [("Text was edited", "wamid.zzzzzz", "972123456789")]
    echo = parsed("pywa__outgoing_message.json:text").echoes[0]
    assert (echo.text, echo.to, echo.to_user_id, echo.name) == (
        "Test message",
        "<WHATSAPP_USER_PHONE_NUMBER>",
        "<BSUID>",
        "",
    )


# --- business-scoped user ids (BSUID) --------------------------------------------------------


@needs_corpus
def test_a_message_without_phone_number_keeps_the_business_scoped_user_id():
    message = only_message("restfb__webhook-incoming-message-text-bsuid.json")
    assert message.from_ == ""
    assert message.user_id == "US.13491208655302741918"
    assert message.parent_user_id == "US.ENT.11815799212886844830"
    assert (message.name, message.username) == ("Sheena Nelson", "@realsheenanelson")
    assert message.group_id == "120363418770915618@g.us"
    assert message.text == "Does it come in another color?"


@needs_corpus
def test_a_contact_request_without_any_sender_field_belongs_to_the_only_contact_listed():
    message = only_message("restfb__webhook-incoming-message-contacts-request-bsuid.json")
    assert (message.user_id, message.name) == ("US.13491208655302741918", "Sheena Nelson")
    assert message.text == "Sheena Nelson\n15551234567"  # the card's name comes from its vCard


@needs_corpus
def test_a_phone_number_sender_also_gets_its_business_scoped_id_from_the_contacts():
    message = only_message("pywa__callback_button.json:quick_reply")
    assert (message.from_, message.user_id) == ("972987654321", "US.13491208655302741918")


# --- statuses ----------------------------------------------------------------------------------


@needs_corpus
def test_sent_delivered_and_read_statuses_name_the_outbound_message():
    (sent,) = parsed("wajava__textMessageStatusSent.json").statuses
    assert (sent.id, sent.status, sent.recipient_id) == (
        "wamid.nBgN6TUyN2k5NzAzM5kzNhUCABI8FDNFQjAxQkE5REI4NEUzQ5Y5QTNgAA==",
        "sent",
        "1111111111111",
    )
    assert (sent.conversation_id, sent.pricing_category) == ("8eb644d2350611f3746e7f0985bddfc1", "business_initiated")
    assert sent.phone_number_id == "409552778964973"
    (read,) = parsed("wajava__textMessageStatusRead.json").statuses
    assert (read.id, read.status) == (sent.id, "read")
    (delivered,) = parsed("restfb__webhook-incoming-message-status-bsuid.json").statuses
    assert (delivered.status, delivered.recipient_id, delivered.recipient_user_id) == (
        "delivered",
        "",
        "US.13491208655302741918",
    )


@needs_corpus
def test_a_group_status_names_the_group_and_the_member():
    (read,) = parsed("restfb__webhook-incoming-message-status-group-bsuid.json").statuses
    assert (read.recipient_id, read.recipient_type, read.participant_id) == (
        "120363418770915618@g.us",
        "group",
        "16505551234",
    )


@needs_corpus
def test_a_failed_status_carries_the_error_code_title_and_detail():
    (failed,) = parsed("wajava__mediaUploadError.json").statuses
    assert failed.status == "failed"
    assert failed.timestamp == datetime(2023, 3, 2, 18, 56, 12, tzinfo=UTC)
    assert failed.errors == [
        WaError(
            131053,
            "Media upload error",
            "Unsupported Video mime type text/html. Please use one of video/3gpp, video/mp4.",
        )
    ]


@needs_corpus
def test_a_placeholder_timestamp_becomes_none_not_an_error():
    (sent,) = parsed("restfb__webhook-incoming-message-status-ui.json").statuses
    assert sent.timestamp is None
    assert sent.status == "sent"


# --- everything else -------------------------------------------------------------------------


@needs_corpus
def test_account_and_template_updates_end_up_in_other_and_make_no_messages():
    for case, note in [
        ("restfb__webhook-accountUpdate-banned.json", "account_update: event=DISABLED_UPDATE"),
        (
            "restfb__webhook-messageTemplateStatusUpdate-approved.json",
            "message_template_status_update: event=APPROVED, message_template_name=My message template",
        ),
        (
            "restfb__webhook-phoneNumberQualityUpdate.json",
            "phone_number_quality_update: event=FLAGGED, current_limit=TIER_10K",
        ),
        ("restfb__webhook-userIdUpdate.json", "user_id_update"),
    ]:
        hook = parsed(case)
        assert (hook.messages, hook.statuses, hook.echoes, hook.other) == ([], [], [], [note]), case


def test_garbage_in_one_change_does_not_lose_the_messages_of_the_others():
    good = {
        "from": "31612345678",
        "id": "wamid.GOOD",
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": "Hallo"},
    }
    later = {"from": "31612345678", "id": "wamid.LATER", "type": "text", "text": {"body": "Nog iets"}}
    body = _body(
        [
            _change(messages="not a list"),
            _change(messages=["not a message", good, {"id": "wamid.ODD", "type": "text", "text": "a string"}]),
            {"field": "messages", "value": None},
            "not a change",
            _change(statuses=[{"id": "wamid.OUT", "status": "read", "timestamp": "soon", "errors": "none"}]),
        ]
    )
    body["entry"].append({"id": "2", "changes": [_change(messages=[later])]})
    body["entry"].append("not an entry")
    hook = parse_webhook(body)
    assert [(m.id, m.text) for m in hook.messages] == [
        ("wamid.GOOD", "Hallo"),
        ("wamid.ODD", ""),
        ("wamid.LATER", "Nog iets"),
    ]
    assert hook.messages[0].timestamp == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert [(s.id, s.status, s.timestamp, s.errors) for s in hook.statuses] == [("wamid.OUT", "read", None, [])]
    assert "entry[0].changes[0]: messages is not a list" in hook.other
    assert "entry[0].changes[1].messages[0]: not an object" in hook.other
    assert "entry[0].changes[2]: messages without a value object" in hook.other
    assert len(hook.other) == 5


def test_a_body_that_is_not_a_whatsapp_business_webhook_gives_nothing_but_a_note():
    hook = parse_webhook({"object": "page", "entry": [{"changes": [_change(messages=[{"id": "wamid.X"}])]}]})
    assert (hook.messages, hook.statuses) == ([], [])
    assert hook.other == ["not a WhatsApp Business Account webhook (object='page')"]
    assert parse_webhook([]).other == ["not a JSON object (list)"]  # type: ignore[arg-type]
    assert parse_webhook({"object": "whatsapp_business_account"}).other == ["no entry list"]


def _change(**value: object) -> dict[str, object]:
    return {"field": "messages", "value": {"metadata": {"phone_number_id": "106540352242922"}, **value}}


def _body(changes: list[object]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": changes}]}
