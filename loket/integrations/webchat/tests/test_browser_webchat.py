"""A visitor chats from a plain page on another website; an agent answers in the desk.

Two real servers on loopback: Loket (uvicorn, ASGI) and the "website" (a bare HTTP server on
another port, so another origin) whose page has a strict Content-Security-Policy of its own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from loket.accounts.actions import do_set_business_hours
from loket.accounts.hours import WEEKDAYS, build
from loket.cases.models import Message
from loket.integrations.models import ChannelAccount, LeftMessage
from loket.tests.browser import CHROMIUM
from loket.tests.test_browser_desk import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src {loket}; frame-src {loket}">
<title>Woonwinkel</title></head>
<body><h1>Woonwinkel</h1><p>Banken, kasten en bedden.</p>
<script src="{loket}/chat/widget.js" data-loket-chat="{key}" async></script>
</body></html>"""


@contextmanager
def website(html: str) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _widget(org, team, origin: str) -> ChannelAccount:
    account = ChannelAccount(organization=org, kind="chat", name="Website", team=team)
    account.external_id = account.key
    account.settings = {"allowed_origins": [origin], "ask_details": True}
    account.save()
    return account


def test_a_visitor_chats_from_another_website_and_the_agent_answers(server, browser, org, team, agent):
    from playwright.sync_api import expect

    widget = _widget(org, team, "https://placeholder.example")  # the site's port is known once it runs
    with website(PAGE.format(lang="nl", loket=server, key=widget.key)) as shop:
        widget.settings = {"allowed_origins": [shop], "ask_details": True}
        widget.save()
        # The agent has the desk open: someone is available, so the chat is live.
        desk = login(browser, server, agent.username)
        expect(desk.locator("body")).to_have_attribute("data-live", "connected")
        visitor = browser.new_page(viewport={"width": 1280, "height": 800}, locale="nl-NL")
        errors: list[str] = []
        visitor.on("pageerror", lambda exc: errors.append(str(exc)))
        visitor.goto(shop)
        visitor.get_by_role("button", name=re.compile("Chat met ons")).click()
        chat = visitor.frame_locator("iframe[data-loket-chat-frame]")
        chat.get_by_label("Naam", exact=True).fill("Jolanda de Vries")
        chat.get_by_label("E-mailadres", exact=True).fill("jolanda@example.nl")
        chat.get_by_label("Uw bericht").fill("Mijn bank is met een scheur geleverd.")
        chat.get_by_role("button", name="Versturen", exact=True).click()
        expect(chat.locator(".bubble--visitor .bubble__text")).to_have_text("Mijn bank is met een scheur geleverd.")
        expect(chat.locator(".bubble--pending")).to_have_count(0)

        message = Message.objects.get(channel="chat")
        case = message.case
        assert case.customer.name == "Jolanda de Vries"

        desk.goto(f"{server}/zaken/{case.pk}/")
        expect(desk.locator("#timeline")).to_contain_text("met een scheur geleverd")
        desk.get_by_label("Bericht").fill("Wat vervelend! Mag ik een foto van de scheur?")
        expect(chat.locator(".chat__typing")).to_contain_text("typt")
        desk.get_by_test_id("send-reply").click()

        expect(chat.locator(".bubble--agent").last).to_contain_text("Mag ik een foto van de scheur?")
        expect(chat.locator(".bubble--agent").last).to_contain_text(agent.first_name)
        # The visitor has the chat open: the agent sees the reply read, without reloading.
        expect(desk.locator("#timeline .delivery").last).to_have_text("Gelezen", timeout=10_000)

        # A returning visitor (same browser) continues the same conversation.
        visitor.reload()
        visitor.get_by_role("button", name=re.compile("Chat met ons")).click()
        expect(chat.locator(".bubble--agent").last).to_contain_text("Mag ik een foto")
        expect(chat.get_by_label("Naam", exact=True)).to_be_hidden()
        assert errors == []


def test_a_website_that_was_not_allowed_cannot_show_the_chat(server, browser, org, team):
    from playwright.sync_api import expect

    widget = _widget(org, team, "https://www.woonwinkel.example")
    with website(PAGE.format(lang="nl", loket=server, key=widget.key)) as other_site:
        page = browser.new_page()
        page.goto(other_site)
        # Chromium refuses to render the frame (frame-ancestors) and says so.
        with page.expect_console_message(lambda msg: "frame-ancestors" in msg.text, timeout=10_000):
            page.get_by_role("button", name=re.compile("Chat met ons")).click()
        expect(page.frame_locator("iframe[data-loket-chat-frame]").locator("[data-chat]")).to_have_count(0)


def _closed_today(org) -> None:
    """Opening hours that keep the chat closed today (and the next two days, should the test run
    across midnight): office hours every day, with exceptions."""
    today = timezone.localdate()
    exceptions = [(today + timedelta(days=n), "Inventarisatie", []) for n in range(3)]
    every_day = {day: [("09:00", "17:00")] for day in WEEKDAYS}
    do_set_business_hours(org, build(every_day, exceptions=exceptions, observe_holidays=False), actor=None)


def test_outside_the_opening_hours_the_visitor_leaves_a_message_and_mails_the_conversation(
    server, browser, org, team, agent, customer_server
):
    from playwright.sync_api import expect

    _closed_today(org)
    widget = _widget(org, team, "https://placeholder.example")
    with website(PAGE.format(lang="nl", loket=server, key=widget.key)) as shop:
        widget.settings = {"allowed_origins": [shop], "ask_details": True}
        widget.save()
        desk = login(browser, server, agent.username)  # someone is there, but the chat is closed
        expect(desk.locator("body")).to_have_attribute("data-live", "connected")
        visitor = browser.new_page(viewport={"width": 1280, "height": 800}, locale="nl-NL")
        errors: list[str] = []
        visitor.on("pageerror", lambda exc: errors.append(str(exc)))
        visitor.goto(shop)
        visitor.get_by_role("button", name=re.compile("Chat met ons")).click()
        chat = visitor.frame_locator("iframe[data-loket-chat-frame]")

        expect(chat.get_by_role("heading", name="Laat een bericht achter")).to_be_visible()
        expect(chat.locator("[data-status]")).to_contain_text("De chat is gesloten; we zijn er weer")
        expect(chat.locator("[data-answer]")).to_contain_text("We antwoorden per e-mail, vanaf")
        expect(chat.locator("[data-answer]")).to_contain_text("om 09:00")
        expect(chat.get_by_label("Uw bericht")).to_be_hidden()  # no live chat

        chat.get_by_label("Uw naam").fill("Jolanda de Vries")
        chat.get_by_label("Uw vraag").fill("Kan ik mijn bank ruilen voor een andere kleur?")
        chat.get_by_role("button", name="Bericht versturen").click()
        # Nothing to answer at: said on the field, and nothing typed is lost.
        expect(chat.locator("[data-field-error=email]")).to_have_text(
            "Vul een e-mailadres in, zodat we kunnen antwoorden."
        )
        chat.get_by_label("Uw e-mailadres").fill("jolanda@example.nl")
        chat.get_by_role("button", name="Bericht versturen").click()
        expect(chat.get_by_role("status").filter(has_text="Bedankt!")).to_contain_text("vanaf")
        expect(chat.locator(".bubble--visitor .bubble__text")).to_have_text(
            "Kan ik mijn bank ruilen voor een andere kleur?"
        )

        left = LeftMessage.objects.get()
        assert (left.reply_by, left.address, left.reason) == ("email", "jolanda@example.nl", "closed")
        assert left.message.case.customer.preferred_channel == "email"

        # The visitor mails the conversation to the address given (prefilled).
        chat.get_by_role("button", name="Gesprek mailen").click()
        expect(chat.get_by_label("Mail het gesprek naar")).to_have_value("jolanda@example.nl")
        chat.get_by_role("button", name="Mailen", exact=True).click()
        expect(chat.locator("[data-transcript-result]")).to_have_text("Het gesprek is gemaild naar jolanda@example.nl.")
        [mail] = customer_server.received
        assert mail["To"] == "jolanda@example.nl"
        assert "Kan ik mijn bank ruilen" in mail.get_body(("plain",)).get_content()
        assert errors == []


def test_when_an_agent_becomes_available_the_form_gives_way_to_the_chat(server, browser, org, team, agent):
    from playwright.sync_api import expect

    widget = _widget(org, team, "https://placeholder.example")
    with website(PAGE.format(lang="en", loket=server, key=widget.key)) as shop:
        widget.settings = {"allowed_origins": [shop], "ask_details": False}
        widget.save()
        visitor = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-GB")
        visitor.goto(shop)
        open_chat = visitor.locator("[data-loket-chat-button]")
        expect(open_chat).to_have_text("Chat with us")
        open_chat.click()
        chat = visitor.frame_locator("iframe[data-loket-chat-frame]")
        expect(chat.get_by_role("heading", name="Leave a message")).to_be_visible()
        expect(chat.locator("[data-status]")).to_have_text("Nobody is available to chat right now.")
        chat.get_by_label("Your question").fill("Do you deliver on Saturdays?")

        desk = login(browser, server, agent.username)
        expect(desk.locator("body")).to_have_attribute("data-live", "connected")
        open_chat.click()  # closed …
        open_chat.click()  # … and shown again: the frame asks whether the chat is live

        expect(chat.get_by_label("Your message")).to_have_value("Do you deliver on Saturdays?")
        expect(chat.get_by_role("heading", name="Leave a message")).to_be_hidden()
        chat.get_by_role("button", name="Send", exact=True).click()
        expect(chat.locator(".bubble--visitor .bubble__text")).to_have_text("Do you deliver on Saturdays?")
        expect(chat.locator(".bubble--pending")).to_have_count(0)
        assert not LeftMessage.objects.exists()
