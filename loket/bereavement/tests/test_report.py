"""Reporting a death: the public form, the desk's form, the document, bad input."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loket.bereavement.models import DeathNotification
from loket.bereavement.tests.conftest import report_data
from loket.cases.models import Case, Message

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel("2026-11-28 10:00 +01:00", tick=False):
        yield


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _post(client, bereavement, **overrides):
    return client.post(f"/overlijden/{bereavement.public_key}/", report_data(**overrides))


def test_public_report_opens_a_case_for_the_specialist_and_confirms_by_email(
    client, bereavement, specialist, deceased, customer_server, run_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/overlijden/{bereavement.public_key}/",
            {**report_data(), "document": SimpleUploadedFile("akte.pdf", PDF, "application/pdf")},
        )

    assert response.status_code == 200
    notification = DeathNotification.objects.get()
    case = notification.case
    assert case.owner == specialist
    assert case.team == bereavement.team
    assert case.customer.name == "Marijke Bakker"  # the next of kin is the case's customer
    body = response.content.decode()
    assert case.number in body
    assert "Sanne Specialist" in body
    # Nothing happens to the customer before the specialist confirms.
    deceased.refresh_from_db()
    assert not deceased.is_deceased
    assert notification.customer is None
    assert notification.document_type == "application/pdf"
    assert notification.document_name == "akte.pdf"

    run_tasks()
    [mail] = customer_server.received
    assert mail["To"].addresses[0].addr_spec == "marijke@example.nl"
    text = mail.get_body(("plain",)).get_content()
    assert case.number in text
    assert "Sanne Specialist" in text
    assert "Hendrik Bakker" in text
    assert Message.objects.get(case=case).delivery_status == Message.Delivery.SENT


def test_the_public_form_never_tells_whether_someone_is_a_customer(client, bereavement, deceased):
    known = _post(client, bereavement).content.decode()
    unknown = _post(client, bereavement, deceased_name="Niemand Bekend", deceased_postcode="1000AA").content.decode()

    def without_number(page: str) -> str:
        for case in Case.objects.all():
            page = page.replace(case.number, "Z-…")
        page = re.sub(r'name="csrf-token" content="[^"]*"', "", page)  # differs per response anyway
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
        return page.replace("Niemand Bekend", "Hendrik Bakker")

    assert without_number(known) == without_number(unknown)
    assert DeathNotification.objects.count() == 2  # the unknown person's report is a case too


def test_public_form_in_english(client, bereavement):
    response = client.get(f"/overlijden/{bereavement.public_key}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Report a death" in response.content.decode()


def test_unknown_form_key_is_404(client, bereavement):
    assert client.get("/overlijden/geen-sleutel/").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"date_of_death": "2026-12-01"}, "De overlijdensdatum kan niet in de toekomst liggen."),
        ({"deceased_name": ""}, "Vul de naam van de overledene in."),
        ({"reporter_email": "", "reporter_phone": ""}, "Vul een e-mailadres of telefoonnummer in"),
        ({"reporter_email": "geen-adres"}, "Dit is geen geldig e-mailadres."),
        ({"date_of_death": ""}, "Vul de overlijdensdatum in."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, bereavement, overrides, field_message):
    response = _post(client, bereavement, **overrides)
    assert response.status_code == 400
    body = response.content.decode()
    assert field_message in body
    assert "Marijke Bakker" in body or overrides.get("reporter_name") == ""  # what was typed is still there
    assert not DeathNotification.objects.exists()


def test_a_document_that_is_no_pdf_or_image_is_refused(client, bereavement):
    response = client.post(
        f"/overlijden/{bereavement.public_key}/",
        {**report_data(), "document": SimpleUploadedFile("akte.pdf", b"MZ\x90\x00 a program", "application/pdf")},
    )
    assert response.status_code == 400
    assert "Stuur de akte of machtiging als pdf of als foto" in response.content.decode()
    assert not DeathNotification.objects.exists()


def test_a_document_that_is_too_large_is_refused(client, bereavement, settings):
    settings.BEREAVEMENT_DOCUMENT_MAX_BYTES = 1024 * 1024
    big = PDF + b"0" * (1024 * 1024)
    response = client.post(
        f"/overlijden/{bereavement.public_key}/",
        {**report_data(), "document": SimpleUploadedFile("akte.pdf", big, "application/pdf")},
    )
    assert response.status_code == 400
    assert "Het document is te groot (hoogstens 1 MB)." in response.content.decode()


def test_the_document_is_only_for_the_bereavement_team(client, bereavement, specialist, agent):
    client.post(
        f"/overlijden/{bereavement.public_key}/",
        {**report_data(), "document": SimpleUploadedFile("akte.pdf", PDF, "application/pdf")},
    )
    notification = DeathNotification.objects.get()
    url = f"/overlijdensmeldingen/{notification.pk}/document/"

    client.force_login(agent)
    assert client.get(url).status_code == 404
    assert (
        "alleen zichtbaar voor het nabestaandenteam"
        in client.get(f"/overlijdensmeldingen/{notification.pk}/").content.decode()
    )

    client.force_login(specialist)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment")


def test_an_agent_taking_the_call_reports_in_the_desk(client, agent, bereavement, specialist):
    client.force_login(agent)
    response = client.post(
        "/overlijdensmeldingen/nieuw/",
        report_data(reporter_email="", reporter_phone="06 11122233", preferred_contact="phone"),
    )
    notification = DeathNotification.objects.get()
    assert response.status_code == 302
    assert notification.source == DeathNotification.Source.DESK
    assert notification.case.owner == specialist
    assert not Message.objects.filter(case=notification.case).exists()  # no e-mail address: no confirmation mail
    page = client.get(response["Location"]).content.decode()
    assert "Marijke Bakker" in page
    assert "Sanne Specialist" in page


def test_viewer_cannot_report_in_the_desk(client, viewer, bereavement):
    client.force_login(viewer)
    assert client.post("/overlijdensmeldingen/nieuw/", report_data()).status_code == 403
    assert not DeathNotification.objects.exists()


def test_without_a_bereavement_team_the_report_waits_in_the_default_queue(client, org, team):
    from loket.bereavement.actions import DeathReport, check_report_death

    report = DeathReport(
        deceased_name="A. Jansen",
        date_of_death=date(2026, 11, 1),
        reporter_name="B. Jansen",
        reporter_email="b@example.nl",
    )
    notification = check_report_death(org, report, source="web")
    assert notification.case.owner is None
    assert notification.case.team == team


def test_the_list_shows_every_report_and_the_public_form_in_constant_queries(
    client, bereavement, specialist, django_assert_num_queries
):
    client.force_login(specialist)
    _post(client, bereavement)
    client.get("/overlijdensmeldingen/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/overlijdensmeldingen/").status_code == 200
    budget = len(few)  # now: the next request resets the log
    for n in range(4):
        _post(client, bereavement, deceased_name=f"Overledene {n}")
    with django_assert_num_queries(budget):
        page = client.get("/overlijdensmeldingen/").content.decode()
    assert "Overledene 3" in page
    assert f"/overlijden/{bereavement.public_key}/" in page
