"""`make bench`: Loket's figures, each with a baseline measured in the same run, and the peer.

    .venv/bin/python bench/run.py [--quick] [--db postgres|sqlite] [--skip-peer] [--cases N]

1. Inbound API ingest: uvicorn with 2 workers on a fresh database, a load generator in its own
   process (bench/loadgen.py), then a check that the database holds exactly the accepted
   messages and that redelivering them creates nothing. Baseline: raw INSERTs into a table
   shaped like cases_message on the same database (bench/raw_insert.py).
2. Inbox and case view at 1k, 10k and 100k cases (``manage.py seed_load`` tops the database
   up between measurements). Baseline: a bare view behind the same middleware (bench/urls.py).
3. The peer, django-helpdesk (../shared/peers/django-helpdesk/run.sh), on the same database
   kind, and Loket ÷ peer for the comparable figures.

Everything runs on loopback; databases are created fresh (PostgreSQL: ``loket_bench_*`` at
127.0.0.1:5432 as postgres, dropped at the end; SQLite: files in a temp dir outside the repo).
Progress goes to stderr, the table to stdout, the whole result to bench/results/<date>-<db>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PEER = Path(os.environ.get("BENCH_PEER", ROOT.parent / "shared" / "peers" / "django-helpdesk" / "run.sh"))
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
PG_PREFIX = "loket_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

FULL = {
    "ingest_messages": 20_000,
    "ingest_warmup": 200,
    "ingest_max_s": 60,
    "variant_messages": 5_000,
    "inproc_messages": 2_000,
    "inproc_cases": 2_000,
    "inproc_max_s": 45,
    "scales": [1_000, 10_000, 100_000],
    "raw_rows": 10_000,
    "raw_max_s": 10,
}
QUICK = {
    "ingest_messages": 1_500,
    "ingest_warmup": 100,
    "ingest_max_s": 30,
    "variant_messages": 500,
    "inproc_messages": 300,
    "inproc_cases": 300,
    "inproc_max_s": 15,
    "scales": [500, 2_000],
    "raw_rows": 2_000,
    "raw_max_s": 4,
}
CONCURRENCY = 16
NEW_SHARE = 0.3
TARGETS = {"ingest_msgs_per_s": 1000, "ingest_share_of_raw": 0.30, "page_p95_ms": 50, "page_queries": 12}


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


def phase_ingest(
    dbs: Databases, env: dict[str, str], messages: int, warmup: int, max_s: float, *, redeliver: bool, suffix: str
) -> dict[str, Any]:
    """The inbound API under load, then the database check (and the redelivery round)."""
    env = {**env, "DATABASE_URL": dbs.fresh(suffix)}
    try:
        setup = run_json([PY, "bench/django_side.py", "setup"], env, 120)
        prefix = f"load-{suffix}"
        with uvicorn_server(env) as (port, server):
            workers = children_of(server.pid)
            cpu0 = {pid: cpu_seconds(pid) for pid in [server.pid, *workers]}
            busy0 = machine_busy()
            cmd = [
                PY,
                "bench/loadgen.py",
                "--port",
                str(port),
                "--token",
                setup["token"],
                "--messages",
                str(messages),
                "--warmup",
                str(warmup),
                "--concurrency",
                str(CONCURRENCY),
                "--new-share",
                str(NEW_SHARE),
                "--max-seconds",
                str(max_s),
                "--prefix",
                prefix,
            ]
            if redeliver:
                cmd.append("--redeliver")
            load = run_json(cmd, env, max_s * 3 + 180)
            busy1 = machine_busy()
            server_cpu = sum(cpu_seconds(pid) - cpu0.get(pid, 0) for pid in [server.pid, *workers])
        verify = run_json(
            [
                PY,
                "bench/django_side.py",
                "verify",
                "--org-id",
                str(setup["org_id"]),
                "--expected",
                str(load["accepted"]),
                "--senders",
                str(load["accepted_senders"]),
                "--prefix",
                prefix,
            ],
            env,
            300,
        )
        all_requests = load["warmup"]["requests"] + load["timed"]["requests"]
        all_requests += load.get("redelivery", {}).get("requests", 0)
        load["server_workers"] = len(workers)
        load["server_cpu_ms_per_request"] = round(server_cpu * 1000 / max(1, all_requests), 2)
        load["machine_busy_share"] = round((busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1]), 3)
        load["verify"] = verify
        return load
    finally:
        dbs.drop(suffix)


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


def label_of(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 and n >= 1000 else str(n)


# --- the table ---------------------------------------------------------------------------------


def num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def ratio(a: Any, b: Any) -> float | None:
    return round(a / b, 3) if isinstance(a, int | float) and isinstance(b, int | float) and b else None


def pct(r: float | None) -> str:
    return "—" if r is None else f"{r * 100:.1f} %"


def times(r: float | None) -> str:
    return "—" if r is None else f"{r:.2f}\N{MULTIPLICATION SIGN}"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "MISSED")


def report(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The readable table and the ratios (also stored in the JSON)."""
    lines: list[str] = []
    ratios: dict[str, Any] = {}
    out = lines.append
    env = result.get("env", {})
    out(f"Loket benchmark — {result['db']} — {result['date']} — {env.get('cpus')} CPUs — {env.get('platform', '')}")
    out(
        f"Python {env.get('python')}, Django {env.get('django')}, uvicorn {env.get('uvicorn')}; "
        + (
            f"PostgreSQL {env.get('pg_server_version')} (fsync {env.get('pg_fsync')}, synchronous_commit "
            f"{env.get('pg_synchronous_commit')}, shared_buffers {env.get('pg_shared_buffers')})"
            if result["db"] == "postgres"
            else f"SQLite {env.get('sqlite')} (journal {env.get('sqlite_journal_mode')}, "
            f"synchronous {env.get('sqlite_synchronous')})"
        )
        + f"; DB_CONN_MAX_AGE {env.get('db_conn_max_age')}, Redis {'on' if env.get('redis') else 'off'}"
        + (" — QUICK (smoke sizes)" if result.get("quick") else "")
    )

    # 1. ingest
    out("")
    out(
        "1. Inbound API ingest: POST /api/v1/inbound/messages, uvicorn --workers 2, "
        f"{CONCURRENCY} keep-alive connections, {int(NEW_SHARE * 100)} % new senders"
    )
    ingest, raw, inproc = result.get("api_ingest", {}), result.get("raw_insert_ceiling", {}), result.get("inproc", {})
    if "error" in ingest:
        out(f"   ERROR: {ingest['error']}")
    elif ingest:
        timed = ingest["timed"]
        v = ingest["verify"]
        red = ingest.get("redelivery", {})
        out(
            f"   Loket API ingest            {num(timed['per_s']):>10} msg/s   ({timed['requests']:,} requests in "
            f"{timed['seconds']:.1f} s; p50 {num(timed['p50_ms'])} ms, p95 {num(timed['p95_ms'])} ms, "
            f"p99 {num(timed['p99_ms'])} ms; statuses {timed['statuses']})"
        )
        out(
            f"   server CPU per request      {num(ingest['server_cpu_ms_per_request'], 2):>10} ms      "
            f"(both workers; load generator {num(ingest.get('client_cpu_ms_per_request'), 2)} ms; "
            f"machine busy {pct(ingest['machine_busy_share'])} during the run)"
        )
        out(
            f"   checked in the database     {'OK' if v['ok'] else 'MISMATCH'}: {v['messages']:,} messages for "
            f"{ingest['accepted']:,} accepted, {v['distinct_external_ids']:,} distinct ids, {v['customers']:,} "
            f"customers for {ingest['accepted_senders']:,} senders, {v['cases']:,} cases"
        )
        if red:
            out(
                f"   redelivery of every id      {red['created_again']} created, {red['answered_not_created']:,} "
                f"answered 200 created=false, {num(red['per_s'])} msg/s, p95 {num(red['p95_ms'])} ms"
            )
        ratios["ingest_msgs_per_s"] = timed["per_s"]
        for key, label in (
            ("single_row_autocommit_2_processes", "raw INSERT, 1 row per commit, 2 processes"),
            ("single_row_autocommit", "raw INSERT, 1 row per commit, 1 process "),
            ("executemany_one_transaction", "raw executemany, 1 transaction      "),
        ):
            if key in raw:
                r = ratio(timed["per_s"], raw[key]["rows_per_s"])
                ratios[f"ingest_vs_raw_{key}"] = r
                out(f"   {label} {num(raw[key]['rows_per_s']):>10} rows/s  Loket/raw {pct(r)}")
        share = ratios.get("ingest_vs_raw_single_row_autocommit_2_processes")
        out(
            f"   targets: ≥ {TARGETS['ingest_msgs_per_s']:,} msg/s: "
            f"{verdict(timed['per_s'] >= TARGETS['ingest_msgs_per_s'])}; "
            f"≥ {TARGETS['ingest_share_of_raw']:.0%} of the raw ceiling (2 processes): "
            f"{verdict(None if share is None else share >= TARGETS['ingest_share_of_raw'])}"
        )
    if "error" in raw:
        out(f"   raw INSERT ERROR: {raw['error']}")
    variant = result.get("api_ingest_pool", {})
    if variant and "error" not in variant:
        t = variant["timed"]
        out(
            f"   variant: psycopg pool        {num(t['per_s']):>8} msg/s   (bench/settings_pool.py; p50 "
            f"{num(t['p50_ms'])} ms, p95 {num(t['p95_ms'])} ms; {variant['accepted']:,} accepted, check "
            f"{'OK' if variant['verify']['ok'] else 'MISMATCH'}; {num(variant['server_cpu_ms_per_request'], 2)} ms "
            "server CPU per request)"
        )
    elif variant:
        out(f"   variant: psycopg pool ERROR: {variant['error']}")
    if "ingest" in inproc:
        i = inproc["ingest"]
        out(
            f"   in-process do_receive_message {num(i['msgs_per_s']):>8} msg/s   ({i['messages']:,} messages, one "
            f"process, no HTTP; {num(i.get('cpu_ms_per_msg'), 2)} ms CPU/msg; {i['queries_per_msg']} queries/msg; "
            f"redelivery {i['duplicates_on_redelivery']} created, {i['redelivery_queries_per_msg']} queries/msg)"
        )
        top = ", ".join(f"{k} {v}" for k, v in list(i["queries_by_kind_per_msg"].items())[:8])
        out(f"     queries per message: {top}")
    elif "error" in inproc:
        out(f"   in-process ERROR: {inproc['error']}")

    load = result.get("loadavg_after_phase", {})
    if load:
        out(f"   machine load, 1-minute average after each phase (2 cores; above 2 = other work waiting): {load}")

    # 2. pages
    out("")
    out(
        "2. Inbox and case view (django.test.Client, logged-in agent, 3 warm-up + 30 timed requests; "
        f"targets p95 < {TARGETS['page_p95_ms']} ms, ≤ {TARGETS['page_queries']} queries, flat)"
    )
    pages = result.get("pages", [])
    if isinstance(pages, dict):
        out(f"   ERROR: {pages.get('error')}")
        pages = []
    if pages:
        out(
            f"   {'cases':>8} {'page':<11} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} {'queries':>8} "
            f"{'÷ bare':>7} {'bytes':>8}  target"
        )
        for scale in pages:
            bare = scale["bare"]["median_ms"]
            for name in ("bare", "inbox_mine", "inbox_open", "inbox_team", "case_view"):
                p = scale.get(name)
                if not p:
                    continue
                ok = (
                    None
                    if name == "bare"
                    else (p["p95_ms"] < TARGETS["page_p95_ms"] and p["queries"] <= TARGETS["page_queries"])
                )
                out(
                    f"   {scale['cases']:>8,} {name:<11} {num(p['median_ms']):>10} {num(p['p95_ms']):>8} "
                    f"{num(p.get('median_cpu_ms')):>7} {p['queries']:>8} {times(ratio(p['median_ms'], bare)):>7} "
                    f"{p['bytes']:>8,}  {verdict(ok)}"
                )
            out(
                f"   {'':>8} (seeded in {scale['seed_seconds']} s; {scale['messages']:,} messages, "
                f"{scale['open_cases']:,} open, {scale['mine_open']:,} open owned by the agent)"
            )
        first, last = pages[0], pages[-1]
        for name in ("inbox_mine", "inbox_open", "inbox_team", "case_view"):
            if name in first and name in last:
                r = ratio(last[name]["median_ms"], first[name]["median_ms"])
                ratios[f"{name}_median_{label_of(last['cases'])}_vs_{label_of(first['cases'])}"] = r
        growth = ", ".join(f"{k.split('_median')[0]} {times(v)}" for k, v in ratios.items() if "_median_" in k)
        out(f"   flatness, median at {last['cases']:,} ÷ at {first['cases']:,} cases: {growth}")

    # 3. peer
    out("")
    peer = result.get("peer")
    if not peer:
        out("3. Peer: skipped (--skip-peer or --quick)")
    elif "error" in peer and "ticket_list" not in peer:
        out(f"3. Peer: ERROR {peer['error']}")
    else:
        tl = peer.get("ticket_list", {})
        tickets = peer.get("params", {}).get("tickets")
        out(
            f"3. Side by side with django-helpdesk {peer.get('version')} ({peer.get('db')}, {num(tickets)} tickets; "
            "run in this same bench run)"
        )
        loket_at = next((p for p in pages if p["cases"] == tickets), pages[-1] if pages else None)
        out(f"   {'measure':<58} {'Loket':>10} {'peer':>10} {'Loket ÷ peer':>13}")

        def row(label: str, mine: Any, theirs: Any, key: str, higher_is_better: bool = True) -> None:
            r = ratio(mine, theirs)
            ratios[f"vs_peer_{key}"] = r
            note = "" if r is None else ("  (higher is better)" if higher_is_better else "  (lower is better)")
            out(f"   {label:<58} {num(mine):>10} {num(theirs):>10} {times(r):>13}{note}")

        ingest_rate = ingest.get("timed", {}).get("per_s") if "error" not in ingest else None
        row(
            "ingest msg/s: Loket generic API over HTTP | peer e-mail, in-process *",
            ingest_rate,
            peer.get("email_ingest", {}).get("msgs_per_s"),
            "ingest_http_vs_email",
        )
        row(
            "ingest msg/s: Loket do_receive_message | peer e-mail, both in-process *",
            inproc.get("ingest", {}).get("msgs_per_s"),
            peer.get("email_ingest", {}).get("msgs_per_s"),
            "ingest_inproc_vs_email",
        )
        row(
            "ingest queries per message",
            inproc.get("ingest", {}).get("queries_per_msg"),
            peer.get("email_ingest", {}).get("first_delivery", {}).get("queries_per_msg"),
            "queries_per_msg",
            False,
        )
        out(
            f"   {'duplicates on redelivery (messages created again)':<58} "
            f"{num(ingest.get('redelivery', {}).get('created_again')):>10} "
            f"{num(peer.get('email_ingest', {}).get('duplicates_on_redelivery', {}).get('followups')):>10}"
        )
        row(
            "case creation per s (actions, no HTTP) | peer ticket form",
            inproc.get("ticket_create", {}).get("tickets_per_s"),
            peer.get("ticket_create", {}).get("tickets_per_s"),
            "tickets_per_s",
        )
        row(
            "queries per created case | per ticket",
            inproc.get("ticket_create", {}).get("queries_per_ticket"),
            peer.get("ticket_create", {}).get("queries_per_ticket"),
            "queries_per_ticket",
            False,
        )
        if loket_at and tl and "error" not in tl:
            shell, data = tl.get("list_page", {}), tl.get("datatables_json", {})
            both = {
                "median_ms": round(shell.get("median_ms", 0) + data.get("median_ms", 0), 1),
                "p95_ms": round(shell.get("p95_ms", 0) + data.get("p95_ms", 0), 1),
                "queries": shell.get("queries", 0) + data.get("queries", 0),
            }
            at = f"at {loket_at['cases']:,} cases"
            for metric in ("median_ms", "p95_ms", "queries"):
                row(
                    f"inbox (open, 25 rows) {at} | list shell + JSON rows: {metric}",
                    loket_at["inbox_open"][metric],
                    both[metric],
                    f"list_{metric}",
                    False,
                )
            for metric in ("median_ms", "p95_ms", "queries"):
                row(
                    f"inbox (mine) | list page shell only: {metric}",
                    loket_at["inbox_mine"][metric],
                    shell.get(metric),
                    f"list_page_{metric}",
                    False,
                )
            for metric in ("median_ms", "p95_ms", "queries"):
                row(
                    f"case view | ticket view: {metric}",
                    loket_at["case_view"][metric],
                    tl.get("ticket_view", {}).get(metric),
                    f"ticket_view_{metric}",
                    False,
                )
            d = tl.get("dashboard", {})
            out(
                f"   {'peer dashboard (no Loket page yet)':<58} {'—':>10} {num(d.get('median_ms')):>10} ms median, "
                f"{d.get('queries')} queries"
            )
        praw = peer.get("raw_insert_ceiling", {})
        if praw and "error" not in praw:
            out(
                f"   {'raw INSERT 1 row/commit, in each harness (same DB kind)':<58} "
                f"{num(raw.get('single_row_autocommit', {}).get('rows_per_s')):>10} "
                f"{num(praw.get('single_row_autocommit', {}).get('rows_per_s')):>10}"
            )
        out("   * not the same path: Loket has no e-mail channel yet; the peer parses e-mail (MIME) in-process.")
    return "\n".join(lines), ratios


# --- main --------------------------------------------------------------------------------------


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


def importable(module: str, env: dict[str, str]) -> bool:
    return subprocess.run([PY, "-c", f"import {module}"], env=env, capture_output=True, check=False).returncode == 0  # noqa: S603


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main() -> int:
    global LOG_DIR
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes, no peer: a smoke run in under 2 minutes")
    ap.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--cases", type=int, default=None, help="largest number of cases for the page measurements")
    ap.add_argument("--keep-logs", action="store_true", help="keep the temp dir with every step's log")
    ap.add_argument("--report", metavar="JSON", help="only print the table of a saved result (bench/results/…)")
    args = ap.parse_args()
    if args.report:
        print(report(json.loads(Path(args.report).read_text()))[0])
        return 0

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
            "peer_tickets": None if args.skip_peer or args.quick else peer_tickets,
        },
        "targets": TARGETS,
    }
    failed = False

    def phase(key: str, fn: Any) -> None:
        nonlocal failed
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
        phase(
            "api_ingest",
            lambda: phase_ingest(
                dbs,
                env,
                size["ingest_messages"],
                size["ingest_warmup"],
                size["ingest_max_s"],
                redeliver=True,
                suffix="ingest",
            ),
        )
        if size["variant_messages"] and args.db == "postgres" and importable("psycopg_pool", env):
            pool_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.settings_pool"}
            phase(
                "api_ingest_pool",
                lambda: phase_ingest(
                    dbs, pool_env, size["variant_messages"], 100, 60, redeliver=False, suffix="ingestpool"
                ),
            )
        phase("pages", lambda: phase_pages(dbs, env, scales))
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
    name = f"{dt.date.today().isoformat()}-{args.db}{'-quick' if args.quick else ''}.json"
    (results_dir / name).write_text(json.dumps(result, indent=1) + "\n")
    print(table)
    print(f"\n(total {result['seconds']:.0f} s; full result: bench/results/{name})")
    return 130 if interrupted else (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
