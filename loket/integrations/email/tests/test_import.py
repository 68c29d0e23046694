"""Importing .eml files and a Maildir: the same path as received mail, idempotent."""

from __future__ import annotations

import mailbox as mailboxes
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from loket.cases.models import Message
from loket.integrations.actions import do_process_pending
from loket.integrations.email.tests.corpora import CORPORA, MISSING
from loket.integrations.models import InboundDelivery, Mailbox

pytestmark = pytest.mark.django_db

MAIL = b"From: Piet <piet@example.nl>\r\nSubject: Factuur\r\nMessage-ID: <m%d@example.nl>\r\n\r\nBericht %d\r\n"


@pytest.fixture
def mailbox(org, team):
    return Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_email", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_a_maildir_and_eml_files_are_imported_once(mailbox, tmp_path):
    maildir = mailboxes.Maildir(tmp_path / "Maildir", create=True)
    for n in (1, 2):
        maildir.add(MAIL % (n, n))
    (tmp_path / "los.eml").write_bytes(MAIL % (3, 3))

    output = run("--mailbox", "SERVICE@woonwinkel.example", str(tmp_path / "Maildir"), str(tmp_path / "los.eml"))
    assert "3 messages stored" in output
    do_process_pending()
    assert sorted(Message.objects.values_list("text", flat=True)) == ["Bericht 1\n", "Bericht 2\n", "Bericht 3\n"]

    again = run("--mailbox", "service@woonwinkel.example", str(tmp_path / "Maildir"), str(tmp_path / "los.eml"))
    assert "0 messages stored" in again
    assert "3 already there" in again
    assert InboundDelivery.objects.count() == 3


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_a_folder_of_corpus_mail_is_imported(mailbox):
    assert CORPORA is not None
    output = run("--mailbox", "service@woonwinkel.example", str(CORPORA / "email"))
    assert "messages stored" in output
    assert InboundDelivery.objects.filter(mailbox=mailbox).count() > 150


def test_an_unknown_mailbox_or_path_is_a_clear_error(mailbox, tmp_path):
    with pytest.raises(CommandError, match="No active mailbox"):
        run("--mailbox", "nobody@example.nl", str(tmp_path))
    with pytest.raises(CommandError, match="does not exist"):
        run("--mailbox", "service@woonwinkel.example", str(tmp_path / "nope"))
