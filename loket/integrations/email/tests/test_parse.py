"""Parsing real e-mail: readable text from whatever arrives, or a clear reason why not."""

from __future__ import annotations

import pytest

from loket.integrations.base import Rejected
from loket.integrations.email.parse import html_to_text, message_id_of, parse_email
from loket.integrations.email.tests.corpora import CORPORA, MISSING

pytestmark = pytest.mark.skipif(CORPORA is None, reason=MISSING)


def corpus(name: str) -> bytes:
    assert CORPORA is not None
    return (CORPORA / "email" / name).read_bytes()


def test_html_only_mail_gets_readable_text_and_keeps_its_html():
    parsed = parse_email(corpus("chatwoot__only_html.eml"))
    assert parsed.html
    assert parsed.text.strip()
    assert "<" not in parsed.text


def test_encoded_word_headers_are_decoded():
    parsed = parse_email(corpus("flanker__encoded-header.eml"))
    assert "=?" not in parsed.subject
    assert parsed.subject


def test_auto_replies_are_recognised():
    assert parse_email(corpus("chatwoot__auto_reply_with_auto_submitted.eml")).automatic
    assert not parse_email(corpus("chatwoot__only_text.eml")).automatic


def test_a_missing_message_id_gets_a_stand_in_that_is_the_same_on_redelivery():
    raw = b"From: Piet <piet@example.nl>\r\nSubject: Factuur\r\n\r\nMijn factuur klopt niet.\r\n"
    assert message_id_of(raw) == message_id_of(raw)
    assert message_id_of(raw).endswith("@loket.invalid>")
    assert message_id_of(raw) != message_id_of(raw + b"Nog iets.\r\n")
    assert message_id_of(b"Message-ID: <abc@example.nl>\r\n\r\nx") == "<abc@example.nl>"


def test_a_message_without_any_sender_is_rejected_with_the_reason():
    with pytest.raises(Rejected, match="no sender address"):
        parse_email(b"To: service@woonwinkel.example\r\nSubject: ?\r\n\r\nHallo\r\n")


def test_html_to_text_keeps_lines_and_drops_scripts():
    html = "<html><head><style>p{}</style></head><body><p>Beste Jolanda,</p><p>De bank &amp; kussens</p>"
    html += "<script>alert(1)</script></body></html>"
    assert html_to_text(html) == "Beste Jolanda,\nDe bank & kussens"


def test_8bit_utf8_headers_and_names_are_read_as_utf8():
    parsed = parse_email(corpus("flanker__from-encoding.eml"))
    assert parsed.from_name == "Ingo Lütkebohle"
    parsed = parse_email(corpus("rubymail__invalid_subject_characters.eml"))
    assert parsed.subject.startswith("Formação FrenetikPolis")


def test_a_forwarded_message_is_kept_whole_as_an_eml_attachment():
    parsed = parse_email(corpus("rubymail__attachment_message_rfc822.eml"))
    [forwarded] = [a for a in parsed.attachments if a.content_type == "message/rfc822"]
    assert forwarded.filename.endswith(".eml")
    assert b"broken.pdf" in forwarded.content


def test_a_crafted_address_header_is_no_crash():
    parsed = parse_email(corpus("mimekit__stack-overflow.eml"))  # Python's parser recursed on it
    assert parsed.from_address == "test@test.com"


def test_inline_images_keep_their_content_id():
    raw = (
        b'From: a@example.nl\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n'
        b'--r\r\nContent-Type: text/html\r\n\r\n<img src="cid:logo@x">\r\n'
        b"--r\r\nContent-Type: image/png\r\nContent-ID: <logo@x>\r\n\r\nPNG\r\n--r--\r\n"
    )
    [image] = parse_email(raw).attachments
    assert (image.content_type, image.content_id) == ("image/png", "logo@x")


def test_outlooks_winmail_dat_gives_its_text_and_a_damaged_one_is_kept():
    parsed = parse_email(corpus("mimekit__ukr.eml"))
    assert parsed.text.strip()
    damaged = (
        b'From: a@example.nl\r\nContent-Type: multipart/mixed; boundary="m"\r\n\r\n'
        b"--m\r\nContent-Type: text/plain\r\n\r\nZie bijlage.\r\n"
        b"--m\r\nContent-Type: application/ms-tnef; name=winmail.dat\r\n\r\nnot tnef\r\n--m--\r\n"
    )
    [kept] = parse_email(damaged).attachments
    assert kept.filename == "winmail.dat"
