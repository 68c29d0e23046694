from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loket.cases.actions import do_add_note, do_hand_over, do_mark_delivery, do_reply, do_resolve_case
from loket.cases.models import Case, Handover, Message
from loket.cases.receiving import InboundMessage, IncomingAttachment, do_receive_message
from loket.customers.actions import do_add_subscription
from loket.events.models import Event
from loket.events.testing import capture_events
from loket.web.tests.conftest import mark_deceased, receive

pytestmark = pytest.mark.django_db


def case_url(case, name="web:case"):
    return reverse(name, args=[case.pk])


# --- Showing a case -----------------------------------------------------------------------------


def test_case_view_shows_the_header_and_the_customer(agent_client, case, customer):
    do_add_subscription(customer, product="Hoekbank Oslo", reference="ORD-1001")
    response = agent_client.get(case_url(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html
    assert "Bank beschadigd geleverd" in html
    assert 'data-testid="handover-count">0<' in html
    assert "jolanda@example.nl" in html
    assert "+31612345678" in html
    assert "Hoekbank Oslo" in html
    assert "ORD-1001" in html
    assert 'id="timeline"' in html
    assert 'id="composer"' in html
    assert 'id="handover-dialog"' in html


def test_timeline_shows_one_customer_across_channels(agent_client, org, team, agent):
    first = receive(org, channel="email", value="piet@example.nl", text="Mijn factuur klopt niet.")
    case = first.case
    do_reply(case, actor=agent, text="We zoeken het uit.", channel="email")
    receive(org, channel="whatsapp", kind="email", value="piet@example.nl", text="Nog nieuws?")
    do_add_note(case, actor=agent, text="Klant belde ook al.")
    html = agent_client.get(case_url(case)).content.decode()
    for kind in ("inbound", "outbound", "note"):
        assert f'class="entry msg msg--{kind}"' in html
    assert html.index("Mijn factuur klopt niet.") < html.index("We zoeken het uit.") < html.index("Nog nieuws?")
    assert 'class="chan chan--email"' in html
    assert 'class="chan chan--whatsapp"' in html
    assert "Arie Agent" in html  # author of the reply and the note


def test_failed_delivery_is_shown_with_its_error(agent_client, inbound_case, agent):
    reply = do_reply(inbound_case, actor=agent, text="Antwoord")
    do_mark_delivery(reply, Message.Delivery.FAILED, "Mailbox vol (552)")
    html = agent_client.get(case_url(inbound_case)).content.decode()
    assert "delivery--failed" in html
    assert "Mailbox vol (552)" in html


def test_html_messages_are_shown_sanitised_and_text_with_line_breaks(agent_client, org, team):
    html_body = "<p>Hallo <b>daar</b></p><script>alert(1)</script>"
    message = receive(org, channel="web", text="regel een\nregel twee", html=html_body)
    receive(org, channel="web", text="alleen tekst\nmet twee regels", external_id="x2")
    html = agent_client.get(case_url(message.case)).content.decode()
    assert "<p>Hallo <b>daar</b></p>" in html
    assert "alert(1)" not in html
    assert "alleen tekst<br>met twee regels" in html


def test_an_emails_html_is_shown_sanitised_in_its_own_frame(agent_client, org, team):
    message = receive(org, text="regel een\nregel twee", html="<p>Hallo <b>daar</b></p><script>alert(1)</script>")
    html = agent_client.get(case_url(message.case)).content.decode()
    assert "regel een<br>regel twee" in html  # the text first; the HTML in the frame
    frame = agent_client.get(reverse("web:message_html", args=[message.pk])).content.decode()
    assert "<p>Hallo <b>daar</b></p>" in frame
    assert "alert(1)" not in frame


def test_attachments_are_linked_from_the_timeline(agent_client, org, team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    result = do_receive_message(
        org,
        InboundMessage(
            channel="email",
            identity_kind="email",
            identity_value="piet@example.nl",
            text="Foto van de schade",
            attachments=[IncomingAttachment("schade.jpg", b"\xff\xd8\xff", "image/jpeg")],
        ),
    )
    attachment = result.message.attachments.get()
    html = agent_client.get(case_url(result.message.case)).content.decode()
    assert reverse("web:attachment", args=[attachment.pk]) in html
    assert "schade.jpg" in html


def test_timeline_shows_handover_with_reason_and_note(agent_client, case, agent, owner):
    do_hand_over(case, actor=agent, to_user=owner, reason=Handover.Reason.EXPERTISE, note="Retour via magazijn")
    html = agent_client.get(case_url(case)).content.decode()
    assert "heeft de zaak overgedragen aan Olga Eigenaar" in html
    assert "Andere expertise nodig" in html
    assert "Retour via magazijn" in html


def test_timeline_shows_opened_status_and_resolved_events(agent_client, case, agent):
    do_resolve_case(case, actor=agent)
    html = agent_client.get(case_url(case)).content.decode()
    assert "Zaak geopend door Arie Agent." in html
    assert "Arie Agent heeft de zaak opgelost." in html


def test_timeline_partial_renders_alone_for_live_refresh(agent_client, inbound_case):
    response = agent_client.get(case_url(inbound_case, "web:case_timeline"), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<ol id="timeline"')
    assert "Mijn factuur klopt niet." in html
    assert "<html" not in html


def test_header_partial_renders_alone_for_live_refresh(agent_client, case):
    html = agent_client.get(case_url(case, "web:case_header")).content.decode()
    assert html.lstrip().startswith('<header id="case-header"')
    assert case.number in html


def test_case_page_tells_the_live_script_which_case_it_shows(agent_client, case):
    html = agent_client.get(case_url(case)).content.decode()
    assert f'data-case-id="{case.pk}"' in html
    assert 'data-live-path="/ws/live/"' in html
    assert f'data-refresh-url="{case_url(case, "web:case_timeline")}"' in html


def test_reply_composer_defaults_to_the_channel_of_the_last_inbound_message(agent_client, org, team):
    case = receive(org, channel="whatsapp", kind="whatsapp", value="+31612345678").case
    form = agent_client.get(case_url(case)).context["composer_form"]
    assert form["channel"].value() == "whatsapp"


def test_case_view_query_count_does_not_grow_with_the_number_of_messages(agent_client, org, team, agent, owner):
    case = receive(org, text="eerste", external_id="m0").case

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            response = agent_client.get(case_url(case))
        assert response.status_code == 200
        return len(queries)

    for n in range(1, 5):
        receive(org, text=f"bericht {n}", external_id=f"m{n}")
    # The reply channel is WhatsApp before and after (its composer offers the number's templates).
    receive(org, channel="whatsapp", kind="email", value="piet@example.nl", text="app", external_id="w0")
    few = count_queries()
    for n in range(5, 40):
        if n % 3 == 0:
            do_reply(case, actor=agent, text=f"antwoord {n}")
        elif n % 3 == 1:
            do_add_note(case, actor=owner, text=f"notitie {n}")
        else:
            receive(
                org, channel="whatsapp", kind="email", value="piet@example.nl", text=f"app {n}", external_id=f"m{n}"
            )
    do_hand_over(case, actor=agent, to_user=owner, reason=Handover.Reason.ESCALATION)
    assert case.messages.count() == 41
    assert count_queries() == few
    # session, user, memberships, case, tags, identities, subscriptions, messages, attachments,
    # events, other cases, WhatsApp numbers (their templates when there is one), the case's
    # promises and the agent's unread notifications: the hand-over form's colleagues and teams
    # load when it opens.
    assert few <= 14


def test_the_handover_form_is_its_own_page_and_the_dialogs_content_for_htmx(agent_client, case, owner, team):
    url = case_url(case, "web:case_hand_over")
    page = agent_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html
    assert 'data-testid="handover-form"' in html
    assert owner.display_name in html
    assert team.name in html

    fragment = agent_client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert 'data-testid="handover-form"' in fragment.content.decode()

    case_page = agent_client.get(case_url(case)).content.decode()
    assert f'data-dialog-src="{url}"' in case_page
    assert owner.display_name not in case_page.split('id="handover-dialog"')[1]


def test_viewer_cannot_open_the_handover_form(viewer_client, case):
    assert viewer_client.get(case_url(case, "web:case_hand_over")).status_code == 403


# --- Changing a case ----------------------------------------------------------------------------


def test_reply_is_queued_and_emits_an_event(agent_client, inbound_case, django_capture_on_commit_callbacks):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            case_url(inbound_case, "web:case_reply"), {"text": "We kijken ernaar.", "channel": ""}
        )
    assert response.status_code == 302
    assert response["Location"] == case_url(inbound_case)
    reply = inbound_case.messages.get(kind=Message.Kind.OUTBOUND)
    assert reply.text == "We kijken ernaar."
    assert reply.channel == "api"
    assert "case.reply_sent" in [e.type for e in events]


def test_empty_reply_is_refused_with_a_message_on_the_form(agent_client, case):
    response = agent_client.post(case_url(case, "web:case_reply"), {"text": "   ", "channel": "email"})
    assert response.status_code == 400
    assert "Een antwoord mag niet leeg zijn." in response.content.decode()
    assert not case.messages.exists()


def test_internal_note_is_added_from_the_same_composer(agent_client, case, django_capture_on_commit_callbacks):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        agent_client.post(case_url(case, "web:case_note"), {"text": "Magazijn gebeld.", "channel": "email"})
    note = case.messages.get()
    assert note.kind == Message.Kind.NOTE
    assert note.text == "Magazijn gebeld."
    assert [e.type for e in events] == ["case.note_added"]


def test_handover_to_a_colleague_changes_owner_and_counts(
    agent_client, case, owner, django_capture_on_commit_callbacks
):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        response = agent_client.post(
            case_url(case, "web:case_hand_over"),
            {"to_user": owner.pk, "reason": Handover.Reason.EXPERTISE, "note": "Jij kent dit product."},
        )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.owner == owner
    assert case.handover_count == 1
    assert "case.handed_over" in [e.type for e in events]


def test_handover_to_a_team_puts_the_case_in_the_queue(agent_client, case, team):
    agent_client.post(case_url(case, "web:case_hand_over"), {"to_team": team.pk, "reason": Handover.Reason.ABSENCE})
    case.refresh_from_db()
    assert case.owner is None
    assert case.team == team


def test_handover_without_reason_shows_the_form_again_with_errors(agent_client, case, owner):
    response = agent_client.post(case_url(case, "web:case_hand_over"), {"to_user": owner.pk, "reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="handover-form"' in html
    assert 'class="error' in html or "errorlist" in html
    case.refresh_from_db()
    assert case.owner_id != owner.pk


def test_handover_other_reason_needs_a_note(agent_client, case, owner):
    response = agent_client.post(case_url(case, "web:case_hand_over"), {"to_user": owner.pk, "reason": "other"})
    assert response.status_code == 400
    assert "Licht de reden toe." in response.content.decode()


def test_handover_to_a_viewer_is_not_offered(agent_client, case, viewer):
    response = agent_client.post(case_url(case, "web:case_hand_over"), {"to_user": viewer.pk, "reason": "expertise"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.owner_id != viewer.pk


def test_taking_an_unassigned_case_makes_me_the_owner(agent_client, inbound_case, agent):
    html = agent_client.get(case_url(inbound_case)).content.decode()
    assert reverse("web:case_take", args=[inbound_case.pk]) in html
    agent_client.post(case_url(inbound_case, "web:case_take"))
    inbound_case.refresh_from_db()
    assert inbound_case.owner == agent
    assert inbound_case.status == Case.Status.OPEN


def test_taking_an_owned_case_is_refused_with_a_message(agent_client, case, owner):
    case.owner = owner
    case.save()
    response = agent_client.post(case_url(case, "web:case_take"), follow=True)
    assert "heeft al een eigenaar" in response.content.decode()
    case.refresh_from_db()
    assert case.owner == owner


def test_resolve_and_reopen(agent_client, case, django_capture_on_commit_callbacks):
    with capture_events() as events, django_capture_on_commit_callbacks(execute=True):
        agent_client.post(case_url(case, "web:case_status"), {"status": "resolved"})
    case.refresh_from_db()
    assert case.status == Case.Status.RESOLVED
    assert case.resolved_at is not None
    assert "case.resolved" in [e.type for e in events]
    html = agent_client.get(case_url(case)).content.decode()
    assert "Heropenen" in html
    agent_client.post(case_url(case, "web:case_status"), {"status": "open"})
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert case.resolved_at is None


def test_status_change_to_waiting(agent_client, case):
    agent_client.post(case_url(case, "web:case_status"), {"status": "waiting_internal"})
    case.refresh_from_db()
    assert case.status == Case.Status.WAITING_INTERNAL
    assert Event.objects.filter(case=case, type="case.status_changed").exists()


def test_unknown_status_is_a_400(agent_client, case):
    response = agent_client.post(case_url(case, "web:case_status"), {"status": "gone"})
    assert response.status_code == 400


def test_editing_subject_priority_reason_and_tags(agent_client, case):
    agent_client.post(
        case_url(case, "web:case_edit"),
        {"subject": "Bank met scheur", "priority": "high", "reason": "Levering", "tags": "levering, Retour"},
    )
    case.refresh_from_db()
    assert (case.subject, case.priority, case.reason) == ("Bank met scheur", "high", "Levering")
    assert sorted(t.name for t in case.tags.all()) == ["levering", "retour"]
    assert "levering" in agent_client.get(case_url(case)).content.decode()


def test_get_on_a_write_url_is_not_allowed(agent_client, case):
    assert agent_client.get(case_url(case, "web:case_reply")).status_code == 405


# --- Viewer -------------------------------------------------------------------------------------


def test_viewer_sees_the_case_without_write_controls(viewer_client, case):
    response = viewer_client.get(case_url(case))
    html = response.content.decode()
    assert response.status_code == 200
    assert case.number in html
    assert 'id="composer"' not in html
    assert 'id="handover-dialog"' not in html
    assert reverse("web:case_status", args=[case.pk]) not in html


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("web:case_reply", {"text": "Hallo", "channel": "email"}),
        ("web:case_note", {"text": "Notitie"}),
        ("web:case_hand_over", {"to_team": "", "reason": "expertise"}),
        ("web:case_take", {}),
        ("web:case_status", {"status": "resolved"}),
        ("web:case_edit", {"subject": "Anders", "priority": "low"}),
    ],
)
def test_viewer_cannot_write(viewer_client, case, name, data):
    response = viewer_client.post(case_url(case, name), data)
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    assert case.subject == "Bank beschadigd geleverd"
    assert not case.messages.exists()


# --- Deceased customer --------------------------------------------------------------------------


def test_deceased_banner_shows_on_the_case(agent_client, case, customer):
    mark_deceased(customer)
    html = agent_client.get(case_url(case)).content.decode()
    assert 'data-testid="deceased-banner"' in html
    assert "Jolanda de Vries is overleden op 1 maart 2026." in html
    assert "zou naar de overleden klant gaan" in html  # the composer says so


def test_reply_to_a_deceased_customer_is_refused_and_explained(agent_client, case, customer):
    mark_deceased(customer)
    response = agent_client.post(case_url(case, "web:case_reply"), {"text": "Kunt u even bellen?", "channel": "email"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Deze klant is overleden" in html
    assert 'class="form-errors"' in html
    assert not case.messages.exists()


def test_a_note_on_a_deceased_customers_case_is_still_possible(agent_client, case, customer):
    mark_deceased(customer)
    agent_client.post(case_url(case, "web:case_note"), {"text": "Nabestaande gebeld."})
    assert case.messages.get().kind == Message.Kind.NOTE
