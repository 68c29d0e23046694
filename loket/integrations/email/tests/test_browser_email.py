"""An e-mail case in a real browser: the new text first, the quote folded, remote images blocked.

The remote image lives on a second HTTP server on loopback (another origin, as a sender's
tracking pixel would): the test asserts that it is not even requested until the agent asks.
"""

from __future__ import annotations

import base64
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loket.cases.models import Case
from loket.integrations.actions import do_process_pending
from loket.integrations.email.inbound import do_accept_email
from loket.integrations.models import Mailbox
from loket.tests.browser import CHROMIUM, chromium
from loket.tests.live_server import run_asgi_server
from loket.tests.test_browser_desk import login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]

# A PNG of one pixel.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a5f2d2"
    "4d0000000049454e44ae426082"
)


class Pixel(BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self) -> None:
        Pixel.requests.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PIXEL)))
        self.end_headers()
        self.wfile.write(PIXEL)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tracker():
    Pixel.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def mail_with_quote_and_pixel(tracker: str) -> bytes:
    return (
        "From: Jolanda de Vries <jolanda@example.nl>\r\nTo: service@woonwinkel.example\r\n"
        "Subject: Bank nog niet opgehaald\r\nMessage-ID: <pixel-1@example.nl>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "De bank staat er nog steeds.\r\n\r\n"
        "Op ma 23 nov. 2026 om 10:00 schreef Woonwinkel <service@woonwinkel.example>:\r\n"
        "> Wij halen de bank dinsdag op.\r\n"
        '--b\r\nContent-Type: multipart/related; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        f'<p>De bank staat er nog steeds.</p><img src="{tracker}/open.png" alt="">'
        '<img src="cid:foto@example.nl" alt="foto" data-testid="foto">'
        "<blockquote>Wij halen de bank dinsdag op.</blockquote>\r\n"
        "--r\r\nContent-Type: image/png\r\nContent-ID: <foto@example.nl>\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.b64encode(PIXEL).decode()}\r\n"
        "--r--\r\n"
        "--b--\r\n"
    ).encode()


def test_an_email_case_shows_the_new_text_folds_the_quote_and_blocks_remote_images(
    org, team, agent, tracker, browser_session
):
    from playwright.sync_api import expect

    mailbox = Mailbox.objects.create(organization=org, address="service@woonwinkel.example", team=team)
    do_accept_email([mailbox], mail_with_quote_and_pixel(tracker))
    do_process_pending()
    case = Case.objects.get()
    server, browser = browser_session

    page = login(browser, server, agent.username)
    page.goto(f"{server}/zaken/{case.pk}/")
    message = page.get_by_test_id("message").first
    expect(message).to_contain_text("De bank staat er nog steeds.")
    quoted = message.get_by_test_id("quoted")
    expect(quoted.get_by_text("Wij halen de bank dinsdag op.")).to_be_hidden()  # folded
    quoted.locator("summary").click()
    expect(quoted.get_by_text("Wij halen de bank dinsdag op.")).to_be_visible()

    formatted = message.get_by_test_id("formatted")
    formatted.locator("summary").click()
    frame = page.frame_locator(".msg__formatted iframe")
    expect(frame.get_by_test_id("remote-images")).to_contain_text("geblokkeerd")
    expect(frame.get_by_text("De bank staat er nog steeds.")).to_be_visible()
    expect(frame.locator("img[alt=foto]")).to_have_js_property("naturalWidth", 1)  # the mail's own image
    assert Pixel.requests == []  # the sender has not learned that the mail was opened

    formatted.get_by_role("link", name=re.compile("Afbeeldingen laden")).click()
    expect(frame.get_by_test_id("remote-images")).to_contain_text("geladen")
    expect(frame.locator("img").first).to_have_js_property("naturalWidth", 1)
    assert Pixel.requests == ["/open.png"]
    assert page.console_errors == []  # type: ignore[attr-defined]


@pytest.fixture
def browser_session():
    with run_asgi_server() as url, chromium() as browser:
        yield url, browser
