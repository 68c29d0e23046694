"""`make bench`: Loket's figures, each with a baseline measured in the same run, and the peer.

    .venv/bin/python bench/run.py [--quick] [--db postgres|sqlite] [--skip-peer] [--cases N] [--only PHASES]

1. Inbound API ingest: uvicorn with 2 workers on a fresh database, a load generator in its own
   process (bench/loadgen.py), then a check that the database holds exactly the accepted
   messages and that redelivering them creates nothing. Baseline: raw INSERTs into a table
   shaped like cases_message on the same database (bench/raw_insert.py).
1d. Promises (``--only promises``): 10,000 promises due in the same minute escalated by two
    ``manage.py promise_guard`` processes (each exactly once, within 60 s), and the guard's scan
    with 1,000,000 promises in the table (its plan shows the partial index); bench/promises.py.
1c. Messaging channels (``--only channels``): the WhatsApp and Twilio SMS webhooks under the same
   load and server set-up as 1., with signed real-shaped bodies and a share of redeliveries, and the
   same database check; beside the generic inbound path (async), the raw INSERTs and the floor (the
   same server answering a view that does nothing, bench/urls.py) of the same run.
   Then the live probe (bench/live_probe.py): a WhatsApp message to an agent's open case view, and
   an agent's reply to a chat visitor's socket, timed at the WebSocket.
1d. Klantcontact Monitor (``--only monitor``, PostgreSQL): 1,000,000 survey responses over
   100,000 customers (bench/monitor_side.py); the dashboard on the hourly rollups beside the
   same figures as plain aggregates over the raw responses (p95 of each and the ratio), alert
   evaluation per second, and the invitation task's work per contact.
2. Inbox and case view at 1k, 10k and 100k cases (``manage.py seed_load`` tops the database
   up between measurements). Baseline: a bare view behind the same middleware (bench/urls.py).
3. The peer, django-helpdesk (../shared/peers/django-helpdesk/run.sh), on the same database
   kind, and Loket ÷ peer for the comparable figures.

Everything runs on loopback; databases are created fresh (PostgreSQL: ``loket_bench_*``, or
``$BENCH_PG_PREFIX_*``, at 127.0.0.1:5432 as postgres, dropped at the end; SQLite: files in a
temp dir outside the repo).
Progress goes to stderr, the table to stdout, the whole result to bench/results/<date>-<db>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.report import BATCH_SIZE, CONCURRENCY, NEW_SHARE, REDELIVERY_SHARE, TARGETS, label_of, report

DRAIN_MAX_S = 600  # how long the check waits for the inbound workers to drain the backlog
SMTP_CONNECTIONS = 4  # concurrent SMTP sessions delivering the e-mail corpus

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PEER = Path(os.environ.get("BENCH_PEER", ROOT.parent / "shared" / "peers" / "django-helpdesk" / "run.sh"))
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
# Another prefix (BENCH_PG_PREFIX) keeps two runs on one PostgreSQL out of each other's databases.
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "loket_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

FULL = {
    "ingest_messages": 20_000,
    "ingest_warmup": 200,
    "ingest_max_s": 60,
    "async_messages": 20_000,
    "batch_messages": 30_000,
    "inproc_messages": 2_000,
    "inproc_cases": 2_000,
    "inproc_max_s": 45,
    "scales": [1_000, 10_000, 100_000],
    "raw_rows": 10_000,
    "raw_max_s": 10,
    "email_messages": 5_000,
    "webhook_messages": 20_000,
    "webhook_max_s": 60,
    "live_samples": 200,
    "monitor_responses": 1_000_000,
    "monitor_customers": 100_000,
    "promises_due": 10_000,
    "promises_rows": 1_000_000,
}
QUICK = {
    "ingest_messages": 1_500,
    "ingest_warmup": 100,
    "ingest_max_s": 30,
    "async_messages": 1_500,
    "batch_messages": 5_000,
    "inproc_messages": 300,
    "inproc_cases": 300,
    "inproc_max_s": 15,
    "scales": [500, 2_000],
    "raw_rows": 2_000,
    "raw_max_s": 4,
    "email_messages": 600,
    "webhook_messages": 1_500,
    "webhook_max_s": 30,
    "live_samples": 40,
    "monitor_responses": 50_000,
    "monitor_customers": 5_000,
    "promises_due": 1_000,
    "promises_rows": 100_000,
}
# ``--only <section>`` runs these phases: the channels' figures beside the generic inbound path
# (stored, then answered: the async mode) and the raw INSERT baseline of the same run.
SECTIONS = {
    "channels": (
        "raw_insert_ceiling",
        "api_ingest_async",
        "http_floor",
        "whatsapp_ingest",
        "sms_ingest",
        "live_delivery",
    ),
    "monitor": ("monitor",),
    # The promise guard (issue 7): escalations of promises due at once, and the scan's cost.
    "promises": ("promises_escalation", "promises_scan"),
}
# The webhooks' message ids start like the providers' (the database check finds them by prefix).
WEBHOOK_ID_PREFIX = {"whatsapp": "wamid.load-whatsapp", "sms": "SMload-sms"}


def log(msg: str) -> None:
    print(f"bench: [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class StepFailed(Exception):
    pass


# --- databases ---------------------------------------------------------------------------------


class Databases:
    """Fresh databases cloned from one migrated template; all removed by ``close()``."""

    def __init__(self, kind: str, work: Path, env: dict[str, str]) -> None:
        self.kind, self.work, self.env = kind, work, env
        self.created: list[str] = []

    def url(self, name: str) -> str:
        if self.kind == "postgres":
            return f"postgres://{PG['user']}@{PG['host']}:{PG['port']}/{name}"
        return f"sqlite:///{self.work / (name + '.sqlite3')}"

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10, **PG) as conn:  # type: ignore[arg-type]
            for sql in statements:
                conn.execute(sql)  # type: ignore[arg-type]

    def prepare(self) -> None:
        """Create and migrate the template."""
        name = f"{PG_PREFIX}_template"
        if self.kind == "postgres":
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")
        self.created.append(name)
        t0 = time.perf_counter()
        run([PY, "manage.py", "migrate", "--noinput", "-v0"], {**self.env, "DATABASE_URL": self.url(name)}, 600)
        log(f"migrated the template database in {time.perf_counter() - t0:.1f} s")

    def fresh(self, suffix: str) -> str:
        """A new database with the migrated schema; returns its DATABASE_URL."""
        name, template = f"{PG_PREFIX}_{suffix}", f"{PG_PREFIX}_template"
        if self.kind == "postgres":
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name} TEMPLATE {template}")
        else:
            shutil.copyfile(self.work / f"{template}.sqlite3", self.work / f"{name}.sqlite3")
        self.created.append(name)
        return self.url(name)

    def drop(self, suffix: str) -> None:
        name = f"{PG_PREFIX}_{suffix}"
        if self.kind == "postgres":
            self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        else:
            for path in self.work.glob(f"{name}.sqlite3*"):
                path.unlink()
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in reversed(self.created):
            try:
                self.drop(name.removeprefix(f"{PG_PREFIX}_"))
            except Exception as exc:
                log(f"could not drop {name}: {exc}")


# --- subprocesses ------------------------------------------------------------------------------

LOG_DIR: Path = Path(tempfile.gettempdir())
INBOUND_ARGS: list[str] = []  # extra arguments of every inbound worker (``--inbound-interval``)


def run(cmd: list[str], env: dict[str, str], timeout: float, label: str = "") -> str:
    """Run a command from the repository root; stderr goes to a log file. Returns stdout."""
    label = label or Path(cmd[1]).stem if len(cmd) > 1 else cmd[0]
    log_path = LOG_DIR / f"{label}-{int(time.time() * 1000)}.log"
    with log_path.open("w") as err:
        try:
            proc = subprocess.run(  # noqa: S603
                cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=err, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise StepFailed(f"{' '.join(cmd[:4])} … timed out after {timeout:.0f} s (log: {log_path})") from exc
    if proc.returncode != 0:
        tail = log_path.read_text(errors="replace")[-1500:]
        raise StepFailed(f"{' '.join(cmd[:4])} … exited with {proc.returncode}; end of its log:\n{tail}")
    return proc.stdout


def run_json(cmd: list[str], env: dict[str, str], timeout: float) -> dict[str, Any]:
    out = run(cmd, env, timeout).strip().splitlines()
    if not out:
        raise StepFailed(f"{' '.join(cmd[:4])} … printed nothing")
    return json.loads(out[-1])  # type: ignore[no-any-return]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@contextlib.contextmanager
def uvicorn_server(env: dict[str, str], workers: int = 2) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Loket's ASGI app in uvicorn on a free loopback port; stopped (SIGTERM, then SIGKILL) at the end."""
    port = free_port()
    log_path = LOG_DIR / f"uvicorn-{port}.log"
    cmd = [
        PY,
        "-m",
        "uvicorn",
        "loket.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-server-header",
    ]
    with log_path.open("w") as out:
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while True:
                if server.poll() is not None:
                    raise StepFailed(f"uvicorn exited with {server.returncode}; log: {log_path}")
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=2) as r:
                        if r.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise StepFailed(f"uvicorn did not answer within 60 s; log: {log_path}")
                time.sleep(0.3)
            # Every worker imports lazily on its first requests; give both a chance to start.
            time.sleep(1.0)
            yield port, server
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)


# --- phases ------------------------------------------------------------------------------------


def phase_raw(dbs: Databases, env: dict[str, str], size: dict[str, Any]) -> dict[str, Any]:
    url = dbs.fresh("raw")
    target = url.replace("postgres://", "postgresql://") if dbs.kind == "postgres" else url.removeprefix("sqlite:///")
    try:
        return run_json(
            [
                PY,
                "bench/raw_insert.py",
                "--db",
                dbs.kind,
                "--target",
                target,
                "--rows",
                str(size["raw_rows"]),
                "--max-seconds",
                str(size["raw_max_s"]),
            ],
            env,
            size["raw_max_s"] * 4 + 120,
        )
    finally:
        dbs.drop("raw")


def phase_inproc(dbs: Databases, env: dict[str, str], size: dict[str, Any]) -> dict[str, Any]:
    url = dbs.fresh("inproc")
    try:
        return run_json(
            [
                PY,
                "bench/django_side.py",
                "inproc",
                "--messages",
                str(size["inproc_messages"]),
                "--cases",
                str(size["inproc_cases"]),
                "--max-seconds",
                str(size["inproc_max_s"]),
            ],
            {**env, "DATABASE_URL": url},
            900,
        )
    finally:
        dbs.drop("inproc")


@contextlib.contextmanager
def inbound_workers(env: dict[str, str], count: int = 2) -> Iterator[list[subprocess.Popen[bytes]]]:
    """``manage.py inbound_worker`` processes, as a deployment runs them beside the web servers."""
    procs = []
    try:
        for n in range(count):
            out = (LOG_DIR / f"inbound-worker-{n}.log").open("w")
            procs.append(
                subprocess.Popen(  # noqa: S603
                    [PY, "manage.py", "inbound_worker", *INBOUND_ARGS], cwd=ROOT, env=env, stdout=out, stderr=out
                )
            )
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def phase_ingest(
    dbs: Databases,
    env: dict[str, str],
    messages: int,
    warmup: int,
    max_s: float,
    *,
    redeliver: bool,
    suffix: str,
    mode: str = "sync",
) -> dict[str, Any]:
    """The inbound API under load (with two inbound workers running), then the database check
    after the workers have drained what was stored (and the redelivery round)."""
    env = {**env, "DATABASE_URL": dbs.fresh(suffix)}
    try:
        setup = run_json([PY, "bench/django_side.py", "setup"], env, 120)
        prefix = f"load-{suffix}"
        args = ["--token", setup["token"], "--messages", str(messages), "--warmup", str(warmup)]
        args += ["--concurrency", str(CONCURRENCY), "--new-share", str(NEW_SHARE), "--max-seconds", str(max_s)]
        args += ["--prefix", prefix, "--mode", mode, "--batch-size", str(BATCH_SIZE)]
        if redeliver:
            args.append("--redeliver")
        return load_and_verify(env, setup, args, prefix, max_s)
    finally:
        dbs.drop(suffix)


def phase_webhook_ingest(dbs: Databases, env: dict[str, str], kind: str, size: dict[str, Any]) -> dict[str, Any]:
    """A channel's webhook (``whatsapp`` or ``sms``) under the same load and server set-up as the
    inbound API: signed posts of real-shaped bodies, REDELIVERY_SHARE of them redeliveries; then
    the same database check (one message per distinct provider id, nothing from a redelivery)."""
    suffix = f"{kind}ingest"
    env = {**env, "DATABASE_URL": dbs.fresh(suffix)}
    try:
        setup = run_json([PY, "bench/channel_side.py", "setup"], env, 120)
        prefix = WEBHOOK_ID_PREFIX[kind]
        max_s = size["webhook_max_s"]
        args = ["--key", setup[f"{kind}_key"], "--mode", kind, "--prefix", prefix]
        args += ["--messages", str(size["webhook_messages"]), "--warmup", str(size["ingest_warmup"])]
        args += ["--concurrency", str(CONCURRENCY), "--new-share", str(NEW_SHARE), "--max-seconds", str(max_s)]
        args += ["--redelivery-share", str(REDELIVERY_SHARE)]
        return load_and_verify(env, setup, args, prefix, max_s)
    finally:
        dbs.drop(suffix)


def load_and_verify(
    env: dict[str, str], setup: dict[str, Any], loadgen_args: list[str], prefix: str, max_s: float
) -> dict[str, Any]:
    """uvicorn (2 workers) and 2 inbound workers; the load generator with ``loadgen_args``; the
    database check once the workers drained; CPU of the server and the workers per message."""
    with uvicorn_server(env) as (port, server), inbound_workers(env) as drainers:
        workers = children_of(server.pid)
        watched = [server.pid, *workers, *(d.pid for d in drainers)]
        cpu0 = {pid: cpu_seconds(pid) for pid in watched}
        busy0 = machine_busy()
        load = run_json([PY, "bench/loadgen.py", "--port", str(port), *loadgen_args], env, max_s * 3 + 180)
        busy1 = machine_busy()
        # Checked while the workers still run: it waits until they have drained the backlog.
        verify = verify_ingest(env, setup, load, prefix)
        server_cpu = sum(cpu_seconds(pid) - cpu0.get(pid, 0) for pid in watched)
    all_requests = load["warmup"]["requests"] + load["timed"]["requests"]
    all_requests += load.get("redelivery", {}).get("requests", 0)
    all_messages = load["warmup"]["messages"] + load["timed"]["messages"]
    all_messages += load.get("redelivery", {}).get("messages", 0)
    load["server_workers"] = len(workers)
    load["server_cpu_ms_per_request"] = round(server_cpu * 1000 / max(1, all_requests), 2)
    load["server_cpu_ms_per_message"] = round(server_cpu * 1000 / max(1, all_messages), 2)
    load["machine_busy_share"] = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3)
    load["verify"] = verify
    return load


def phase_http_floor(dbs: Databases, env: dict[str, str], size: dict[str, Any]) -> dict[str, Any]:
    """The floor under every webhook figure: the same uvicorn set-up answering ``/bench/bare/``
    (bench/urls.py: a view that does nothing, behind the same middleware) at the same load."""
    env = {**env, "DATABASE_URL": dbs.fresh("floor"), "DJANGO_SETTINGS_MODULE": "bench.settings"}
    try:
        max_s = size["webhook_max_s"]
        args = ["--mode", "bare", "--messages", str(size["webhook_messages"]), "--warmup", str(size["ingest_warmup"])]
        args += ["--concurrency", str(CONCURRENCY), "--max-seconds", str(max_s)]
        with uvicorn_server(env) as (port, server):
            watched = [server.pid, *children_of(server.pid)]
            cpu0 = {pid: cpu_seconds(pid) for pid in watched}
            load = run_json([PY, "bench/loadgen.py", "--port", str(port), *args], env, max_s * 3 + 120)
            server_cpu = sum(cpu_seconds(pid) - cpu0.get(pid, 0) for pid in watched)
        requests = load["warmup"]["requests"] + load["timed"]["requests"]
        load["server_cpu_ms_per_request"] = round(server_cpu * 1000 / max(1, requests), 2)
        return load
    finally:
        dbs.drop("floor")


def phase_live(dbs: Databases, env: dict[str, str], size: dict[str, Any]) -> dict[str, Any]:
    """Time to the open screen (bench/live_probe.py): a WhatsApp message to the agent's case view,
    and an agent's reply to the chat visitor, with the server and inbound workers as deployed."""
    env = {**env, "DATABASE_URL": dbs.fresh("live")}
    try:
        setup = run_json([PY, "bench/channel_side.py", "setup", "--live"], env, 120)
        samples = size["live_samples"]
        with uvicorn_server(env) as (port, _server), inbound_workers(env):
            busy0 = machine_busy()
            # The session cookie and the token are passed to the probe, never kept in the result.
            cmd = [PY, "bench/live_probe.py", "--port", str(port), "--setup", json.dumps(setup)]
            result = run_json([*cmd, "--samples", str(samples)], env, samples * 2 * 11 + 120)
            busy1 = machine_busy()
        # Where the WhatsApp latency went: waiting for an inbound worker to claim the delivery.
        result["whatsapp_to_agent"]["worker_wait"] = run_json(
            [PY, "bench/channel_side.py", "waits", "--prefix", "wamid.live-"], env, 120
        )
        result["machine_busy_share"] = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3)
        result["channel_layer"] = "redis" if env.get("REDIS_URL") else "in-memory + database relay"
        return result
    finally:
        dbs.drop("live")


def verify_ingest(env: dict[str, str], setup: dict[str, Any], load: dict[str, Any], prefix: str) -> dict[str, Any]:
    cmd = [PY, "bench/django_side.py", "verify", "--org-id", str(setup["org_id"]), "--prefix", prefix]
    cmd += ["--expected", str(load["accepted"]), "--senders", str(load["accepted_senders"])]
    return run_json([*cmd, "--wait-drained", str(DRAIN_MAX_S)], env, DRAIN_MAX_S + 300)


def rss_kib(pid: int) -> int:
    """Resident memory of one process (Linux /proc), 0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def send_smtp(port: int, raws: list[bytes], connections: int) -> dict[str, Any]:
    """Deliver ``raws`` to the SMTP receiver over ``connections`` sessions at once (as an MTA
    does, several messages per session); count what got 250 and what was refused."""
    import smtplib
    import threading

    from bench.email_corpus import on_the_wire

    lock = threading.Lock()
    counts = {"accepted": 0, "refused": 0, "errors": 0}

    # Ready for the wire before the clock starts (CRLF, dot-stuffed, terminated), as an MTA's
    # queue holds them: smtplib would redo that per message, and the sender shares the two
    # cores with what it measures.
    def wire(raw: bytes) -> bytes:
        data = re.sub(rb"(?m)^\.", b"..", on_the_wire(raw))
        return data + (b".\r\n" if data.endswith(b"\r\n") else b"\r\n.\r\n")

    queue = [(i, wire(raw)) for i, raw in enumerate(raws)]

    def connect() -> smtplib.SMTP:
        client = smtplib.SMTP("127.0.0.1", port, timeout=60)
        client.ehlo()
        return client

    def worker() -> None:
        client = connect()
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    _index, raw = queue.pop()
                try:
                    outcome = "refused"
                    if client.mail("sender@corpus.example")[0] == 250 and client.rcpt("bench@loket.bench")[0] == 250:
                        client.putcmd("data")
                        if client.getreply()[0] == 354:
                            client.send(raw)
                            outcome = "accepted" if client.getreply()[0] == 250 else "refused"
                    if outcome == "refused":
                        client.rset()
                except (smtplib.SMTPException, OSError):
                    outcome = "errors"
                    client = connect()
                with lock:
                    counts[outcome] += 1
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - t0
    return {**counts, "seconds": round(seconds, 2), "accepted_per_s": round(counts["accepted"] / seconds, 1)}


def phase_email(dbs: Databases, env: dict[str, str], size: dict[str, Any]) -> dict[str, Any]:
    """The corpus through the SMTP receiver with two inbound workers (end to end, memory over
    the run), and through the ingest action in-process beside a parse-only baseline."""
    import threading

    from bench.email_corpus import messages

    count = size["email_messages"]
    result: dict[str, Any] = {"params": {"messages": count, "smtp_connections": SMTP_CONNECTIONS}}
    env_smtp = {**env, "DATABASE_URL": dbs.fresh("email"), "EMAIL_SENDER_LIMIT": "0"}
    try:
        setup = run_json([PY, "bench/email_side.py", "setup"], env_smtp, 120)
        result["corpus_files"] = setup["corpus_files"]
        port = free_port()
        out = (LOG_DIR / "smtp-receiver.log").open("w")
        receiver = subprocess.Popen(  # noqa: S603
            [PY, "manage.py", "smtp_receiver", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=env_smtp,
            stdout=out,
            stderr=out,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                time.sleep(0.1)
            with inbound_workers(env_smtp) as drainers:
                watched = {
                    "smtp_receiver": receiver.pid,
                    **{f"inbound_worker_{i}": d.pid for i, d in enumerate(drainers)},
                }
                samples: dict[str, list[int]] = {name: [] for name in watched}
                stop = threading.Event()

                def sample() -> None:
                    while not stop.wait(0.5):
                        for name, pid in watched.items():
                            samples[name].append(rss_kib(pid))

                sampler = threading.Thread(target=sample, daemon=True)
                sampler.start()
                raws = messages(count, "smtp")
                # Where the CPU goes: each of Loket's processes, the sending harness (this
                # process), and the rest of the machine (PostgreSQL, Redis, anything else).
                cpu0 = {name: cpu_seconds(pid) for name, pid in watched.items()}
                own0, busy0 = cpu_seconds(os.getpid()), machine_busy()
                sent = send_smtp(port, raws, SMTP_CONNECTIONS)
                verify = run_json(
                    [PY, "bench/email_side.py", "verify", "--org-id", str(setup["org_id"]), "--expected", str(count)],
                    env_smtp,
                    DRAIN_MAX_S + 60,
                )
                cpu = {name: cpu_seconds(pid) - cpu0[name] for name, pid in watched.items()}
                cpu["sender (harness)"] = cpu_seconds(os.getpid()) - own0
                busy1 = machine_busy()
                stop.set()
                sampler.join()
        finally:
            receiver.terminate()
            receiver.wait(timeout=30)
        memory = {}
        for name, values in samples.items():
            values = [v for v in values if v]
            if len(values) >= 4:
                # Flat over the run: the second half must not grow (the first half fills buffers
                # and caches up to the largest message seen; a leak keeps growing after that).
                early, mid = values[len(values) // 10], values[len(values) // 2]
                memory[name] = {"early_mib": round(early / 1024, 1), "mid_mib": round(mid / 1024, 1),
                                "last_mib": round(values[-1] / 1024, 1), "max_mib": round(max(values) / 1024, 1),
                                "growth": round(values[-1] / mid, 3) if mid else None}  # fmt: skip
        tick = os.sysconf("SC_CLK_TCK")
        busy_s = (busy1[0] - busy0[0]) / tick
        cpu["rest of the machine (PostgreSQL …)"] = max(0.0, busy_s - sum(cpu.values()))
        cpu_ms = {name: round(seconds * 1000 / count, 2) for name, seconds in cpu.items()}
        share = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3)
        result["smtp"] = {**sent, "verify": verify, "memory": memory, "cpu_ms_per_message": cpu_ms}
        result["smtp"]["machine_busy_share"] = share
        result["msgs_per_s"] = verify["deliveries"].get("end_to_end_per_s")
        result["files_raised"] = verify.get("files_raised")
    finally:
        dbs.drop("email")
    env_action = {**env, "DATABASE_URL": dbs.fresh("emailaction")}
    try:
        result["action"] = run_json(
            [PY, "bench/email_side.py", "action", "--messages", str(count)], env_action, DRAIN_MAX_S + 300
        )
        result["parse_only_baseline"] = result["action"]["parse_only_baseline"]
        result["duplicates_on_redelivery"] = result["action"]["duplicates_on_redelivery"]
    finally:
        dbs.drop("emailaction")
    return result


def phase_monitor(dbs: Databases, env: dict[str, str], size: dict[str, Any]) -> dict[str, Any]:
    """The monitor's figures on a fresh database (bench/monitor_side.py: seed, check, measure)."""
    url = dbs.fresh("monitor")
    cmd = [PY, "bench/monitor_side.py", "--responses", str(size["monitor_responses"])]
    cmd += ["--customers", str(size["monitor_customers"])]
    try:
        return run_json(cmd, {**env, "DATABASE_URL": url}, 3600)
    finally:
        dbs.drop("monitor")


def phase_promises(dbs: Databases, env: dict[str, str], size: dict[str, Any], what: str) -> dict[str, Any]:
    """bench/promises.py on a fresh database: ``escalate`` (N promises due in the same minute, 2
    guard workers) or ``scan`` (the scan's cost with ROWS promises in the table, and its plan)."""
    url = dbs.fresh(f"promises_{what}")
    try:
        if what == "escalate":
            args = ["escalate", "--promises", str(size["promises_due"]), "--workers", "2"]
        else:
            args = ["scan", "--rows", str(size["promises_rows"])]
        return run_json([PY, "bench/promises.py", *args], {**env, "DATABASE_URL": url}, 1800, label=f"promises-{what}")
    finally:
        dbs.drop(f"promises_{what}")


def phase_pages(dbs: Databases, env: dict[str, str], scales: list[int]) -> list[dict[str, Any]]:
    url = dbs.fresh("pages")
    env = {**env, "DATABASE_URL": url}
    results = []
    try:
        for scale in scales:
            log(f"pages: seeding up to {scale:,} cases")
            t0 = time.perf_counter()
            run([PY, "manage.py", "seed_load", "--cases", str(scale), "--messages-per-case", "10"], env, 1800)
            seeded_s = time.perf_counter() - t0
            log(f"pages: seeded up to {scale:,} cases in {seeded_s:.0f} s; measuring")
            page = run_json(
                [PY, "bench/django_side.py", "pages", "--label", label_of(scale)],
                {**env, "DJANGO_SETTINGS_MODULE": "bench.settings"},
                1200,
            )
            page["seed_seconds"] = round(seeded_s, 1)
            results.append(page)
    finally:
        dbs.drop("pages")
    return results


def phase_peer(db: str, tickets: int) -> dict[str, Any]:
    if not PEER.exists():
        raise StepFailed(f"peer harness not found at {PEER}")
    log_path = LOG_DIR / f"peer-{db}.log"
    with log_path.open("w") as err:
        proc = subprocess.run(  # noqa: S603
            ["/bin/bash", str(PEER), "--db", db, "--tickets", str(tickets)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            timeout=690 + 3 * tickets / 1000 + 60 + 900,
            check=False,
        )
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise StepFailed(f"the peer printed nothing (exit {proc.returncode}); log: {log_path}")
    result = json.loads(lines[-1])
    result["exit_status"] = proc.returncode
    return result  # type: ignore[no-any-return]


def selected_phases(only: str | None) -> set[str] | None:
    """The phases ``--only`` names, comma-separated (a section stands for its phases), with
    ``env``; None: every phase."""
    if not only:
        return None
    names = {"env"}
    for name in (part.strip() for part in only.split(",")):
        names.update(SECTIONS.get(name, (name,)))
    return names


def base_env(db: str, work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "LOKET_TESTING", "DATABASE_URL")}
    env.update(
        SECRET_KEY="bench-" + secrets.token_urlsafe(32),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        HSTS_SECONDS="0",
        # The limit protects a real deployment; here it would only measure the limiter.
        API_RATE_LIMIT_PER_MINUTE="1000000000",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(work / "media"),
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        PYTHONWARNINGS="ignore::UserWarning",  # "No directory at …/static": no collectstatic here
    )
    if db == "postgres":
        # The production setup of README ("Production"): PostgreSQL and Redis. DB_CONN_MAX_AGE stays
        # 0: under ASGI each request runs in a thread of its own, so a persistent connection is
        # never reused and only piles up (docs/performance.md, "Connections under ASGI").
        env.update(DB_CONN_MAX_AGE="0", REDIS_URL=REDIS_URL, REDIS_PREFIX=f"loket-bench-{os.getpid()}")
    else:
        env.pop("REDIS_URL", None)  # the embedded default: no Redis
    return env


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main() -> int:
    global LOG_DIR, INBOUND_ARGS
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, no peer: a smoke run in under 2 minutes")
    ap.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--cases", type=int, default=None, help="largest number of cases for the page measurements")
    ap.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every step's log")
    ap.add_argument(
        "--only",
        metavar="PHASE",
        help="run only these phases (and env), comma-separated, e.g. email_ingest; or a section: "
        + ", ".join(f"{name} ({' '.join(phases)})" for name, phases in SECTIONS.items()),
    )
    ap.add_argument(
        "--inbound-interval",
        type=float,
        metavar="SECONDS",
        help="the inbound workers' idle poll interval (manage.py inbound_worker --interval; its default otherwise)",
    )
    ap.add_argument("--report", metavar="JSON", help="only print the table of a saved result (bench/results/…)")
    args = ap.parse_args()
    if args.report:
        print(report(json.loads(Path(args.report).read_text()))[0])
        return 0
    only = selected_phases(args.only)
    if args.inbound_interval is not None:
        INBOUND_ARGS = ["--interval", str(args.inbound_interval)]

    size = dict(QUICK if args.quick else FULL)
    scales = list(size["scales"])
    if args.cases:
        scales = sorted({s for s in scales if s < args.cases} | {args.cases})
    peer_tickets = max(100, min(10_000, scales[-1]))
    if args.cases is None and not args.quick:
        peer_tickets = 10_000

    work = Path(tempfile.mkdtemp(prefix="loket-bench-"))
    LOG_DIR = work
    env = base_env(args.db, work)
    if args.db == "postgres" and not redis_reachable():
        log(f"Redis is not reachable at {REDIS_URL}: running without it (live relay mode)")
        env.pop("REDIS_URL", None)
    dbs = Databases(args.db, work, env)
    started = time.monotonic()
    result: dict[str, Any] = {
        "harness": "loket bench/run.py",
        "db": args.db,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "params": {
            **size,
            "scales": scales,
            "concurrency": CONCURRENCY,
            "new_share": NEW_SHARE,
            "redelivery_share": REDELIVERY_SHARE,
            "inbound_interval": args.inbound_interval,
            "peer_tickets": None if args.skip_peer or args.quick else peer_tickets,
        },
        "targets": TARGETS,
    }
    failed = False

    def phase(key: str, fn: Any) -> None:
        nonlocal failed
        if only is not None and key not in only:
            return
        log(f"phase {key}")
        t0 = time.perf_counter()
        try:
            result[key] = fn()
        except (StepFailed, OSError, subprocess.SubprocessError, json.JSONDecodeError, KeyError) as exc:
            failed = True
            log(f"phase {key} FAILED: {exc}")
            result[key] = {"error": str(exc)[-2000:]}
        # The 1-minute load average at the end of each phase: on a shared machine, other work
        # competes for the 2 cores, and the wall-clock figures mean less when this is above 2.
        result.setdefault("loadavg_after_phase", {})[key] = round(os.getloadavg()[0], 2)
        log(f"phase {key} done in {time.perf_counter() - t0:.0f} s")

    interrupted = False

    def on_signal(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        dbs.prepare()
        phase(
            "env",
            lambda: run_json(
                [PY, "bench/django_side.py", "env"], {**env, "DATABASE_URL": dbs.url(f"{PG_PREFIX}_template")}, 120
            ),
        )
        phase("raw_insert_ceiling", lambda: phase_raw(dbs, env, size))
        phase("inproc", lambda: phase_inproc(dbs, env, size))
        # The same load three ways: one message per request answered with its case; one message
        # per request answered once stored; batches. Each on a fresh database.
        for key, mode, messages in (
            ("api_ingest", "sync", size["ingest_messages"]),
            ("api_ingest_async", "async", size["async_messages"]),
            ("api_ingest_batch", "batch", size["batch_messages"]),
        ):
            phase(
                key,
                partial(
                    phase_ingest,
                    dbs,
                    env,
                    messages,
                    size["ingest_warmup"],
                    size["ingest_max_s"],
                    redeliver=True,
                    suffix=key.replace("_", ""),
                    mode=mode,
                ),
            )
        phase("email_ingest", lambda: phase_email(dbs, env, size))
        phase("http_floor", lambda: phase_http_floor(dbs, env, size))
        phase("whatsapp_ingest", partial(phase_webhook_ingest, dbs, env, "whatsapp", size))
        phase("sms_ingest", partial(phase_webhook_ingest, dbs, env, "sms", size))
        phase("live_delivery", lambda: phase_live(dbs, env, size))
        phase("monitor", lambda: phase_monitor(dbs, env, size))
        phase("pages", lambda: phase_pages(dbs, env, scales))
        phase("promises_escalation", partial(phase_promises, dbs, env, size, "escalate"))
        phase("promises_scan", partial(phase_promises, dbs, env, size, "scan"))
        if not (args.skip_peer or args.quick):
            phase("peer", lambda: phase_peer(args.db, peer_tickets))
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: cleaning up")
    except StepFailed as exc:
        failed = True
        log(f"FAILED: {exc}")
        result["error"] = str(exc)
    finally:
        dbs.close()
        if args.keep_logs or failed or interrupted:
            log(f"logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["seconds"] = round(time.monotonic() - started, 1)
    table, ratios = report(result)
    result["ratios"] = ratios
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    name = f"{dt.date.today().isoformat()}-{args.db}{'-quick' if args.quick else ''}"
    name += f"-{args.only.replace(',', '+')}.json" if args.only else ".json"
    (results_dir / name).write_text(json.dumps(result, indent=1) + "\n")
    print(table)
    print(f"\n(total {result['seconds']:.0f} s; full result: bench/results/{name})")
    return 130 if interrupted else (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
