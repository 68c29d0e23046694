"""The live probe: how long a message takes to reach an open screen, measured at that screen.

    python bench/live_probe.py --port 8765 --setup '<JSON of channel_side.py setup --live>'

Two measurements, each ``--samples`` times after ``--warmup`` unmeasured ones, one at a time:

1. **WhatsApp → the agent's case view.** An agent's browser socket (``/ws/live/?case=<id>``,
   the session cookie and the server's Origin, as the desk opens it) listens while a signed
   webhook with a new message of that case's customer is posted. Measured: from sending the
   webhook to receiving ``case.message_received`` for the case on the socket (the inbound
   worker stores it, the event goes through Redis to the server holding the socket); and the
   webhook's own time to its 200.
2. **The agent's reply → the chat visitor.** A visitor's socket (``/ws/chat/<key>/?token=…``)
   listens while the agent replies through the API (``POST /api/v1/cases/<id>/messages``, as an
   integration or the desk's reply would). Measured: from sending the reply to the socket
   receiving the ``messages`` frame with that reply's text; and the API call's own time.

A reader task stamps every frame as it arrives, so a frame that beats the HTTP answer still
counts from the moment it came. After each sample the probe waits a random 50 to 250 ms (seeded)
before the next, so that samples never coalesce into one event and do not fall into step with
the inbound worker's polling. Loopback only; prints one JSON object, the last line of stdout.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.channel_load import webhook_request
from bench.loadgen import read_response

FRAME_TIMEOUT_S = 10  # a sample whose frame has not come by then is counted as missed
GAP_S = (0.05, 0.25)


def summary(seconds: list[float]) -> dict[str, Any]:
    """Percentiles in milliseconds (nearest rank)."""
    values = sorted(seconds)
    n = len(values)

    def pct(p: float) -> float | None:
        return round(values[max(0, math.ceil(p * n) - 1)] * 1000, 1) if n else None

    return {
        "n": n,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(values[-1] * 1000, 1) if n else None,
        "mean_ms": round(statistics.fmean(values) * 1000, 1) if n else None,
    }


class Socket:
    """A WebSocket whose frames a reader task stamps on arrival and queues."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.frames: asyncio.Queue[tuple[float, Any]] = asyncio.Queue()
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            await self.frames.put((time.perf_counter(), json.loads(raw)))

    def stop(self) -> None:
        self.task.cancel()

    def clear(self) -> None:
        while not self.frames.empty():
            self.frames.get_nowait()

    async def first(self, matches: Callable[[Any], bool]) -> float | None:
        """When the first frame that matches arrived; None after FRAME_TIMEOUT_S."""
        deadline = time.monotonic() + FRAME_TIMEOUT_S
        while (left := deadline - time.monotonic()) > 0:
            try:
                stamp, frame = await asyncio.wait_for(self.frames.get(), timeout=left)
            except TimeoutError:
                return None
            if matches(frame):
                return stamp
        return None


async def http(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes) -> tuple[int, bytes]:
    reader, writer = conn
    writer.write(request)
    status, body, _keep_alive = await read_response(reader)
    return status, body


async def sample_loop(
    socket: Socket,
    send: Callable[[int], Any],
    matches: Callable[[int, Any], bool],
    samples: int,
    warmup: int,
    seed: int,
) -> dict[str, Any]:
    """``warmup`` + ``samples`` rounds of: send (timed HTTP call), wait for the matching frame."""
    rng = random.Random(seed)
    latencies: list[float] = []
    calls: list[float] = []
    statuses: dict[str, int] = {}
    missed = 0
    for i in range(warmup + samples):
        socket.clear()
        t0 = time.perf_counter()
        status = await send(i)
        call = time.perf_counter() - t0
        statuses[str(status)] = statuses.get(str(status), 0) + 1
        arrived = await socket.first(lambda frame, i=i: matches(i, frame))
        if i >= warmup:
            calls.append(call)
            if arrived is None:
                missed += 1
            else:
                latencies.append(arrived - t0)
        await asyncio.sleep(rng.uniform(*GAP_S))
    return {"latency": summary(latencies), "http": summary(calls), "statuses": statuses, "missed": missed}


async def whatsapp_to_agent(args: argparse.Namespace, setup: dict[str, Any]) -> dict[str, Any]:
    case_id, customer = setup["whatsapp_case_id"], setup["whatsapp_customer"]
    origin = f"http://{args.host}:{args.port}"
    url = f"ws://{args.host}:{args.port}/ws/live/?case={case_id}"
    headers = {"Cookie": setup["session_cookie"], "Origin": origin}
    async with connect(url, additional_headers=headers, open_timeout=10) as ws:
        socket = Socket(ws)
        conn = await asyncio.open_connection(args.host, args.port)

        async def send(i: int) -> int:
            text = f"Is er al nieuws over mijn bank? ({i})"
            wamid = f"wamid.live-{i}" if i >= args.warmup else f"wamid.warm-{i}"  # channel_side.py waits
            request = webhook_request("whatsapp", setup["whatsapp_key"], args.host, args.port, wamid, customer, text)
            return (await http(conn, request))[0]

        def matches(_i: int, frame: Any) -> bool:
            return frame == {"event": "case.message_received", "case_id": case_id}

        result = await sample_loop(socket, send, matches, args.samples, args.warmup, seed=1)
        socket.stop()
        conn[1].close()
    result["path"] = "signed POST /inbound/whatsapp/<key>/ → case.message_received on /ws/live/?case=<id>"
    return result


async def reply_to_visitor(args: argparse.Namespace, setup: dict[str, Any]) -> dict[str, Any]:
    case_id = setup["chat_case_id"]
    origin = f"http://{args.host}:{args.port}"
    url = f"ws://{args.host}:{args.port}/ws/chat/{setup['chat_key']}/?token={setup['visitor_token']}"
    async with connect(url, additional_headers={"Origin": origin}, open_timeout=10) as ws:
        socket = Socket(ws)
        conn = await asyncio.open_connection(args.host, args.port)

        def text_of(i: int) -> str:
            return f"Uw bank wordt dinsdag tussen 8 en 12 uur bezorgd. ({i})"

        async def send(i: int) -> int:
            body = json.dumps({"kind": "reply", "text": text_of(i), "channel": "chat"}).encode()
            request = (
                f"POST /api/v1/cases/{case_id}/messages HTTP/1.1\r\nHost: {args.host}:{args.port}\r\n"
                f"Authorization: Bearer {setup['api_token']}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            return (await http(conn, request))[0]

        def matches(i: int, frame: Any) -> bool:
            items = frame.get("items", []) if isinstance(frame, dict) and frame.get("type") == "messages" else []
            return any(item.get("text") == text_of(i) for item in items)

        result = await sample_loop(socket, send, matches, args.samples, args.warmup, seed=2)
        socket.stop()
        conn[1].close()
    result["path"] = "POST /api/v1/cases/<id>/messages (reply, chat) → messages frame on /ws/chat/<key>/"
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--setup", required=True, help="the JSON printed by channel_side.py setup --live")
    ap.add_argument("--samples", type=int, default=200)
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("live_probe: loopback only")
    setup = json.loads(args.setup)
    result = {
        "samples": args.samples,
        "gap_s": list(GAP_S),
        "whatsapp_to_agent": asyncio.run(whatsapp_to_agent(args, setup)),
        "reply_to_visitor": asyncio.run(reply_to_visitor(args, setup)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
