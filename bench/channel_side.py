"""The messaging channels' set-up inside Django; bench/run.py calls it as a subprocess.

    python bench/channel_side.py setup            # bench org, WhatsApp and SMS numbers (JSON)
    python bench/channel_side.py setup --live     # … and what the live probe needs
    python bench/channel_side.py waits --prefix wamid.live-   # how long deliveries waited for a worker

The numbers are connected as an admin connects them (``check_create_channel_account``), with the
secrets bench/channel_load.py signs with. ``--live`` adds an agent's session (a logged-in
browser's cookie), an API token that may reply, a WhatsApp customer with an open case (its first
message through the real webhook and the inbound worker's action), and a chat widget with a
visitor who wrote in a case. The database comes from DATABASE_URL (run.py sets a fresh one).
The result is one JSON object, the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from bench.channel_load import (  # noqa: E402
    SMS_ACCOUNT_SID,
    SMS_AUTH_TOKEN,
    SMS_NUMBER,
    WHATSAPP_APP_SECRET,
    WHATSAPP_PHONE_NUMBER_ID,
    whatsapp_body,
    whatsapp_path,
    whatsapp_signature,
)
from loket.accounts.actions import do_create_token  # noqa: E402
from loket.accounts.models import Membership, Scope  # noqa: E402
from loket.cases.models import Message  # noqa: E402
from loket.integrations.actions import do_process_pending  # noqa: E402
from loket.integrations.channel_accounts import check_create_channel_account  # noqa: E402
from loket.integrations.models import ChannelAccount, InboundDelivery  # noqa: E402
from loket.integrations.webchat.actions import do_receive_chat_message  # noqa: E402
from loket.integrations.webchat.visitors import new_visitor  # noqa: E402
from loket.ops.load import BenchOrg, ensure_bench_org  # noqa: E402

LIVE_CUSTOMER = 9_000_001  # the live probe's WhatsApp customer (customer_number(k)); the load's are below


def connect_numbers(bench: BenchOrg) -> tuple[ChannelAccount, ChannelAccount]:
    """The bench organisation's WhatsApp number and Twilio SMS number, routed to its first team."""
    admin = Membership.objects.get(organization=bench.organization, user=bench.admin)
    whatsapp = check_create_channel_account(
        admin,
        kind=ChannelAccount.Kind.WHATSAPP,
        name="Bench WhatsApp",
        external_id=WHATSAPP_PHONE_NUMBER_ID,
        team=bench.teams[0],
        secrets={"app_secret": WHATSAPP_APP_SECRET, "verify_token": "bench-verify"},
    )
    sms = check_create_channel_account(
        admin,
        kind=ChannelAccount.Kind.SMS,
        name="Bench SMS",
        external_id=SMS_NUMBER,
        team=bench.teams[0],
        secrets={"auth_token": SMS_AUTH_TOKEN},
        settings={"account_sid": SMS_ACCOUNT_SID, "messaging_service_sid": ""},
    )
    return whatsapp, sms


def whatsapp_case(whatsapp: ChannelAccount) -> int:
    """The live customer's first WhatsApp message, through the webhook and the worker's action:
    the open case the probe's later messages land on."""
    body = whatsapp_body("wamid.setup-live", LIVE_CUSTOMER, "Hallo, mijn bank is beschadigd aangekomen.")
    response = Client().post(
        whatsapp_path(whatsapp.key),
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": whatsapp_signature(body)},
    )
    if response.status_code != 200:
        raise SystemExit(f"channel_side: the set-up webhook answered {response.status_code}")
    while do_process_pending():
        pass
    return Message.objects.get(channel="whatsapp", external_id="wamid.setup-live").case_id


def chat_visitor(bench: BenchOrg) -> dict[str, Any]:
    """A chat widget and a visitor who wrote in it: the widget's key, the visitor's token, the case."""
    admin = Membership.objects.get(organization=bench.organization, user=bench.admin)
    widget = check_create_channel_account(
        admin,
        kind=ChannelAccount.Kind.CHAT,
        name="Bench website",
        external_id="",
        team=bench.teams[0],
        settings={"allowed_origins": ["https://www.bench.example"]},
    )
    visitor, token = new_visitor(widget)
    message = do_receive_chat_message(widget, visitor, client_id="setup", text="Waar blijft mijn bank?")
    return {"chat_key": widget.key, "visitor_token": token, "chat_case_id": message.case_id}


def agent_session(bench: BenchOrg) -> str:
    """The session cookie of an agent logged in (a row in the session table, as after a login)."""
    client = Client()
    client.force_login(bench.agents[0])
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def cmd_setup(args: argparse.Namespace) -> dict[str, Any]:
    bench = ensure_bench_org()
    whatsapp, sms = connect_numbers(bench)
    result: dict[str, Any] = {"org_id": bench.organization.pk, "whatsapp_key": whatsapp.key, "sms_key": sms.key}
    if args.live:
        result.update(
            session_cookie=f"{settings.SESSION_COOKIE_NAME}={agent_session(bench)}",
            api_token=do_create_token(bench.organization, "bench live", [Scope.WRITE], actor=bench.admin).secret,
            whatsapp_case_id=whatsapp_case(whatsapp),
            whatsapp_customer=LIVE_CUSTOMER,
            **chat_visitor(bench),
        )
    return result


def cmd_waits(args: argparse.Namespace) -> dict[str, Any]:
    """Of the live probe's deliveries: from stored (the webhook's INSERT) to claimed by an inbound
    worker (the start of its batch), the part of the latency spent waiting for a worker's poll."""
    rows = InboundDelivery.objects.filter(
        external_id__startswith=args.prefix, status=InboundDelivery.Status.DONE
    ).values_list("received_at", "processed_at")
    waits = sorted((processed - received).total_seconds() for received, processed in rows)
    n = len(waits)

    def pct(p: float) -> float | None:
        return round(waits[max(0, math.ceil(p * n) - 1)] * 1000, 1) if n else None

    return {"n": n, "p50_ms": pct(0.5), "p95_ms": pct(0.95), "p99_ms": pct(0.99), "max_ms": pct(1.0)}


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    setup = sub.add_parser("setup")
    setup.add_argument("--live", action="store_true", help="also what the live probe needs")
    waits = sub.add_parser("waits")
    waits.add_argument("--prefix", required=True)
    args = ap.parse_args()
    print(json.dumps({"setup": cmd_setup, "waits": cmd_waits}[args.cmd](args)))


if __name__ == "__main__":
    main()
