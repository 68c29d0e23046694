"""Load generator for the inbound API and the channels' webhooks: many POSTs at once over
keep-alive loopback connections.

    python bench/loadgen.py --port 8765 --token lkt_… --messages 20000
    python bench/loadgen.py … --mode async            # Prefer: respond-async: 202 once stored
    python bench/loadgen.py … --mode batch --batch-size 100   # POST /api/v1/inbound/batches
    python bench/loadgen.py --port 8765 --key K --mode whatsapp   # Meta's signed webhooks
    python bench/loadgen.py --port 8765 --key K --mode sms        # Twilio's signed webhooks
    python bench/loadgen.py --port 8765 --mode bare   # GET /bench/bare/ (bench.settings): the floor

A plain asyncio HTTP/1.1 client (pre-encoded requests, Content-Length responses): it costs a
few tens of microseconds per request, so on a 2-core machine it leaves the cores to the server
and the database (httpx costs several times more per request). Loopback only. Bounded: at
most ``--messages`` requests and ``--max-seconds`` seconds, then it waits for what is in flight.

The messages are a mix of new senders (``--new-share``) and repeat senders, each with a
unique ``external_id``; ``--redeliver`` then sends every accepted message again, which must
create nothing (200, ``created: false``). Prints one JSON object, last line of stdout.

The webhook modes post one message per request, signed for the account ``--key`` names
(bench/channel_load.py builds the bodies from the recorded payloads); ``--redelivery-share`` of
the posts repeat an earlier post byte for byte, as Meta and Twilio redeliver when they miss an
answer. A webhook's answer does not say whether it stored anything: a message counts as
accepted when one of its posts got the 200, and the database check (bench/run.py) proves the
redeliveries created nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.channel_load import webhook_request

SENTENCES = (
    "Goedemiddag, mijn pakket is beschadigd aangekomen.",
    "Kunt u mij vandaag nog terugbellen?",
    "Op mijn factuur staat een bedrag dat ik niet herken.",
    "Sinds gisteren werkt mijn internet niet meer.",
    "Ik wil mijn verhuizing doorgeven.",
    "Dank voor uw snelle reactie!",
)
PATH = "/api/v1/inbound/messages"
BATCH_PATH = "/api/v1/inbound/batches"
API_MODES = ("sync", "async", "batch")
WEBHOOK_MODES = ("whatsapp", "sms")
BARE_PATH = "/bench/bare/"  # a view that does nothing, behind the same middleware (bench/urls.py)
MODES = (*API_MODES, *WEBHOOK_MODES, "bare")


def build_messages(n: int, new_share: float, prefix: str, seed: int) -> tuple[list[dict[str, Any]], int]:
    """n message bodies; returns them and the number of distinct senders."""
    rng = random.Random(seed)
    senders = 0
    bodies = []
    for i in range(n):
        if senders == 0 or rng.random() < new_share:
            senders += 1
            k = senders
        else:
            k = rng.randrange(1, senders + 1)
        if k % 3:
            sender, channel = {"kind": "email", "value": f"klant{k}@{prefix}.example", "name": f"Klant {k}"}, "api"
        else:
            # national notation, as customers type it: normalised to E.164 by Loket
            sender, channel = {"kind": "phone", "value": f"061{k:07d}", "name": f"Klant {k}"}, "sms"
        text = " ".join(rng.choice(SENTENCES) for _ in range(1 + rng.randrange(3)))
        bodies.append({"external_id": f"{prefix}-{i}", "channel": channel, "sender": sender, "text": text})
    return bodies, senders


def encode(body: dict[str, Any], host: str, port: int, token: str, path: str = PATH, extra: str = "") -> bytes:
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n{extra}"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


def encode_all(
    bodies: list[dict[str, Any]], mode: str, batch_size: int, host: str, port: int, token: str
) -> tuple[list[bytes], list[list[int]]]:
    """The requests for ``bodies`` in this mode, and which messages (indexes) each one carries."""
    if mode == "batch":
        groups = [list(range(i, min(i + batch_size, len(bodies)))) for i in range(0, len(bodies), batch_size)]
        requests = [encode({"messages": [bodies[i] for i in g]}, host, port, token, BATCH_PATH) for g in groups]
        return requests, groups
    extra = "Prefer: respond-async\r\n" if mode == "async" else ""
    return [encode(b, host, port, token, PATH, extra) for b in bodies], [[i] for i in range(len(bodies))]


def created_flags(body: bytes) -> list[bool]:
    """Per message of one answered request: was it stored now (True) or a retry (False)?"""
    answer = json.loads(body)
    if "deliveries" in answer:
        return [d["created"] for d in answer["deliveries"]]
    return [answer["created"]]


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, keep_alive) of one response with a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, keep_alive = 0, True
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            keep_alive = False
    body = await reader.readexactly(length) if length else b""
    return status, body, keep_alive


def answered(body: bytes) -> list[bool]:
    """A webhook's answer (``ok``, an empty TwiML): its one message was taken."""
    return [True]


async def run_round(
    requests: list[bytes],
    host: str,
    port: int,
    concurrency: int,
    max_seconds: float,
    flags_of: Callable[[bytes], list[bool]] = created_flags,
) -> dict[str, Any]:
    """Send the requests over ``concurrency`` connections; per request: status, latency, created flags."""
    next_index = 0
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    created: list[list[bool] | None] = [None] * len(requests)
    errors: Counter[str] = Counter()
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        nonlocal next_index
        reader = writer = None
        while next_index < len(requests) and time.monotonic() < deadline:
            i = next_index
            next_index += 1
            for _attempt in range(2):  # one reconnect if the server closed an idle connection
                try:
                    if writer is None:
                        reader, writer = await asyncio.open_connection(host, port)
                    t0 = time.perf_counter()
                    writer.write(requests[i])
                    status, body, keep_alive = await read_response(reader)  # type: ignore[arg-type]
                    latencies.append(time.perf_counter() - t0)
                    statuses[status] += 1
                    if status in (200, 201, 202):
                        created[i] = flags_of(body)
                    if not keep_alive:
                        writer.close()
                        reader = writer = None
                    break
                except (ConnectionError, asyncio.IncompleteReadError) as exc:
                    errors[type(exc).__name__] += 1
                    if writer is not None:
                        writer.close()
                    reader = writer = None
        if writer is not None:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - t0
    latencies.sort()
    done = len(latencies)

    def pct(p: float) -> float | None:
        return round(latencies[max(0, math.ceil(p * done) - 1)] * 1000, 1) if done else None

    messages = sum(len(flags) for flags in created if flags is not None)
    return {
        "requests": done,
        "messages": messages,
        "seconds": round(seconds, 3),
        "per_s": round(messages / seconds, 1) if seconds else None,  # messages answered 2xx per second
        "requests_per_s": round(done / seconds, 1) if seconds else None,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "connection_errors": dict(errors),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1) if done else None,
        "mean_ms": round(statistics.fmean(latencies) * 1000, 1) if done else None,
        "created": created,
        "stopped_by_time_limit": done < len(requests),
    }


def plan_webhooks(
    posts: int, new_share: float, redelivery_share: float, prefix: str, seed: int
) -> tuple[list[tuple[str, int, str]], list[int], int]:
    """``posts`` webhook posts: the messages (external id, customer number, text), the message
    each post carries (a redelivery repeats one posted before), and the number of senders."""
    rng = random.Random(seed)
    messages: list[tuple[str, int, str]] = []
    order: list[int] = []
    senders = 0
    for _post in range(posts):
        if messages and rng.random() < redelivery_share:
            order.append(rng.randrange(len(messages)))
            continue
        if senders == 0 or rng.random() < new_share:
            senders += 1
            k = senders
        else:
            k = rng.randrange(1, senders + 1)
        text = " ".join(rng.choice(SENTENCES) for _ in range(1 + rng.randrange(3)))
        order.append(len(messages))
        messages.append((f"{prefix}-{len(messages)}", k, text))
    return messages, order, senders


def run_webhooks(args: argparse.Namespace) -> dict[str, Any]:
    """Signed webhook posts of one channel (a share of them redeliveries): warm-up, then timed."""
    if not args.key:
        raise SystemExit("loadgen: --key (the channel account's webhook key) is required for webhooks")
    posts = args.warmup + args.messages
    messages, order, senders = plan_webhooks(posts, args.new_share, args.redelivery_share, args.prefix, seed=1)
    encoded = [
        webhook_request(args.mode, args.key, args.host, args.port, external_id, k, text)
        for external_id, k, text in messages
    ]
    requests = [encoded[i] for i in order]
    warm_round = asyncio.run(
        run_round(requests[: args.warmup], args.host, args.port, min(4, args.concurrency), 60, answered)
    )
    main_round = asyncio.run(
        run_round(requests[args.warmup :], args.host, args.port, args.concurrency, args.max_seconds, answered)
    )
    got = warm_round.pop("created") + main_round.pop("created")
    seen: set[int] = set()  # messages with a 200 to one of their posts
    redeliveries_answered = 0
    for index, flags in zip(order, got, strict=False):
        if flags is not None:
            redeliveries_answered += index in seen
            seen.add(index)
    return {
        "messages_planned": len(messages),
        "senders_planned": senders,
        "mode": args.mode,
        "batch_size": 1,
        "path": f"/inbound/{args.mode}/<key>/",
        "warmup": warm_round,
        "timed": main_round,
        "accepted": len(seen),
        "accepted_senders": len({messages[i][1] for i in seen}),
        "redelivery_share": args.redelivery_share,
        "redeliveries_planned": len(order) - len(messages),
        "redeliveries_answered": redeliveries_answered,
        "concurrency": args.concurrency,
        "new_share": args.new_share,
        "client_cpu_ms_per_request": round(
            time.process_time() * 1000 / max(1, warm_round["requests"] + main_round["requests"]), 3
        ),
    }


def run_bare(args: argparse.Namespace) -> dict[str, Any]:
    """The floor: the same server answering a request that does nothing (no database, no
    session), at the same concurrency. No webhook answers faster than this."""
    request = f"GET {BARE_PATH} HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n\r\n".encode()
    warm_round = asyncio.run(
        run_round([request] * args.warmup, args.host, args.port, min(4, args.concurrency), 60, answered)
    )
    main_round = asyncio.run(
        run_round([request] * args.messages, args.host, args.port, args.concurrency, args.max_seconds, answered)
    )
    warm_round.pop("created")
    main_round.pop("created")
    sent = warm_round["requests"] + main_round["requests"]
    return {
        "mode": "bare",
        "path": BARE_PATH,
        "warmup": warm_round,
        "timed": main_round,
        "concurrency": args.concurrency,
        "client_cpu_ms_per_request": round(time.process_time() * 1000 / max(1, sent), 3),
    }


def run_api(args: argparse.Namespace) -> dict[str, Any]:
    """The inbound API in one of its modes: warm-up, timed, and (``--redeliver``) everything again."""
    if not args.token:
        raise SystemExit("loadgen: --token (an inbound API token) is required for the API modes")
    bodies, senders = build_messages(args.warmup + args.messages, args.new_share, args.prefix, seed=1)
    requests, carries = encode_all(bodies, args.mode, args.batch_size, args.host, args.port, args.token)
    n_warm = next((k for k, group in enumerate(carries) if group[0] >= args.warmup), len(carries))
    warm, timed = requests[:n_warm], requests[n_warm:]

    result: dict[str, Any] = {
        "messages_planned": len(bodies),
        "senders_planned": senders,
        "mode": args.mode,
        "batch_size": args.batch_size if args.mode == "batch" else 1,
        "path": BATCH_PATH if args.mode == "batch" else PATH,
    }
    warm_round = asyncio.run(run_round(warm, args.host, args.port, min(4, args.concurrency), 60))
    main_round = asyncio.run(run_round(timed, args.host, args.port, args.concurrency, args.max_seconds))
    answered = warm_round.pop("created") + main_round.pop("created")
    flags: dict[int, bool] = {}
    for group, got in zip(carries, answered, strict=False):
        if got is not None:
            flags.update(zip(group, got, strict=True))
    accepted = sorted(i for i, c in flags.items() if c)
    result.update(
        warmup=warm_round,
        timed=main_round,
        accepted=len(accepted),
        accepted_not_created=sum(1 for c in flags.values() if not c),
        # senders of the accepted messages: what the database must hold as customers
        accepted_senders=len({(bodies[i]["sender"]["kind"], bodies[i]["sender"]["value"]) for i in accepted}),
        concurrency=args.concurrency,
        new_share=args.new_share,
    )
    sent = warm_round["requests"] + main_round["requests"]
    if args.redeliver:
        again_requests, _carries = encode_all(
            [bodies[i] for i in accepted], args.mode, args.batch_size, args.host, args.port, args.token
        )
        again = asyncio.run(run_round(again_requests, args.host, args.port, args.concurrency, args.max_seconds))
        again_flags = [flag for got in again.pop("created") if got is not None for flag in got]
        again["created_again"] = sum(1 for c in again_flags if c)
        again["answered_not_created"] = sum(1 for c in again_flags if not c)
        result["redelivery"] = again
        sent += again["requests"]
    # what the load generator itself costs the shared cores
    result["client_cpu_ms_per_request"] = round(time.process_time() * 1000 / max(1, sent), 3)
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", default="", help="an inbound API token (API modes)")
    ap.add_argument("--key", default="", help="the channel account's webhook key (webhook modes)")
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--new-share", type=float, default=0.3)
    ap.add_argument("--redelivery-share", type=float, default=0.1, help="webhook posts that repeat an earlier one")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--prefix", default="load")
    ap.add_argument("--mode", choices=MODES, default="sync")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--redeliver", action="store_true")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loadgen: loopback only")
    if args.mode == "bare":
        result = run_bare(args)
    else:
        result = run_webhooks(args) if args.mode in WEBHOOK_MODES else run_api(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
