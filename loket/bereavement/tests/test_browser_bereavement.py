"""Story 2 of DESIGN.md in a real browser against a real server, with real SMTP and a webhook
receiver on loopback: the next of kin reports → the specialist sees the candidates → confirms
→ the customer is deceased everywhere → customer.deceased reaches the billing system; and an
undo of a wrong match reaches it as customer.deceased_undone."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from loket.bereavement.models import DeathNotification
from loket.customers.models import Customer
from loket.tests.browser import CHROMIUM
from loket.tests.test_browser_desk import login
from loket.webhooks.actions import do_create_endpoint
from loket.webhooks.models import WebhookDelivery
from loket.webhooks.signing import verify

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason=f"Debian's chromium is not installed at {CHROMIUM} (make test installs it)"
    ),
]


class BillingSystem(BaseHTTPRequestHandler):
    """The organisation's billing system: takes Loket's webhooks on loopback."""

    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))  # type: ignore[attr-defined]
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def billing():
    server = ThreadingHTTPServer(("127.0.0.1", 0), BillingSystem)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _events(billing, secret: str) -> list[dict]:
    events = []
    for headers, body in billing.received:
        assert verify(secret, headers["X-Loket-Signature"], body)
        events.append(json.loads(body))
    return events


def test_story_2_report_match_confirm_webhook(
    org, bereavement, specialist, deceased, namesake, agent, billing, customer_server, server, browser, run_tasks
):
    from playwright.sync_api import expect

    from loket.cases.actions import do_open_case

    open_case = do_open_case(org, deceased, subject="Storing internet", actor=agent, owner=agent)
    endpoint = do_create_endpoint(
        org,
        url=f"http://127.0.0.1:{billing.server_port}/loket",
        event_types=["customer.deceased", "customer.deceased_undone", "bereavement.subscription_settled"],
    )

    # 1. The daughter reports the death on her phone.
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="nl-NL")
    page.goto(f"{server}/overlijden/{bereavement.public_key}/")
    page.get_by_label("Naam van de overledene").fill("Hendrik Bakker")
    page.get_by_label("Geboortedatum").fill("1941-03-02")
    page.get_by_label("Overlijdensdatum").fill("2026-12-31")  # a slip: in the future
    page.get_by_label("Postcode").fill("3511 AB")
    page.get_by_label("Uw naam").fill("Marijke Bakker")
    page.get_by_label("Uw relatie tot de overledene").fill("dochter")
    page.get_by_label("U handelt als").select_option("heir")
    page.get_by_label("Uw e-mailadres").fill("marijke@example.nl")
    page.get_by_role("button", name="Overlijden melden").click()
    expect(page.get_by_text("De overlijdensdatum kan niet in de toekomst liggen.")).to_be_visible()
    expect(page.get_by_label("Naam van de overledene")).to_have_value("Hendrik Bakker")  # nothing lost
    page.get_by_label("Overlijdensdatum").fill("2026-11-20")
    page.get_by_role("button", name="Overlijden melden").click()
    done = page.get_by_test_id("death-report-done")
    expect(done).to_contain_text("Sanne Specialist is uw vaste contactpersoon")
    notification = DeathNotification.objects.get()
    expect(done).to_contain_text(notification.case.number)

    # 2. The specialist sees the candidates; nothing has happened to the customer yet.
    desk = login(browser, server, specialist.username)
    desk.get_by_role("link", name="Overlijden", exact=True).click()
    desk.get_by_role("link", name=notification.case.number).click()
    candidates = desk.get_by_test_id("candidates")
    expect(candidates.locator("li")).to_have_count(2)
    expect(candidates.locator("li").first).to_contain_text("geboortedatum")
    assert Customer.objects.get(pk=deceased.pk).status == Customer.Status.ACTIVE

    # 3. She confirms the right Hendrik Bakker.
    candidates.locator("li").first.get_by_role("button", name="Bevestig: Hendrik Bakker is overleden").click()
    expect(desk.get_by_test_id("deceased-banner")).to_contain_text("Hendrik Bakker is overleden op 20 november 2026.")
    expect(desk.get_by_test_id("linked-cases")).to_contain_text(open_case.number)
    # Each subscription handled: the internet subscription ends on the date of death.
    subscriptions = desk.get_by_test_id("subscriptions")
    subscriptions.get_by_label("Actie").select_option("end")
    subscriptions.get_by_role("button", name="Afhandelen").click()
    expect(desk.get_by_test_id("settled")).to_have_text("Beëindigd per 20 november 2026")
    desk.goto(f"{server}/zaken/{open_case.pk}/")
    expect(desk.get_by_test_id("deceased-banner")).to_be_visible()

    # 4. The billing system hears it (the worker's next run), signed; the daughter has her mail.
    run_tasks()
    received = {event["type"]: event for event in _events(billing, endpoint.secret)}
    assert sorted(received) == ["bereavement.subscription_settled", "customer.deceased"]
    settled, event = received["bereavement.subscription_settled"], received["customer.deceased"]
    assert (settled["data"]["reference"], settled["data"]["action"]) == ("ABO-7781", "end")
    assert event["customer"] == {"id": deceased.pk, "status": "deceased"}
    assert event["data"] == {"date_of_death": "2026-11-20"}
    delivery = WebhookDelivery.objects.get(event__type="customer.deceased")
    assert delivery.delivered_at - delivery.event.created_at < timedelta(minutes=1)
    [mail] = customer_server.received
    assert notification.case.number in mail.get_body(("plain",)).get_content()


def test_undo_of_a_wrong_match_in_the_browser_resumes_billing(
    org, bereavement, specialist, deceased, namesake, billing, server, browser, run_tasks
):
    from playwright.sync_api import expect

    from loket.bereavement.actions import DeathReport, do_confirm_match, do_report_death

    endpoint = do_create_endpoint(
        org, url=f"http://127.0.0.1:{billing.server_port}/loket", event_types=["customer.deceased_undone"]
    )
    from datetime import date

    notification = do_report_death(
        org,
        DeathReport(deceased_name="Hendrik Bakker", date_of_death=date(2026, 11, 20), reporter_name="Marijke Bakker"),
        source="desk",
        actor=specialist,
    )
    do_confirm_match(notification, namesake, actor=specialist)

    desk = login(browser, server, specialist.username)
    desk.goto(f"{server}/overlijdensmeldingen/{notification.pk}/")
    desk.get_by_label("Waarom klopte de koppeling niet?").fill("Andere geboortedatum: naamgenoot")
    desk.get_by_role("button", name="Koppeling ongedaan maken").click()
    expect(desk.get_by_text("De koppeling is ongedaan gemaakt; de klant is weer actief.")).to_be_visible()
    expect(desk.get_by_test_id("candidates")).to_be_visible()
    expect(desk.get_by_test_id("deceased-banner")).to_have_count(0)

    run_tasks()
    [event] = _events(billing, endpoint.secret)
    assert event["type"] == "customer.deceased_undone"
    assert event["customer"] == {"id": namesake.pk, "status": "active"}
