"""Helpers of the WhatsApp tests: signed posts to a number's webhook, recorded and made-up bodies."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.urls import reverse

from loket.cases.models import Message
from loket.integrations.email.tests.corpora import CORPORA, MISSING

APP_SECRET = "meta-app-secret"


def corpus(name: str) -> bytes:
    if CORPORA is None:
        pytest.skip(MISSING)
    return (CORPORA / "whatsapp" / name).read_bytes()


def url(account) -> str:
    return reverse("whatsapp_webhook", args=[account.key])


def post(client, account, body: bytes, *, secret: str = APP_SECRET):
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(url(account), body, content_type="application/json", headers={"X-Hub-Signature-256": signature})


def outbound(case, wamid: str) -> Message:
    return Message.objects.create(
        organization=case.organization,
        case=case,
        kind=Message.Kind.OUTBOUND,
        channel="whatsapp",
        text="Wij halen de bank dinsdag op.",
        external_id=wamid,
        delivery_status=Message.Delivery.SENT,
    )


def status_body(wamid: str, status: str, errors: list | None = None) -> bytes:
    item = {"id": wamid, "status": status, "timestamp": "1700000000", "recipient_id": "31612345678"}
    if errors:
        item["errors"] = errors
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "31201234567", "phone_number_id": "10634295353625"},
        "statuses": [item],
    }
    body = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}],
    }
    return json.dumps(body).encode()


# --- Message templates ----------------------------------------------------------------------------
# The Message Templates API's answer (GET /<WABA id>/message_templates), in the shape Meta documents
# (developers.facebook.com/documentation/business-messaging/whatsapp/templates/template-management):
# a page of ``data`` and Graph API ``paging`` cursors, with ``next`` on every page but the last.

WABA_ID = "102290129340398"
TEMPLATES_URL = f"https://graph.facebook.com/v23.0/{WABA_ID}/message_templates"
FIRST_PAGE_URL = (
    f"{TEMPLATES_URL}?fields=id%2Cname%2Clanguage%2Cstatus%2Ccategory%2Ccomponents%2Cparameter_format&limit=100"
)
NEXT_PAGE_URL = (
    f"{TEMPLATES_URL}?fields=id,name,language,status,category,components,parameter_format&limit=100"
    "&after=QVFIUmxtZAXE0cWxKZAkRYSWhMTnotVEtmSHZAlRVZAGOXZAURWJBV3dZAbmZA0"
)

LEVERING = {
    "name": "levering_gepland",
    "parameter_format": "POSITIONAL",
    "components": [
        {"type": "HEADER", "format": "TEXT", "text": "Uw levering"},
        {
            "type": "BODY",
            "text": "Beste {{1}}, wij bezorgen uw {{2}} op {{3}}. Past dat niet? Antwoord dan op dit bericht.",
            "example": {"body_text": [["Jolanda", "hoekbank", "dinsdag 12 mei"]]},
        },
        {"type": "FOOTER", "text": "Woonwinkel klantenservice"},
        {
            "type": "BUTTONS",
            "buttons": [{"type": "QUICK_REPLY", "text": "Dat past"}, {"type": "QUICK_REPLY", "text": "Ander moment"}],
        },
    ],
    "language": "nl",
    "status": "APPROVED",
    "category": "UTILITY",
    "id": "1180352176936290",
}
DELIVERY = {
    "name": "delivery_scheduled",
    "parameter_format": "POSITIONAL",
    "components": [
        {
            "type": "BODY",
            "text": "Dear {{1}}, we will deliver your {{2}} on {{3}}.",
            "example": {"body_text": [["Jolanda", "corner sofa", "Tuesday 12 May"]]},
        }
    ],
    "language": "en_US",
    "status": "APPROVED",
    "category": "UTILITY",
    "id": "1180352176936291",
}
ONDERWEG = {
    "name": "bestelling_onderweg",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "BODY",
            "text": "Hoi {{first_name}}, je bestelling {{order_number}} is onderweg.",
            "example": {
                "body_text_named_params": [
                    {"param_name": "first_name", "example": "Jolanda"},
                    {"param_name": "order_number", "example": "ORD-1001"},
                ]
            },
        },
        {
            "type": "BUTTONS",
            "buttons": [{"type": "URL", "text": "Volg je pakket", "url": "https://woonwinkel.test/volg"}],
        },
    ],
    "language": "nl",
    "status": "APPROVED",
    "category": "UTILITY",
    "id": "1180352176936292",
}
ZOMERACTIE = {
    "name": "zomeractie",
    "parameter_format": "POSITIONAL",
    "components": [
        {
            "type": "HEADER",
            "format": "IMAGE",
            "example": {"header_handle": ["https://scontent.whatsapp.net/v/t61.29466-34/zomer.jpg"]},
        },
        {"type": "BODY", "text": "Deze week 20% korting op alle banken."},
    ],
    "language": "nl",
    "status": "APPROVED",
    "category": "MARKETING",
    "id": "1180352176936293",
}
HERINNERING = {
    "name": "afspraak_herinnering",
    "parameter_format": "POSITIONAL",
    "components": [
        {
            "type": "BODY",
            "text": "Morgen komt de monteur tussen {{1}} en {{2}}.",
            "example": {"body_text": [["8:00", "12:00"]]},
        }
    ],
    "language": "nl",
    "status": "PENDING",
    "category": "UTILITY",
    "id": "1180352176936294",
}
# The template of the recorded status webhook (restfb__webhook-messageTemplateStatusUpdate-approved.json).
RECORDED = {
    "name": "My message template",
    "components": [{"type": "BODY", "text": "Hello, this is a message template."}],
    "language": "en_US",
    "status": "PENDING",
    "category": "UTILITY",
    "id": "1234567",
}
FIRST_PAGE = {
    "data": [LEVERING, DELIVERY, ONDERWEG],
    "paging": {
        "cursors": {
            "before": "QVFIUkZA2R1VpSFZAsWlZAXZAVl",
            "after": "QVFIUmxtZAXE0cWxKZAkRYSWhMTnotVEtmSHZAlRVZAGOXZAURWJBV3dZAbmZA0",
        },
        "next": NEXT_PAGE_URL,
    },
}
LAST_PAGE = {
    "data": [ZOMERACTIE, HERINNERING, RECORDED],
    "paging": {"cursors": {"before": "QVFIUmxtZAXE0cWxKZAkRYSWhM", "after": "QVFIUnZAPbFZA5dWhPbU1RdWx1"}},
}
EXPIRED_TOKEN = {
    "error": {
        "message": "Error validating access token: Session has expired on Friday, 27-Nov-26 08:00:00 PST.",
        "type": "OAuthException",
        "code": 190,
        "error_subcode": 463,
        "fbtrace_id": "AbCdEfGhIjKlMnOp",
    }
}


def template_pages(first: dict | None = None, last: dict | None = None):
    """A Graph API answering the template list with these pages (and sends with a wamid)."""
    import httpx

    def reply(request: httpx.Request) -> httpx.Response:
        if request.method == "GET" and request.url.path.endswith("/message_templates"):
            later = "after" in request.url.params
            return httpx.Response(200, json=(last or LAST_PAGE) if later else (first or FIRST_PAGE))
        return httpx.Response(200, json={"messaging_product": "whatsapp", "messages": [{"id": "wamid.TEMPLATE"}]})

    return reply


def connect_templates(account, graph) -> None:
    """The account with its business account id and the templates of both pages fetched."""
    from loket.integrations.whatsapp.actions import do_sync_templates

    account.waba_id = WABA_ID
    account.save(update_fields=["waba_id"])
    graph.reply = template_pages()
    do_sync_templates(account)


def whatsapp_number(org, team=None):
    """The organisation's WhatsApp number, as the tests of other apps need one (conftest's ``account``)."""
    from loket.integrations.models import ChannelAccount

    account = ChannelAccount(
        organization=org, kind="whatsapp", name="Klantenservice", external_id="10634295353625", team=team
    )
    account.set_secrets(app_secret=APP_SECRET, verify_token="woonwinkel-verify", access_token="EAAG-token")
    account.save()
    return account
