"""Tenant isolation: ``outsider`` (admin of another organisation) never sees or changes ``org``'s data.

Every desk URL that takes an id is requested with an id of ``org``; the answer is always 404
and the page never contains the object's data. The last test fails when a new URL with an id
is added without being listed here.
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from loket.accounts.actions import do_create_token
from loket.accounts.models import BusinessHours, Membership
from loket.cases.models import Case, Message
from loket.cases.receiving import InboundMessage, IncomingAttachment, do_receive_message
from loket.customers.actions import do_create_customer
from loket.integrations.models import ChannelAccount, ImapAccount, InboundDelivery, Mailbox
from loket.web import urls as web_urls
from loket.webhooks.actions import do_create_endpoint

pytestmark = pytest.mark.django_db

SECRET_WORDS = ["Bank beschadigd geleverd", "Jolanda", "jolanda@example.nl", "schade.jpg", "crm.woonwinkel.nl"]


@pytest.fixture
def objects(org, owner, agent, team, customer, case, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    message = do_receive_message(
        org,
        InboundMessage(
            channel="email",
            identity_kind="email",
            identity_value="jolanda@example.nl",
            text="Foto",
            html="<p>Foto van de schade</p>",
            attachments=[IncomingAttachment("schade.jpg", b"jpeg", "image/jpeg")],
        ),
    ).message
    duplicate = do_create_customer(org, actor=None, name="Jolanda dubbel")
    return {
        "case": case,
        "customer": customer,
        "duplicate": duplicate,
        "attachment": message.attachments.get(),
        "message": message,
        "membership": Membership.objects.get(user=agent, organization=org),
        "team": team,
        "token": do_create_token(org, "Woonwinkel CRM", ["read"], actor=owner).token,
        "endpoint": do_create_endpoint(org, url="https://crm.woonwinkel.nl/hook", event_types=["*"]),
        "mailbox": Mailbox.objects.create(organization=org, address="service@crm.woonwinkel.nl", team=team),
        "quarantined": InboundDelivery.objects.create(
            organization=org, channel="email", external_id="<q@x>", raw=b"Subject: Jolanda\r\n\r\n?", status="failed"
        ),
        "account": _channel_account(org),
    }


def _channel_account(org) -> ChannelAccount:
    account = ChannelAccount(organization=org, kind="whatsapp", name="Jolanda", external_id="10634295353625")
    account.set_secrets(app_secret="jolanda@example.nl-app-secret", verify_token="verify")
    account.save()
    return account


# (url name, objects that make its arguments, method, POST data)
ROUTES = [
    ("web:case", ["case"], "get", None),
    ("web:case_timeline", ["case"], "get", None),
    ("web:case_header", ["case"], "get", None),
    ("web:case_reply", ["case"], "post", {"text": "Hallo", "channel": "email"}),
    ("web:case_template", ["case"], "get", None),
    ("web:case_template", ["case"], "post", {"template": "1", "parameters.1": "Hallo"}),
    ("web:case_note", ["case"], "post", {"text": "Notitie"}),
    ("web:case_typing", ["case"], "post", {}),
    ("web:case_hand_over", ["case"], "post", {"reason": "expertise"}),
    ("web:case_take", ["case"], "post", {}),
    ("web:case_status", ["case"], "post", {"status": "resolved"}),
    ("web:case_edit", ["case"], "post", {"subject": "Gekaapt", "priority": "low"}),
    ("web:attachment", ["attachment"], "get", None),
    ("web:message_html", ["message"], "get", None),
    ("web:customer", ["customer"], "get", None),
    ("web:customer_add_identity", ["customer"], "post", {"kind": "email", "value": "kaper@example.nl"}),
    ("web:customer_merge_search", ["customer"], "get", None),
    ("web:customer_merge_confirm", ["customer", "duplicate"], "get", None),
    ("web:customer_merge", ["customer", "duplicate"], "post", {}),
    ("web:admin_member_role", ["membership"], "post", {"role": "viewer"}),
    ("web:admin_member_active", ["membership"], "post", {}),
    ("web:admin_team", ["team"], "get", None),
    ("web:admin_team_business_hours", ["team"], "get", None),
    ("web:admin_team_business_hours", ["team"], "post", {"monday": "00:00-24:00", "holiday_country": "NL"}),
    ("web:admin_team_business_hours", ["team"], "post", {"form": "remove"}),
    ("web:admin_token_revoke", ["token"], "post", {}),
    ("web:admin_webhook", ["endpoint"], "get", None),
    ("web:admin_webhook_delete", ["endpoint"], "post", {}),
    ("web:admin_mailbox", ["mailbox"], "get", None),
    (
        "web:admin_mailbox",
        ["mailbox"],
        "post",
        {"form": "mailbox", "address": "kaper@example.nl", "sender_name": "Kaper", "response_hours": "24"},
    ),
    (
        "web:admin_mailbox",
        ["mailbox"],
        "post",
        {"form": "imap", "host": "kaper.example", "port": "993", "security": "ssl", "username": "k", "password": "x"},
    ),
    ("web:admin_mailbox_active", ["mailbox"], "post", {"active": "0"}),
    ("web:admin_channel_account", ["account"], "get", None),
    (
        "web:admin_channel_account",
        ["account"],
        "post",
        {"name": "Kaper", "external_id": "1", "secret_app_secret": "kaper", "secret_verify_token": "kaper"},
    ),
    ("web:admin_channel_account_active", ["account"], "post", {"active": "0"}),
    ("web:admin_quarantine_download", ["quarantined"], "get", None),
    ("web:admin_quarantine_retry", ["quarantined"], "post", {}),
]


@pytest.mark.parametrize(("name", "keys", "method", "data"), ROUTES, ids=[r[0] for r in ROUTES])
def test_outsider_gets_404_and_never_the_data(outsider_client, objects, name, keys, method, data):
    url = reverse(name, args=[objects[key].pk for key in keys])
    response = getattr(outsider_client, method)(url, data) if method == "post" else outsider_client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    for word in SECRET_WORDS:
        assert word not in html


def test_outsider_requests_change_nothing(outsider_client, objects):
    for name, keys, method, data in ROUTES:
        if method == "post":
            outsider_client.post(reverse(name, args=[objects[key].pk for key in keys]), data)
    case = Case.objects.get(pk=objects["case"].pk)
    assert case.subject == "Bank beschadigd geleverd"
    assert case.is_open
    assert case.owner is not None
    assert not Message.objects.filter(case=case).exclude(kind=Message.Kind.INBOUND).exists()
    objects["duplicate"].refresh_from_db()
    assert objects["duplicate"].merged_into is None
    objects["membership"].refresh_from_db()
    assert objects["membership"].is_active
    assert objects["membership"].role == "agent"
    objects["token"].refresh_from_db()
    assert objects["token"].revoked_at is None
    assert objects["endpoint"].__class__.objects.filter(pk=objects["endpoint"].pk).exists()
    objects["mailbox"].refresh_from_db()
    assert objects["mailbox"].is_active
    assert objects["mailbox"].address == "service@crm.woonwinkel.nl"
    assert not ImapAccount.objects.exists()
    assert not BusinessHours.objects.exists()
    objects["quarantined"].refresh_from_db()
    assert objects["quarantined"].status == "failed"
    account = ChannelAccount.objects.get(pk=objects["account"].pk)
    assert (account.is_active, account.name, account.external_id) == (True, "Jolanda", "10634295353625")
    assert account.secret("app_secret") == "jolanda@example.nl-app-secret"


def test_outsider_inbox_and_lists_show_nothing_of_the_other_organisation(outsider_client, objects):
    for name in (
        "web:inbox",
        "web:customers",
        "web:admin_members",
        "web:admin_teams",
        "web:admin_business_hours",
        "web:admin_tokens",
        "web:admin_webhooks",
        "web:admin_channel_accounts",
    ):
        html = outsider_client.get(reverse(name), {"view": "open"}).content.decode()
        for word in [*SECRET_WORDS, objects["case"].number, "Arie Agent", "Klantenservice", "Woonwinkel CRM"]:
            assert word not in html, (name, word)


# URLs whose argument is a signed token, not an id: nobody can name another organisation's
# object with them; the token comes only from a page the isolation test covers (message_html).
SIGNED = {"web:inline_image"}


def test_every_url_with_an_id_is_covered_by_the_isolation_test():
    with_ids = {
        f"web:{pattern.name}"
        for pattern in web_urls.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.pattern.converters
    }
    assert with_ids - SIGNED == {name for name, *_rest in ROUTES}
