"""Attachments of inbound messages: what the file is, when the sender did not say."""

from __future__ import annotations

import pytest

from loket.cases.files import content_type_of
from loket.cases.receiving import InboundMessage, IncomingAttachment, do_receive_message

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def test_a_file_sent_as_octet_stream_gets_the_type_its_bytes_have(org):
    inbound = InboundMessage(
        channel="email",
        identity_kind="email",
        identity_value="jolanda@example.nl",
        text="Factuur bijgevoegd",
        attachments=[IncomingAttachment("factuur", PDF, "application/octet-stream")],
    )
    attachment = do_receive_message(org, inbound).message.attachments.get()
    assert attachment.content_type == "application/pdf"


def test_a_declared_type_is_kept_and_an_unknown_file_stays_generic():
    assert content_type_of(PDF, "application/x-custom") == "application/x-custom"
    assert content_type_of(b"just some bytes", "application/octet-stream") == "application/octet-stream"
    assert content_type_of(b"just some bytes", "", "notities.txt") == "text/plain"
