"""The printed table of a benchmark run: figures beside their baselines, ratios, verdicts.

Separate from run.py (which runs the phases) so that ``run.py --report JSON`` and the
orchestration each stay readable.
"""

from __future__ import annotations

from typing import Any

CONCURRENCY = 16
NEW_SHARE = 0.3
TARGETS = {"ingest_msgs_per_s": 1000, "ingest_share_of_raw": 0.30, "page_p95_ms": 50, "page_queries": 12}


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
