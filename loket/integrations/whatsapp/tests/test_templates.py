"""WhatsApp message templates from Meta: fetched page after page, kept when they go, followed by
their status webhooks (the recorded one in ../shared/corpora), fetched again every few hours.

The Graph API is faked at the one outbound HTTP seam, answering in the shape Meta documents (meta.py)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from loket.integrations.models import ChannelAccount, InboundDelivery, MessageTemplate
from loket.integrations.whatsapp.actions import TemplateSyncError, do_schedule_template_sync, do_sync_templates
from loket.integrations.whatsapp.templates import render, shape
from loket.integrations.whatsapp.tests.meta import (
    EXPIRED_TOKEN,
    FIRST_PAGE,
    FIRST_PAGE_URL,
    LAST_PAGE,
    NEXT_PAGE_URL,
    WABA_ID,
    connect_templates,
    corpus,
    post,
    template_pages,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def waba(account):
    account.waba_id = WABA_ID
    account.save(update_fields=["waba_id"])
    return account


def fetches(graph) -> list[httpx.Request]:
    return [r for r in graph.requests if r.method == "GET" and r.url.path.endswith("/message_templates")]


def templates(account) -> dict[str, MessageTemplate]:
    return {t.name: t for t in MessageTemplate.objects.filter(account=account)}


# --- Fetching -------------------------------------------------------------------------------------


def test_the_templates_are_fetched_page_after_page_with_the_numbers_token(waba, graph):
    graph.reply = template_pages()
    result = do_sync_templates(waba)
    assert (result.total, result.created, result.gone) == (6, 6, 0)
    first, second = fetches(graph)
    assert str(first.url) == FIRST_PAGE_URL
    assert str(second.url) == NEXT_PAGE_URL  # Meta's `paging.next`, as given
    assert {r.headers["Authorization"] for r in (first, second)} == {"Bearer EAAG-token"}
    waba.refresh_from_db()
    assert waba.templates_synced_at is not None
    assert waba.templates_error == ""


def test_each_template_is_read_into_its_text_placeholders_and_whether_loket_can_send_it(waba, graph):
    connect_templates(waba, graph)
    found = templates(waba)
    levering = found["levering_gepland"]
    assert (levering.language, levering.status, levering.category) == ("nl", "APPROVED", "UTILITY")
    assert levering.external_id == "1180352176936290"
    assert levering.body.startswith("Beste {{1}}, wij bezorgen uw {{2}} op {{3}}.")
    assert levering.parameters == ["1", "2", "3"]
    assert levering.components[0] == {"type": "HEADER", "format": "TEXT", "text": "Uw levering"}
    assert levering.is_sendable
    assert found["bestelling_onderweg"].parameters == ["first_name", "order_number"]
    assert found["zomeractie"].unsupported == "header:IMAGE"  # a media header needs a file Loket cannot pick
    assert not found["zomeractie"].is_sendable
    assert found["afspraak_herinnering"].status == "PENDING"
    assert found["My message template"].language == "en_US"


def test_the_text_the_customer_reads_has_header_body_footer_and_buttons():
    levering = shape(FIRST_PAGE["data"][0]["components"])
    assert levering.examples == {"1": "Jolanda", "2": "hoekbank", "3": "dinsdag 12 mei"}
    text = render(levering, {"1": "Jolanda", "2": "hoekbank", "3": "dinsdag 12 mei"})
    assert text == (
        "Uw levering\n\n"
        "Beste Jolanda, wij bezorgen uw hoekbank op dinsdag 12 mei. Past dat niet? Antwoord dan op dit bericht.\n\n"
        "Woonwinkel klantenservice\n\n"
        "[Dat past]\n[Ander moment]"
    )


@pytest.mark.parametrize(
    ("components", "category", "unsupported"),
    [
        ([{"type": "BODY", "text": "Uw code is {{1}}."}], "AUTHENTICATION", "authentication"),
        (
            [{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"}, {"type": "BODY", "text": "x"}],
            "",
            "header-variable",
        ),
        ([{"type": "HEADER", "format": "DOCUMENT"}, {"type": "BODY", "text": "Uw factuur"}], "", "header:DOCUMENT"),
        (
            [
                {"type": "BODY", "text": "x"},
                {"type": "BUTTONS", "buttons": [{"type": "URL", "url": "https://x/{{1}}"}]},
            ],
            "",
            "button-variable",
        ),
        (
            [{"type": "BODY", "text": "x"}, {"type": "BUTTONS", "buttons": [{"type": "COPY_CODE"}]}],
            "",
            "button:COPY_CODE",
        ),
        ([{"type": "BODY", "text": "x"}, {"type": "CAROUSEL", "cards": []}], "", "component:CAROUSEL"),
        ([{"type": "HEADER", "format": "TEXT", "text": "Alleen een kop"}], "", "no-body"),
        ("not a list", "", "no-body"),
    ],
)
def test_templates_loket_cannot_fill_in_are_recognised(components, category, unsupported):
    assert shape(components, category).unsupported == unsupported


def test_a_template_that_disappears_upstream_is_kept_and_marked_gone_and_comes_back(waba, graph):
    connect_templates(waba, graph)
    without_recorded = {"data": LAST_PAGE["data"][:2], "paging": LAST_PAGE["paging"]}
    graph.reply = template_pages(last=without_recorded)
    assert do_sync_templates(waba).gone == 1
    gone = templates(waba)["My message template"]
    assert gone.gone_at is not None
    assert not gone.is_sendable
    graph.reply = template_pages()
    result = do_sync_templates(waba)
    assert (result.created, result.changed, result.gone) == (0, 1, 0)
    assert templates(waba)["My message template"].gone_at is None


def test_a_page_meta_refuses_changes_nothing_and_the_reason_is_kept_on_the_account(waba, graph):
    connect_templates(waba, graph)

    def expired_on_page_two(request):
        if "after" in request.url.params:
            return httpx.Response(400, json=EXPIRED_TOKEN)
        return httpx.Response(200, json={"data": [], "paging": FIRST_PAGE["paging"]})

    graph.reply = expired_on_page_two
    with pytest.raises(TemplateSyncError) as failed:
        do_sync_templates(waba)
    assert failed.value.reason.startswith("WhatsApp answered 400: 190 Error validating access token")
    # A partial list would have marked the first page's templates gone: nothing changed.
    assert MessageTemplate.objects.filter(account=waba, gone_at__isnull=True).count() == 6
    waba.refresh_from_db()
    assert waba.templates_error == failed.value.reason


def test_no_answer_at_all_is_a_failed_fetch_too(waba, graph):
    def unreachable(request):
        raise httpx.ConnectTimeout("timed out", request=request)

    graph.reply = unreachable
    with pytest.raises(TemplateSyncError, match="ConnectTimeout"):
        do_sync_templates(waba)


def test_the_token_is_never_sent_to_a_next_page_on_another_host(waba, graph):
    elsewhere = {"data": [], "paging": {"next": "https://graph.example.org/v23.0/1/message_templates?after=x"}}
    graph.reply = template_pages(first=elsewhere)
    with pytest.raises(TemplateSyncError, match=r"another host: graph\.example\.org"):
        do_sync_templates(waba)
    assert len(fetches(graph)) == 1


def test_without_a_business_account_id_there_is_nothing_to_fetch(account, graph):
    with pytest.raises(TemplateSyncError, match="WhatsApp Business-account-id"):
        do_sync_templates(account)
    assert fetches(graph) == []


# --- The periodic fetch ---------------------------------------------------------------------------


def test_the_worker_fetches_the_templates_and_again_three_hours_later(waba, graph, run_tasks, settings):
    graph.reply = template_pages()
    do_schedule_template_sync(waba, now=True)
    do_schedule_template_sync(waba, now=True)  # called twice: still one fetch
    assert run_tasks() == 2
    assert len(fetches(graph)) == 2  # one fetch of two pages
    assert MessageTemplate.objects.filter(account=waba).count() == 6
    assert run_tasks() == 0  # the next one waits
    later = timezone.now() + timedelta(hours=settings.WHATSAPP_TEMPLATE_SYNC_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert run_tasks() == 1
    assert len(fetches(graph)) == 4


def test_a_failed_fetch_keeps_the_schedule(waba, graph, run_tasks, settings):
    graph.reply = lambda request: httpx.Response(400, json=EXPIRED_TOKEN)
    do_schedule_template_sync(waba, now=True)
    run_tasks()
    waba.refresh_from_db()
    assert waba.templates_error.startswith("WhatsApp answered 400: 190")
    graph.reply = template_pages()
    later = timezone.now() + timedelta(hours=settings.WHATSAPP_TEMPLATE_SYNC_HOURS, minutes=1)
    with time_machine.travel(later, tick=False):
        assert run_tasks() == 1
    waba.refresh_from_db()
    assert waba.templates_error == ""
    assert MessageTemplate.objects.filter(account=waba).count() == 6


def test_a_number_switched_off_is_no_longer_fetched(waba, graph, run_tasks):
    graph.reply = template_pages()
    do_schedule_template_sync(waba, now=True)
    ChannelAccount.objects.filter(pk=waba.pk).update(is_active=False)
    run_tasks()
    assert fetches(graph) == []


# --- Status webhooks ------------------------------------------------------------------------------

# The recorded webhook was sent on 6 November 2020 at 22:52:21 UTC (its entry time).
BEFORE_WEBHOOK = datetime(2020, 11, 6, 9, 0, tzinfo=UTC)


def test_a_recorded_status_webhook_approves_the_template_and_stores_no_message(client, waba, graph):
    with time_machine.travel(BEFORE_WEBHOOK, tick=False):
        connect_templates(waba, graph)
    response = post(client, waba, corpus("restfb__webhook-messageTemplateStatusUpdate-approved.json"))
    assert response.status_code == 200
    recorded = templates(waba)["My message template"]
    assert recorded.status == MessageTemplate.Status.APPROVED
    assert recorded.status_at == datetime(2020, 11, 6, 22, 52, 21, tzinfo=UTC)
    assert InboundDelivery.objects.count() == 0


def test_a_status_webhook_older_than_the_last_fetch_changes_nothing(client, waba, graph):
    connect_templates(waba, graph)  # today: the list is newer than the recorded webhook of 2020
    post(client, waba, corpus("restfb__webhook-messageTemplateStatusUpdate-approved.json"))
    assert templates(waba)["My message template"].status == MessageTemplate.Status.PENDING


def status_update(event: str, *, name: str, language: str, template_id: int, reason: str | None = None) -> bytes:
    value = {
        "event": event,
        "message_template_id": template_id,
        "message_template_name": name,
        "message_template_language": language,
        "reason": reason,
    }
    change = {"field": "message_template_status_update", "value": value}
    entry = {"id": WABA_ID, "time": int(timezone.now().timestamp()) + 60, "changes": [change]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def test_a_paused_template_is_no_longer_offered_and_a_reinstated_one_is_again(client, waba, graph):
    connect_templates(waba, graph)
    post(client, waba, status_update("PAUSED", name="levering_gepland", language="nl", template_id=1180352176936290))
    levering = templates(waba)["levering_gepland"]
    assert levering.status == MessageTemplate.Status.PAUSED
    assert not levering.is_sendable
    post(client, waba, status_update("REINSTATED", name="levering_gepland", language="nl", template_id=0))
    assert templates(waba)["levering_gepland"].is_sendable


def test_a_rejection_keeps_metas_reason(client, waba, graph):
    connect_templates(waba, graph)
    body = status_update(
        "REJECTED", name="afspraak_herinnering", language="nl", template_id=1180352176936294, reason="INVALID_FORMAT"
    )
    post(client, waba, body)
    herinnering = templates(waba)["afspraak_herinnering"]
    assert (herinnering.status, herinnering.status_reason) == ("REJECTED", "INVALID_FORMAT")


def test_a_flagged_template_stays_approved(client, waba, graph):
    connect_templates(waba, graph)
    post(client, waba, status_update("FLAGGED", name="levering_gepland", language="nl", template_id=1180352176936290))
    assert templates(waba)["levering_gepland"].status == MessageTemplate.Status.APPROVED


def test_a_status_webhook_of_a_template_loket_does_not_know_fetches_the_list(client, waba, graph, run_tasks):
    graph.reply = template_pages()
    body = status_update("APPROVED", name="levering_gepland", language="nl", template_id=1180352176936290)
    assert post(client, waba, body).status_code == 200
    assert run_tasks() == 1
    assert templates(waba)["levering_gepland"].is_sendable


# --- Commands -------------------------------------------------------------------------------------


def test_the_account_command_takes_the_business_account_id_and_the_worker_fetches(
    org, team, graph, run_tasks, monkeypatch, django_capture_on_commit_callbacks
):
    for variable, value in {
        "WHATSAPP_APP_SECRET": "s",
        "WHATSAPP_VERIFY_TOKEN": "v",
        "WHATSAPP_ACCESS_TOKEN": "EAAG-token",
    }.items():
        monkeypatch.setenv(variable, value)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "whatsapp_account", organization="woonwinkel", phone_number_id="10634295353625", waba_id=WABA_ID, stdout=out
        )
    assert "Message templates: fetched by the task worker" in out.getvalue()
    assert ChannelAccount.objects.get().waba_id == WABA_ID
    graph.reply = template_pages()
    run_tasks()
    assert MessageTemplate.objects.count() == 6


def test_the_templates_command_fetches_now_and_lists_them(waba, graph):
    graph.reply = template_pages()
    out = io.StringIO()
    call_command("whatsapp_templates", organization="woonwinkel", sync=True, stdout=out)
    text = out.getvalue()
    assert "6 templates: 6 new, 0 changed, 0 gone" in text
    assert "  levering_gepland [nl] APPROVED UTILITY\n" in text
    assert "  zomeractie [nl] APPROVED MARKETING (een kop met image)" in text


def test_the_templates_command_says_why_a_fetch_failed_and_exits_1(waba, graph):
    graph.reply = lambda request: httpx.Response(400, json=EXPIRED_TOKEN)
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("whatsapp_templates", organization="woonwinkel", sync=True, stdout=io.StringIO(), stderr=err)
    assert exited.value.code == 1
    assert "Not fetched: WhatsApp answered 400: 190 Error validating access token" in err.getvalue()
