"""English as the second language: the desk speaks English when asked, Dutch by default.

The catalogue (loket/locale/en/LC_MESSAGES/django.po) must be complete and its committed .mo
compiled from it: a fresh machine runs Loket without gettext, so a stale .mo would silently
show Dutch (or an old English) text.
"""

from __future__ import annotations

import ast
import gettext
import html
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.translation import override

from loket.customers.normalize import normalize_phone

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO = LOCALE_DIR / "django.po"
MO = LOCALE_DIR / "django.mo"
INBOX = reverse("web:inbox")


def in_english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- Pages ----------------------------------------------------------------------------------------


def test_the_desk_is_dutch_by_default(agent_client, case):
    html = agent_client.get(INBOX).content.decode()
    assert '<html lang="nl">' in html
    assert "Mijn zaken" in html
    assert "Niet toegewezen" in html
    assert "Uitloggen" in html
    assert "My cases" not in html

    html = agent_client.get(reverse("web:case", args=[case.pk])).content.decode()
    assert "Oplossen" in html
    assert "Tijdlijn" in html


def test_inbox_in_english_with_the_language_cookie(agent_client, case):
    html = in_english(agent_client).get(INBOX).content.decode()
    assert '<html lang="en">' in html
    for english in ("My cases", "Unassigned", "All open cases", "Customers", "Log out", "Change password", "Owner"):
        assert english in html, english
    for dutch in ("Mijn zaken", "Niet toegewezen", ">Klanten<", "Uitloggen", ">Eigenaar<"):
        assert dutch not in html, dutch


def test_case_view_in_english_with_accept_language(agent_client, inbound_case):
    response = agent_client.get(reverse("web:case", args=[inbound_case.pk]), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    for english in ("Take case", "Resolve", "Hand over…", "Timeline", "Reply or add a note", "Nobody (queue)"):
        assert english in html, english
    # Choice labels from the models are translated too.
    assert "Save as internal note" in html
    assert ">New<" in html  # Case.Status.NEW
    for dutch in ("Zaak oppakken", "Oplossen", "Tijdlijn", "Niemand (wachtrij)", ">Nieuw<"):
        assert dutch not in html, dutch


def test_flash_messages_follow_the_language(agent_client, inbound_case):
    response = in_english(agent_client).post(reverse("web:case_take", args=[inbound_case.pk]), follow=True)
    assert "You now own this case." in response.content.decode()


def test_login_page_in_english_and_with_the_switch(client):
    html = in_english(client).get(reverse("login")).content.decode()
    assert "Log in to Loket" in html
    assert "Forgot password?" in html
    assert 'data-testid="language-switch"' in html


# --- The switch -----------------------------------------------------------------------------------


def test_user_menu_has_a_language_switch_back_to_this_page(agent_client):
    html = agent_client.get(INBOX + "?view=unassigned").content.decode()
    form = re.search(r'<form[^>]*data-testid="language-switch".*?</form>', html, re.S)
    assert form, "no language switch"
    form_html = form.group(0)
    assert f'action="{reverse("set_language")}"' in form_html
    assert 'method="post"' in form_html
    assert 'name="csrfmiddlewaretoken"' in form_html
    assert 'name="next" value="/?view=unassigned"' in form_html
    assert 'name="language" data-autosubmit' in form_html
    assert '<option value="nl" lang="nl" selected>Nederlands</option>' in form_html
    assert '<option value="en" lang="en">English</option>' in form_html
    assert 'type="submit"' in form_html  # works without JavaScript
    assert "<script" not in form_html


def test_switching_to_english_persists_in_a_cookie(agent_client, case):
    case_url = reverse("web:case", args=[case.pk])
    response = agent_client.post(reverse("set_language"), {"language": "en", "next": case_url})
    assert response.status_code == 302
    assert response["Location"] == case_url
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    html = agent_client.get(case_url).content.decode()
    assert "Resolve" in html
    assert '<option value="en" lang="en" selected>English</option>' in html

    agent_client.post(reverse("set_language"), {"language": "nl", "next": case_url})
    assert "Oplossen" in agent_client.get(case_url).content.decode()


def test_the_switch_needs_a_csrf_token(agent):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    response = client.post(reverse("set_language"), {"language": "en", "next": INBOX})
    assert response.status_code == 403


def test_the_switch_does_not_redirect_off_site(agent_client):
    response = agent_client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


# --- The catalogue --------------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0


def parse_po(path: Path) -> list[Entry]:
    """Just enough of the .po format for makemessages' output (no msgctxt is used in Loket)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] = ("msgid", 0)
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry = None
            continue
        if entry is None:
            entry = Entry(line=number)
            entries.append(entry)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith("msgctxt"):
            raise AssertionError(f"{path}:{number}: msgctxt is not supported by this check")
        elif line.startswith("msgid_plural "):
            target = ("msgid_plural", 0)
            entry.msgid_plural = ast.literal_eval(line.removeprefix("msgid_plural "))
        elif line.startswith("msgid "):
            target = ("msgid", 0)
            entry.msgid = ast.literal_eval(line.removeprefix("msgid "))
        elif line.startswith("msgstr["):
            index, _, value = line.removeprefix("msgstr[").partition("] ")
            target = ("msgstr", int(index))
            entry.msgstr[int(index)] = ast.literal_eval(value)
        elif line.startswith("msgstr "):
            target = ("msgstr", 0)
            entry.msgstr[0] = ast.literal_eval(line.removeprefix("msgstr "))
        elif line.startswith('"'):
            part = ast.literal_eval(line)
            if target[0] == "msgstr":
                entry.msgstr[target[1]] += part
            elif target[0] == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + part
            else:
                entry.msgid += part
        else:
            raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def messages() -> list[Entry]:
    return [entry for entry in parse_po(PO) if entry.msgid]


def test_catalogue_is_complete_and_not_fuzzy():
    entries = parse_po(PO)
    assert entries[0].msgid == "", "the .po has no header"
    assert "Language: en\n" in entries[0].msgstr[0]
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy {entry.msgid!r}")
        if entry.msgid and not all(entry.msgstr.values()):
            problems.append(f"line {entry.line}: untranslated {entry.msgid!r}")
        if entry.msgid_plural is not None and sorted(entry.msgstr) != [0, 1]:
            problems.append(f"line {entry.line}: English needs two plural forms for {entry.msgid!r}")
        for translation in entry.msgstr.values():
            if entry.msgid and set(PLACEHOLDER.findall(translation)) != set(PLACEHOLDER.findall(entry.msgid)):
                problems.append(f"line {entry.line}: placeholders differ in {translation!r}")
    assert len(messages()) > 300
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po():
    """The committed .mo says exactly what the .po says (run `make messages` after editing the .po)."""
    with MO.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
        handle.seek(0)
        magic, _revision, count = struct.unpack("<3I", handle.read(12))
    assert magic == 0x950412DE, "not a little-endian .mo file"

    entries = messages()
    stale = []
    for entry in entries:
        if entry.msgid_plural is None:
            got = translations.gettext(entry.msgid)
            if got != entry.msgstr[0]:
                stale.append(f"{entry.msgid!r}: .mo has {got!r}")
        else:
            for n, index in ((1, 0), (2, 1)):
                got = translations.ngettext(entry.msgid, entry.msgid_plural, n)
                if got != entry.msgstr[index]:
                    stale.append(f"{entry.msgid!r} (n={n}): .mo has {got!r}")
    assert not stale, "django.mo is out of date; run `make messages`:\n" + "\n".join(stale)
    # The header is one string too; an extra count means the .mo still holds removed messages.
    assert count == len(entries) + 1, f"django.mo holds {count - 1} messages, the .po {len(entries)}"


# --- Errors from the actions ----------------------------------------------------------------------


def page_text(response) -> str:
    """The page as the agent reads it: English apostrophes are escaped in the HTML (can&#x27;t)."""
    return html.unescape(response.content.decode())


def test_an_action_error_on_a_form_is_dutch_by_default_and_english_when_asked(agent_client, case):
    reply = reverse("web:case_reply", args=[case.pk])

    response = agent_client.post(reply, {"text": "   ", "channel": "email"})
    assert response.status_code == 400
    assert "Een antwoord mag niet leeg zijn." in page_text(response)
    assert "A reply can't be empty." not in page_text(response)

    response = in_english(agent_client).post(reply, {"text": "   ", "channel": "email"})
    assert response.status_code == 400
    assert "A reply can't be empty." in page_text(response)
    assert "Een antwoord mag niet leeg zijn." not in page_text(response)
    assert not case.messages.exists()


def test_a_handover_error_follows_the_language(agent_client, case, owner):
    hand_over = reverse("web:case_hand_over", args=[case.pk])
    data = {"to_user": owner.pk, "reason": "other", "note": ""}

    assert "Licht de reden toe." in page_text(agent_client.post(hand_over, data))
    response = in_english(agent_client).post(hand_over, data)
    assert response.status_code == 400
    assert "Please explain the reason." in page_text(response)
    assert "Licht de reden toe." not in page_text(response)
    case.refresh_from_db()
    assert case.owner_id != owner.pk


def test_an_action_error_as_a_flash_message_follows_the_language(agent_client, case, owner):
    case.owner = owner
    case.save()
    take = reverse("web:case_take", args=[case.pk])

    assert "Deze zaak heeft al een eigenaar" in page_text(agent_client.post(take, follow=True))
    text = page_text(in_english(agent_client).post(take, follow=True))
    assert "This case already has an owner; ask them to hand it over." in text
    assert "Deze zaak heeft al een eigenaar" not in text


def test_messages_with_a_value_keep_it_in_both_languages():
    with override("nl"), pytest.raises(ValidationError) as dutch:
        normalize_phone("12ab")
    assert dutch.value.messages == ["'12ab' is geen geldig telefoonnummer."]
    assert dutch.value.code == "invalid_phone"
    with override("en"), pytest.raises(ValidationError) as english:
        normalize_phone("12ab")
    assert english.value.messages == ["'12ab' is not a valid phone number."]
    assert english.value.code == "invalid_phone"


def test_dates_read_as_each_language_writes_them(agent_client, case):
    """Dutch writes months in lower case ("28 nov"); Django's "M" would write "Nov"."""
    import time_machine
    from django.utils import timezone

    with time_machine.travel("2026-11-28 08:49:00+01:00", tick=False):
        case.updated_at = timezone.now()  # the inbox shows when a case last changed
        case.save(update_fields=["updated_at"])
        dutch = agent_client.get(INBOX).content.decode()
        english = in_english(agent_client).get(INBOX).content.decode()
    assert ">28 nov 08:49</time>" in dutch
    assert ">28 Nov 08:49</time>" in english
