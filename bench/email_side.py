"""The e-mail measurements that run inside Django; bench/run.py calls each as a subprocess.

    python bench/email_side.py setup                    # bench org + mailbox (JSON)
    python bench/email_side.py action --messages 5000   # parse-only baseline, then the ingest action
    python bench/email_side.py verify --org-id N --expected N

The corpus (bench/email_corpus.py) is repeated until there are ``--messages`` messages, each
copy with a Message-ID of its own. DATABASE_URL names a fresh database. Progress goes
to stderr; the result is one JSON object, the last line of stdout. The keys follow the peer's
``email_ingest`` (msgs_per_s, files_raised, duplicates_on_redelivery, parse_only_baseline).
"""

from __future__ import annotations

import argparse
import contextlib
import email
import email.policy
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "loket.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from bench.django_side import QueryCounter, log, rate, wait_drained  # noqa: E402
from bench.email_corpus import corpus_files, messages  # noqa: E402
from loket.cases.models import Message  # noqa: E402
from loket.integrations.actions import do_process_pending  # noqa: E402
from loket.integrations.email.inbound import do_accept_emails  # noqa: E402
from loket.integrations.email.parse import parse_email  # noqa: E402
from loket.integrations.models import InboundDelivery, Mailbox  # noqa: E402
from loket.ops.load import ensure_bench_org  # noqa: E402

MAILBOX = "bench@loket.bench"
CHUNK = 50  # messages per do_accept_emails call, as the IMAP poller stores them


def cmd_setup(args: argparse.Namespace) -> dict[str, Any]:
    org = ensure_bench_org().organization
    mailbox, _ = Mailbox.objects.get_or_create(address=MAILBOX, defaults={"organization": org})
    return {"org_id": org.pk, "mailbox": mailbox.address, "corpus_files": len(corpus_files())}


def parse_only(raws: list[bytes]) -> dict[str, Any]:
    """The baseline, as the peer defines it: the standard library's modern parser and the body's
    text (``message_from_bytes(policy=default)`` + ``get_body(("plain", "html")).get_content()``),
    nothing stored; and beside it Loket's own parser (parse.py) over the same messages."""
    t0 = time.perf_counter()
    for raw in raws:
        # The standard parser raises on some real mail; it still spent the time.
        with contextlib.suppress(Exception):
            body = email.message_from_bytes(raw, policy=email.policy.default).get_body(("plain", "html"))
            if body is not None:
                body.get_content()
    stdlib = time.perf_counter() - t0
    rejected = 0
    t0 = time.perf_counter()
    for raw in raws:
        try:
            parse_email(raw)
        except Exception:  # a message without any sender is rejected: still parsed
            rejected += 1
    loket = time.perf_counter() - t0
    return {
        "msgs_per_s": rate(len(raws), stdlib),
        "seconds": round(stdlib, 2),
        "loket_parse_msgs_per_s": rate(len(raws), loket),
        "loket_parse_rejected": rejected,
    }


def cmd_action(args: argparse.Namespace) -> dict[str, Any]:
    """Parse-only baseline, then store + process through the ingest action, then redeliver."""
    org = ensure_bench_org().organization
    mailbox, _ = Mailbox.objects.get_or_create(address=MAILBOX, defaults={"organization": org})
    raws = messages(args.messages, "action")
    baseline = parse_only(raws)
    log(f"parse only: {baseline['msgs_per_s']} msg/s")

    counter = QueryCounter()
    t0 = time.perf_counter()
    with connection.execute_wrapper(counter):
        for start in range(0, len(raws), CHUNK):
            do_accept_emails(mailbox, raws[start : start + CHUNK])
        accepted = time.perf_counter() - t0
        while do_process_pending():
            pass
    seconds = time.perf_counter() - t0
    deliveries = InboundDelivery.objects.for_org(org)
    result: dict[str, Any] = {
        "messages": len(raws),
        "accept_msgs_per_s": rate(len(raws), accepted),
        "msgs_per_s": rate(len(raws), seconds),
        "seconds": round(seconds, 2),
        "queries_per_msg": round(counter.n / len(raws), 2),
        "stored": deliveries.filter(status=InboundDelivery.Status.DONE).count(),
        "quarantined": deliveries.filter(status=InboundDelivery.Status.FAILED).count(),
        "files_raised": deliveries.filter(status=InboundDelivery.Status.FAILED)
        .exclude(error__startswith="Rejected")
        .count(),
        "parse_only_baseline": baseline,
    }
    log(f"ingest action: {result['msgs_per_s']} msg/s, {result['queries_per_msg']} queries/msg")

    before = (deliveries.count(), Message.objects.for_org(org).count())
    t0 = time.perf_counter()
    for start in range(0, len(raws), CHUNK):
        do_accept_emails(mailbox, raws[start : start + CHUNK])
    while do_process_pending():
        pass
    after = (deliveries.count(), Message.objects.for_org(org).count())
    result["duplicates_on_redelivery"] = {
        "deliveries": after[0] - before[0],
        "messages": after[1] - before[1],
        "seconds": round(time.perf_counter() - t0, 2),
    }
    return result


def cmd_verify(args: argparse.Namespace) -> dict[str, Any]:
    drained = wait_drained(args.org_id, args.wait_drained)
    deliveries = InboundDelivery.objects.for_org(args.org_id)
    stored = deliveries.count()
    return {
        "deliveries": drained,
        "stored": stored,
        "messages": Message.objects.for_org(args.org_id).count(),
        "files_raised": deliveries.filter(status=InboundDelivery.Status.FAILED)
        .exclude(error__startswith="Rejected")
        .count(),
        "ok": stored == args.expected and drained["pending_left"] == 0,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    sub.add_parser("setup")
    action = sub.add_parser("action")
    action.add_argument("--messages", type=int, default=5000)
    verify = sub.add_parser("verify")
    verify.add_argument("--org-id", type=int, required=True)
    verify.add_argument("--expected", type=int, required=True)
    verify.add_argument("--wait-drained", type=float, default=600)
    args = ap.parse_args()
    handler = {"setup": cmd_setup, "action": cmd_action, "verify": cmd_verify}[args.command]
    print(json.dumps(handler(args)))


if __name__ == "__main__":
    main()
