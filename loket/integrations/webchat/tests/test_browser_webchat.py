"""A visitor chats from a plain page on another website; an agent answers in the desk.

Two real servers on loopback: Loket (uvicorn, ASGI) and the "website" (a bare HTTP server on
another port, so another origin) whose page has a strict Content-Security-Policy of its own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loket.cases.models import Message
from loket.integrations.models import ChannelAccount
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
        visitor = browser.new_page(viewport={"width": 1280, "height": 800}, locale="nl-NL")
        errors: list[str] = []
        visitor.on("pageerror", lambda exc: errors.append(str(exc)))
        visitor.goto(shop)
        visitor.get_by_role("button", name=re.compile("Chat met ons")).click()
        chat = visitor.frame_locator("iframe[data-loket-chat-frame]")
        chat.get_by_label("Naam").fill("Jolanda de Vries")
        chat.get_by_label("E-mailadres").fill("jolanda@example.nl")
        chat.get_by_label("Uw bericht").fill("Mijn bank is met een scheur geleverd.")
        chat.get_by_role("button", name="Versturen").click()
        expect(chat.locator(".bubble--visitor")).to_have_text("Mijn bank is met een scheur geleverd.")
        expect(chat.locator(".bubble--pending")).to_have_count(0)

        message = Message.objects.get(channel="chat")
        case = message.case
        assert case.customer.name == "Jolanda de Vries"

        desk = login(browser, server, agent.username)
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
        expect(chat.get_by_label("Naam")).to_be_hidden()
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
