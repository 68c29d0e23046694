"""Quote folding: the agent sees the new text; history and signature are one click away."""

from __future__ import annotations

from pathlib import Path

import pytest

from loket.integrations.email.quotes import split_reply
from loket.integrations.email.tests.corpora import CORPORA, MISSING

NEW = "De bank is nog steeds niet opgehaald.\nWanneer komen jullie?"


@pytest.mark.parametrize(
    "history",
    [
        "Op ma 23 nov. 2026 om 10:00 schreef Woonwinkel <service@woonwinkel.nl>:\n> Wij halen de bank dinsdag op.",
        # wrapped by the sender's client over two lines
        "Op 23 november 2026 10:00 schreef Woonwinkel Klantenservice <\nservice@woonwinkel.nl>:\n\n> Dinsdag.",
        "Op 23 nov. 2026 om 10:00 heeft Woonwinkel <service@woonwinkel.nl> het volgende geschreven:\n\n> Dinsdag.",
        "-----Oorspronkelijk bericht-----\nVan: Woonwinkel <service@woonwinkel.nl>\nVerzonden: maandag 23 november"
        " 2026 10:00\nAan: jolanda@example.nl\nOnderwerp: Bank\n\nWij halen de bank dinsdag op.",
        "________________________________\nVan: Woonwinkel <service@woonwinkel.nl>\nVerzonden: maandag 23 november"
        " 2026 10:00\nAan: Jolanda <jolanda@example.nl>\nOnderwerp: RE: Bank [Z-2026-000001]\n\nDinsdag.",
        "*Van:* Woonwinkel [mailto:service@woonwinkel.nl]\n*Verzonden:* maandag 23 november 2026 10:00\n"
        "*Aan:* jolanda@example.nl\n*Onderwerp:* Bank\n\nDinsdag.",
        "On Mon, 23 Nov 2026 at 10:00, Woonwinkel <service@woonwinkel.nl> wrote:\n> Tuesday.",
        "-----Original Message-----\nFrom: Woonwinkel\nSent: Monday\nTo: Jolanda\nSubject: Bank\n\nTuesday.",
        "Am 23.11.2026 um 10:00 schrieb Woonwinkel <service@woonwinkel.nl>:\n> Dienstag.",
        "Von: Woonwinkel\nGesendet: Montag, 23. November 2026 10:00\nAn: Jolanda\nBetreff: Bank\n\nDienstag.",
        "> Wij halen de bank dinsdag op.\n>\n> Met vriendelijke groet,",
    ],
)
def test_quoted_history_is_folded_under_the_new_text(history):
    new, folded = split_reply(f"{NEW}\n\n{history}\n")
    assert new == NEW
    assert folded == history


def test_a_signature_and_a_phones_footer_are_folded():
    assert split_reply(f"{NEW}\n\n-- \nJolanda de Vries\n06 12345678") == (NEW, "-- \nJolanda de Vries\n06 12345678")
    assert split_reply(f"{NEW}\n\nVerzonden vanaf mijn iPhone") == (NEW, "Verzonden vanaf mijn iPhone")


def test_an_inline_answer_between_quoted_lines_stays_visible():
    text = (
        "Op 23 nov. 2026 om 10:00 schreef Woonwinkel <service@woonwinkel.nl>:\n"
        "> Komt dinsdag uit?\n\nJa, dinsdag is goed.\n\n> Na tienen?\n\nGraag na elven."
    )
    assert split_reply(text) == (text, "")


def test_a_forwarded_message_is_content_not_history():
    text = (
        "Zie de mail van de bezorger hieronder.\n\n---------- Forwarded message ---------\n"
        "From: Bezorger <planning@bezorger.nl>\nDate: Mon, 23 Nov 2026\nSubject: Bank\nTo: Jolanda\n\nWij komen niet."
    )
    assert split_reply(text) == (text, "")


def test_nothing_is_folded_when_there_would_be_no_new_text():
    text = "> alleen een citaat\n> meer niet"
    assert split_reply(text) == (text, "")


# The reply bodies of the corpora, with what the agent must see first (Dutch, English, German).
CORPUS = {
    "dutch/crisprp__email_12.txt": ("nec nec nibh.", "Van: Company Questions"),
    "dutch/crisprp__email_8.txt": ("nec nec nibh.", "Op 12 december 2016 19:05 schreef"),
    "dutch/erptrim__embedded_email_dutch_1.txt": ("Would be great.", "> Op 2 feb. 2015 om 05:28 heeft"),
    "dutch/mprply__email_nl_1_2.txt": ("Outlook met een antwoord", "------------------------------"),
    "reply-bodies/crisprp__email_german.txt": ("nec nec nibh.", "Am 13.12.2017 21:11 schrieb"),
    "reply-bodies/crisprp__email_gmail_split_line_from.txt": ("nec nec nibh.", "On Mon, Aug 26, 2019"),
    "reply-bodies/crisprp__email_msn.txt": ("nec nec nibh.", "________________________________\nFrom:"),
    "reply-bodies/crisprp__email_original_message.txt": ("nec nec nibh.", "-----original message-----"),
    "reply-bodies/crisprp__email_tricky_9_nested_quotes.txt": ("I agree with the points below.", "On Dec 15"),
    "reply-bodies/mprply__multi_header.txt": ("start a new order.", "On May 30, 2020"),
    "reply-bodies/mprply__multiline_on_de.txt": ("Am heutigen Tage", "Am So., 1. Jan. 2023"),
    "reply-bodies/zapierrp__email_2_1.txt": ("Outlook with a reply", "------------------------------"),
    "reply-bodies/zapierrp__email_gmail.txt": ("replying to a github message.", "On Wed, May 18, 2016"),
    "reply-bodies/zapierrp__email_iPhone.txt": ("Here is another email", "Sent from my iPhone"),
    "reply-bodies/zapierrp__greedy_on.txt": ("the tunnel is not working.", "On 9 Jan 2014"),
    # answers written between the quoted lines: nothing hidden
    "reply-bodies/crisprp__email_tricky_18_inline_reply.txt": ("not suitable for our use case.", ""),
    "reply-bodies/zapierrp__email_1_2.txt": ("riak-users_lists.basho.com", ""),
}


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
@pytest.mark.parametrize(("name", "expected"), CORPUS.items(), ids=list(CORPUS))
def test_corpus_replies_show_the_new_text_first(name, expected):
    text = (Path(CORPORA) / name).read_text(encoding="utf-8").replace("\r\n", "\n")
    new, folded = split_reply(text)
    new_ends, folded_starts = expected
    assert new.rstrip().endswith(new_ends)
    assert folded.lstrip(" ").startswith(folded_starts)
    assert f"{new}\n{folded}".split() == text.split()  # nothing lost, nothing added


@pytest.mark.skipif(CORPORA is None, reason=MISSING)
def test_every_corpus_reply_body_keeps_all_its_text():
    files = sorted((Path(CORPORA) / "reply-bodies").glob("*.txt")) + sorted((Path(CORPORA) / "dutch").glob("*.txt"))
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n")
        new, folded = split_reply(text)
        assert new.strip(), path.name
        assert f"{new}\n{folded}".split() == text.split(), path.name
