"""Load generator for the inbound API: many POSTs at once over keep-alive loopback connections.

    python bench/loadgen.py --port 8765 --token lkt_… --messages 20000
    python bench/loadgen.py … --mode async            # Prefer: respond-async: 202 once stored
    python bench/loadgen.py … --mode batch --batch-size 100   # POST /api/v1/inbound/batches

A plain asyncio HTTP/1.1 client (pre-encoded requests, Content-Length responses): it costs a
few tens of microseconds per request, so on a 2-core machine it leaves the cores to the server
and the database (httpx costs several times more per request). Loopback only. Bounded: at
most ``--messages`` requests and ``--max-seconds`` seconds, then it waits for what is in flight.

The messages are a mix of new senders (``--new-share``) and repeat senders, each with a
unique ``external_id``; ``--redeliver`` then sends every accepted message again, which must
create nothing (200, ``created: false``). Prints one JSON object, last line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import random
import statistics
import time
from collections import Counter
from typing import Any

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
MODES = ("sync", "async", "batch")


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


async def run_round(
    requests: list[bytes], host: str, port: int, concurrency: int, max_seconds: float
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
                        created[i] = created_flags(body)
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--new-share", type=float, default=0.3)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--max-seconds", type=float, default=120)
    ap.add_argument("--prefix", default="load")
    ap.add_argument("--mode", choices=MODES, default="sync")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--redeliver", action="store_true")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("loadgen: loopback only")

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
    print(json.dumps(result))


if __name__ == "__main__":
    main()
