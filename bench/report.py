"""The printed table of a benchmark run: figures beside their baselines, ratios, verdicts.

Separate from run.py (which runs the phases) so that ``run.py --report JSON`` and the
orchestration each stay readable.
"""

from __future__ import annotations

from typing import Any

CONCURRENCY = 16
BATCH_SIZE = 100  # messages per request in the batch mode
INGEST_MODES = (
    ("api_ingest", "sync: POST /messages, 201 with the case"),
    ("api_ingest_async", "async: POST /messages, Prefer: respond-async"),
    ("api_ingest_batch", f"batch: POST /batches, {BATCH_SIZE} messages each"),
)
NEW_SHARE = 0.3
REDELIVERY_SHARE = 0.1  # webhook posts that repeat an earlier one, as providers redeliver
WEBHOOKS = (
    ("whatsapp_ingest", "WhatsApp: POST /inbound/whatsapp/<key>/"),
    ("sms_ingest", "SMS (Twilio): POST /inbound/sms/<key>/"),
)
TARGETS = {
    "ingest_msgs_per_s": 1000,
    "ingest_share_of_raw": 0.30,
    "page_p95_ms": 50,
    "page_queries": 12,
    "email_msgs_per_s": 200,
    "email_memory_growth": 1.2,
    # issue 5, Performance: webhook ingest, and webhook → the agent's open WebSocket
    "webhook_msgs_per_s": 1000,
    "webhook_ack_p99_ms": 50,
    "live_p99_ms": 300,
    # issue 5, part 6 (Live): the agent's reply reaches the web chat visitor within a second
    "chat_reply_p99_ms": 1000,
    # issue 6, Performance: the monitor's dashboard, alert evaluation and invitations
    "monitor_dashboard_p95_ms": 100,
    "monitor_alert_evaluations_per_s": 100,
    "monitor_invitation_p99_ms": 60_000,
}


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
        + f"; connection pool {env.get('db_pool_max_size') or 'off'}, DB_CONN_MAX_AGE {env.get('db_conn_max_age')}, "
        + f"Redis {'on' if env.get('redis') else 'off'}"
        + (" — QUICK (smoke sizes)" if result.get("quick") else "")
    )

    # 1. ingest
    out("")
    out(
        "1. Inbound API ingest: uvicorn --workers 2 and 2 inbound workers, "
        f"{CONCURRENCY} keep-alive connections, {int(NEW_SHARE * 100)} % new senders"
    )
    raw, inproc = result.get("raw_insert_ceiling", {}), result.get("inproc", {})
    raw2 = raw.get("single_row_autocommit_2_processes", {}).get("rows_per_s")
    out(
        f"   {'mode':<44} {'msg/s':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>8} {'e2e msg/s':>9} "
        f"{'drain s':>7} {'CPU ms/msg':>10} {'÷ raw':>6}  check"
    )
    best = None
    for key, label in INGEST_MODES:
        ingest = result.get(key, {})
        if not ingest:
            continue
        if "error" in ingest:
            out(f"   {label:<44} ERROR: {ingest['error'][-300:]}")
            continue
        timed, v = ingest["timed"], ingest["verify"]
        drained = v.get("deliveries", {})
        red = ingest.get("redelivery", {})
        share = ratio(timed["per_s"], raw2)
        ratios[f"{key}_msgs_per_s"] = timed["per_s"]
        ratios[f"{key}_vs_raw_2_processes"] = share
        ratios[f"{key}_end_to_end_per_s"] = drained.get("end_to_end_per_s")
        if timed["per_s"] and (best is None or timed["per_s"] > best[1]):
            best = (label, timed["per_s"], share)
        check = "OK" if v["ok"] else "MISMATCH"
        check += f", {v['messages']:,} msgs for {ingest['accepted']:,} accepted, {v['customers']:,} customers"
        if red:
            check += f"; redelivered: {red['created_again']} created again"
        out(
            f"   {label:<44} {num(timed['per_s']):>8} {num(timed.get('requests_per_s')):>7} "
            f"{num(timed['p50_ms']):>7} {num(timed['p95_ms']):>8} {num(drained.get('end_to_end_per_s')):>9} "
            f"{num(drained.get('drain_seconds')):>7} {num(ingest.get('server_cpu_ms_per_message'), 2):>10} "
            f"{pct(share):>6}  {check}"
        )
    if raw2:
        out(
            "   msg/s: messages answered 2xx per second (stored; sync: also on a case). e2e: from the first "
            "received to the last on a case. drain: backlog processed after the load ended."
        )
    for key, label in (
        ("single_row_autocommit_2_processes", "raw INSERT, 1 row per commit, 2 processes"),
        ("single_row_autocommit", "raw INSERT, 1 row per commit, 1 process"),
        ("executemany_one_transaction", "raw executemany, 1 transaction"),
    ):
        if key in raw:
            out(f"   {label:<44} {num(raw[key]['rows_per_s']):>8} rows/s")
    if "error" in raw:
        out(f"   raw INSERT ERROR: {raw['error']}")
    sync = result.get("api_ingest", {})
    if sync and "error" not in sync:
        ratios["ingest_msgs_per_s"] = sync["timed"]["per_s"]
    if best is not None:
        label, rate, share = best
        ratios["ingest_best_msgs_per_s"] = rate
        out(
            f"   targets (best mode: {label.strip()}): ≥ {TARGETS['ingest_msgs_per_s']:,} msg/s: "
            f"{verdict(rate >= TARGETS['ingest_msgs_per_s'])}; "
            f"≥ {TARGETS['ingest_share_of_raw']:.0%} of the raw ceiling (2 processes): "
            f"{verdict(None if share is None else share >= TARGETS['ingest_share_of_raw'])}"
        )
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

    # 1b. e-mail
    email = result.get("email_ingest")
    if email and "error" in email:
        out("")
        out(f"1b. E-mail ingest ERROR: {email['error']}")
    elif email:
        out("")
        smtp, action = email.get("smtp", {}), email.get("action", {})
        baseline = email.get("parse_only_baseline", {})
        out(
            f"1b. E-mail ingest: the corpus ({email.get('corpus_files')} files) repeated to "
            f"{email['params']['messages']:,} messages, each with its own Message-ID"
        )
        out(
            f"   parse only: stdlib, modern policy + get_body    {num(baseline.get('msgs_per_s')):>8} msg/s   "
            "(baseline, the peer's definition; one process)"
        )
        loket_parse = baseline.get("loket_parse_msgs_per_s")
        out(
            f"   parse only: Loket's parser (compat32 + own)     {num(loket_parse):>8} msg/s   "
            f"({times(ratio(loket_parse, baseline.get('msgs_per_s')))} the baseline)"
        )
        out(
            f"   SMTP receiver, accepted (stored before 250)     {num(smtp.get('accepted_per_s')):>8} msg/s   "
            f"({smtp.get('accepted')} accepted, {smtp.get('refused')} refused, {smtp.get('errors')} errors; "
            f"{email['params']['smtp_connections']} sessions)"
        )
        e2e = email.get("msgs_per_s")
        deliveries = smtp.get("verify", {}).get("deliveries", {})
        out(
            f"   SMTP → case, end to end (2 inbound workers)     {num(e2e):>8} msg/s   "
            f"({deliveries.get('done')} on cases, {deliveries.get('failed')} quarantined, "
            f"{email.get('files_raised')} raised; {pct(ratio(e2e, baseline.get('msgs_per_s')))} of parse-only)"
        )
        out(
            f"   ingest action in-process (accept + process)     {num(action.get('msgs_per_s')):>8} msg/s   "
            f"({action.get('queries_per_msg')} queries/msg; accept alone {num(action.get('accept_msgs_per_s'))} msg/s; "
            f"{pct(ratio(action.get('msgs_per_s'), baseline.get('msgs_per_s')))} of parse-only)"
        )
        cpu = smtp.get("cpu_ms_per_message")
        if cpu:
            out(
                "   CPU ms per message, end to end: "
                + "; ".join(f"{name} {num(ms, 2)}" for name, ms in cpu.items())
                + f" (machine busy {pct(smtp.get('machine_busy_share'))})"
            )
        redelivered = email.get("duplicates_on_redelivery", {})
        out(
            f"   redelivery of all of it: {redelivered.get('deliveries')} deliveries and "
            f"{redelivered.get('messages')} messages created again"
        )
        memory = smtp.get("memory", {})
        growths = [m.get("growth") for m in memory.values() if m.get("growth")]
        flat = max(growths) <= TARGETS["email_memory_growth"] if growths else None
        out(
            "   memory (RSS at 10 % → 50 % → end of the run, MiB): "
            + "; ".join(f"{name} {m['early_mib']} → {m.get('mid_mib')} → {m['last_mib']}" for name, m in memory.items())
        )
        out(
            f"   targets: ≥ {TARGETS['email_msgs_per_s']} msg/s end to end: "
            f"{verdict(e2e >= TARGETS['email_msgs_per_s'] if isinstance(e2e, int | float) else None)}; "
            f"memory flat (end ≤ {TARGETS['email_memory_growth']}\N{MULTIPLICATION SIGN} half-way): {verdict(flat)}"
        )
        ratios["email_e2e_share_of_parse_only"] = ratio(e2e, baseline.get("msgs_per_s"))

    lines += channels(result, ratios)
    lines += monitor(result, ratios)
    lines += _promises_section(result)

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

        ingest = result.get("api_ingest", {})
        ingest_rate = ingest.get("timed", {}).get("per_s") if "error" not in ingest else None
        row(
            "ingest msg/s: Loket API over HTTP, sync | peer e-mail, in-process *",
            ingest_rate,
            peer.get("email_ingest", {}).get("msgs_per_s"),
            "ingest_http_vs_email",
        )
        batch = result.get("api_ingest_batch", {})
        if batch and "error" not in batch:
            row(
                "ingest msg/s: Loket API, batches, end to end | peer e-mail *",
                batch["verify"].get("deliveries", {}).get("end_to_end_per_s"),
                peer.get("email_ingest", {}).get("msgs_per_s"),
                "ingest_batch_e2e_vs_email",
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
        email = result.get("email_ingest") or {}
        if email and "error" not in email:
            row(
                "e-mail msg/s: Loket SMTP → case, end to end | peer, in-process",
                email.get("msgs_per_s"),
                peer.get("email_ingest", {}).get("msgs_per_s"),
                "email_e2e_vs_email",
            )
            row(
                "e-mail msg/s: Loket ingest action in-process | peer, in-process",
                email.get("action", {}).get("msgs_per_s"),
                peer.get("email_ingest", {}).get("msgs_per_s"),
                "email_action_vs_email",
            )
            out(
                f"   {'e-mail files that raised (first delivery)':<58} {num(email.get('files_raised')):>10} "
                f"{num(peer.get('email_ingest', {}).get('files_raised')):>10}"
            )
        out("   * not the same path: Loket's generic API ingest beside the peer's e-mail (MIME) ingest.")
    return "\n".join(lines), ratios


def monitor(result: dict[str, Any], ratios: dict[str, Any]) -> list[str]:
    """1d: the monitor's dashboard on rollups beside the plain aggregate over raw rows."""
    found = result.get("monitor")
    if not found:
        return []
    lines = ["", "1d. Klantcontact Monitor (bench/monitor_side.py)"]
    if "error" in found or "skipped" in found:
        return [*lines, f"   {found.get('error') or found.get('skipped')}"]
    rolled, raw = found["dashboard_rollups_ms"], found["dashboard_raw_ms"]
    factor = found["dashboard_ratio_raw_over_rollups_p95"]
    ratios.update(
        monitor_dashboard_p95_ms=rolled["p95"],
        monitor_dashboard_raw_p95_ms=raw["p95"],
        monitor_dashboard_raw_over_rollups=factor,
        monitor_alert_evaluations_per_s=found["alert_evaluations_per_s"],
        monitor_invitation_p99_ms=found["invitation_ms"]["p99"],
    )
    lines += [
        f"   {found['responses']:,} responses, {found['customers']:,} customers, {found['rollup_rows']:,} rollup rows; "
        f"rollups equal the raw rows after 200 answers through the actions: {found['rollups_equal_raw']}",
        f"   dashboard (30 days, 3 metrics, per agent): rollups p50 {num(rolled['p50'])} ms, p95 {num(rolled['p95'])}; "
        f"plain aggregate over raw rows p50 {num(raw['p50'])}, p95 {num(raw['p95'])}; raw ÷ rollups {times(factor)} "
        f"(target p95 < {TARGETS['monitor_dashboard_p95_ms']} ms: "
        f"{verdict(rolled['p95'] < TARGETS['monitor_dashboard_p95_ms'])})",
        f"   alert evaluation {num(found['alert_evaluations_per_s'])} responses/s (target ≥ "
        f"{TARGETS['monitor_alert_evaluations_per_s']}: "
        f"{verdict(found['alert_evaluations_per_s'] >= TARGETS['monitor_alert_evaluations_per_s'])}); "
        f"an answer through the actions {num(found['answer_through_actions_ms'])} ms",
        f"   invitation task per contact p50 {num(found['invitation_ms']['p50'])} ms, p99 "
        f"{num(found['invitation_ms']['p99'])} ms (the 60-second promise: "
        f"{verdict(found['invitation_ms']['p99'] < TARGETS['monitor_invitation_p99_ms'])})",
    ]
    return lines


def channels(result: dict[str, Any], ratios: dict[str, Any]) -> list[str]:
    """1c: the webhooks beside the generic inbound path (async) and the raw INSERTs of the same
    run, and the live probe; the issue's targets with their verdicts."""
    webhooks = {key: result[key] for key, _label in WEBHOOKS if key in result}
    live = result.get("live_delivery")
    if not webhooks and not live and "http_floor" not in result:
        return []
    lines = [
        "",
        f"1c. Messaging channels: webhooks under the load of 1. ({CONCURRENCY} connections, "
        f"{int(NEW_SHARE * 100)} % new senders, {int(REDELIVERY_SHARE * 100)} % of the posts redeliveries)",
    ]
    out = lines.append
    generic = result.get("api_ingest_async", {})
    generic_rate = generic.get("timed", {}).get("per_s") if "error" not in generic else None
    raw2 = result.get("raw_insert_ceiling", {}).get("single_row_autocommit_2_processes", {}).get("rows_per_s")
    out(
        f"   {'path (signed, one message per post)':<44} {'msg/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'e2e msg/s':>9} "
        f"{'drain s':>7} {'CPU ms/msg':>10} {'÷ generic':>9} {'÷ raw':>6}  check"
    )
    rates, p99s = {}, {}
    for key, label in WEBHOOKS:
        ingest = webhooks.get(key)
        if ingest is None:
            continue
        if "error" in ingest:
            out(f"   {label:<44} ERROR: {ingest['error'][-300:]}")
            continue
        timed, v = ingest["timed"], ingest["verify"]
        drained = v.get("deliveries", {})
        rates[key], p99s[key] = timed["per_s"], timed["p99_ms"]
        ratios[f"{key}_msgs_per_s"] = timed["per_s"]
        ratios[f"{key}_p99_ms"] = timed["p99_ms"]
        ratios[f"{key}_vs_generic_async"] = ratio(timed["per_s"], generic_rate)
        ratios[f"{key}_vs_raw_2_processes"] = ratio(timed["per_s"], raw2)
        check = "OK" if v["ok"] else "MISMATCH"
        check += f", {v['messages']:,} msgs for {ingest['accepted']:,} accepted, {v['customers']:,} customers"
        check += f"; {ingest['redeliveries_answered']:,} redeliveries answered"
        out(
            f"   {label:<44} {num(timed['per_s']):>8} {num(timed['p50_ms']):>7} {num(timed['p99_ms']):>7} "
            f"{num(drained.get('end_to_end_per_s')):>9} {num(drained.get('drain_seconds')):>7} "
            f"{num(ingest.get('server_cpu_ms_per_message'), 2):>10} "
            f"{times(ratio(timed['per_s'], generic_rate)):>9} {pct(ratio(timed['per_s'], raw2)):>6}  {check}"
        )
    if generic_rate is not None:
        timed = generic["timed"]
        out(
            f"   {'generic: POST /api/v1/inbound/messages, async':<44} {num(generic_rate):>8} "
            f"{num(timed['p50_ms']):>7} {num(timed['p99_ms']):>7} "
            f"{num(generic['verify'].get('deliveries', {}).get('end_to_end_per_s')):>9} "
            f"{num(generic['verify'].get('deliveries', {}).get('drain_seconds')):>7} "
            f"{num(generic.get('server_cpu_ms_per_message'), 2):>10} {times(1.0):>9} "
            f"{pct(ratio(generic_rate, raw2)):>6}  (the same run, section 1)"
        )
    floor = result.get("http_floor", {})
    if floor and "error" not in floor:
        timed = floor["timed"]
        ratios["http_floor_requests_per_s"] = timed["per_s"]
        out(
            f"   {'floor: GET /bench/bare/ (does nothing)':<44} {num(timed['per_s']):>8} "
            f"{num(timed['p50_ms']):>7} {num(timed['p99_ms']):>7} {'':>9} {'':>7} "
            f"{num(floor.get('server_cpu_ms_per_request'), 2):>10} {times(ratio(timed['per_s'], generic_rate)):>9} "
            f"{pct(ratio(timed['per_s'], raw2)):>6}  requests/s: uvicorn and Django's middleware alone"
        )
    elif floor:
        out(f"   floor ERROR: {floor['error'][-300:]}")
    if raw2:
        out(f"   {'raw INSERT, 1 row per commit, 2 processes':<44} {num(raw2):>8} rows/s (the same run)")
    if rates:
        slowest = min(rates.values())
        worst_p99 = max(p99s.values())
        out(
            f"   targets (issue 5): ≥ {TARGETS['webhook_msgs_per_s']:,} msg/s: "
            f"{verdict(slowest >= TARGETS['webhook_msgs_per_s'])}; "
            f"p99 to the 200 < {TARGETS['webhook_ack_p99_ms']} ms: {verdict(worst_p99 < TARGETS['webhook_ack_p99_ms'])}"
            f" (slowest channel {num(slowest)} msg/s, worst p99 {num(worst_p99)} ms)"
        )
    if live and "error" in live:
        out(f"   live ERROR: {live['error'][-300:]}")
    elif live:
        interval = result.get("params", {}).get("inbound_interval")
        # inbound_worker's defaults: woken by PostgreSQL's NOTIFY (polling once a second besides); polling on SQLite
        waiting = "woken by NOTIFY" if result.get("db") == "postgres" else "polling every 0.2 s when idle"
        if interval:
            waiting += f", polling every {interval} s"
        out(
            f"   live, {live['samples']} samples each, one at a time {live['gap_s'][0]}-{live['gap_s'][1]} s apart "
            f"({live.get('channel_layer')}; 2 inbound workers {waiting}; "
            f"machine busy {pct(live.get('machine_busy_share'))}):"
        )
        for key, label, call, target in (
            ("whatsapp_to_agent", "WhatsApp webhook → agent's case view", "webhook 200", "live_p99_ms"),
            ("reply_to_visitor", "agent's reply (API) → chat visitor", "API 201", "chat_reply_p99_ms"),
        ):
            probe = live[key]
            lat, http = probe["latency"], probe["http"]
            ratios[f"{key}_p99_ms"] = lat["p99_ms"]
            ok = None if lat["p99_ms"] is None else (lat["p99_ms"] < TARGETS[target] and probe["missed"] == 0)
            out(
                f"     {label:<38} p50 {num(lat['p50_ms']):>6} ms  p95 {num(lat['p95_ms']):>6}  "
                f"p99 {num(lat['p99_ms']):>6}  max {num(lat['max_ms']):>7}; {call}: p50 {num(http['p50_ms'])}, "
                f"p99 {num(http['p99_ms'])}; missed {probe['missed']}  "
                f"(target p99 < {TARGETS[target]:,} ms: {verdict(ok)})"
            )
            wait = probe.get("worker_wait")
            if wait:
                out(
                    f"       of which stored → claimed by an inbound worker: p50 {num(wait['p50_ms'])} ms, "
                    f"p95 {num(wait['p95_ms'])}, p99 {num(wait['p99_ms'])}"
                )
    return lines


def _promises_section(result: dict[str, Any]) -> list[str]:
    """Issue 7: the promise guard (bench/promises.py)."""
    escalation, scan = result.get("promises_escalation"), result.get("promises_scan")
    if not escalation and not scan:
        return []
    lines = ["", "Promises: the guard (2 manage.py promise_guard processes, SKIP LOCKED)"]
    if escalation and "error" in escalation:
        lines.append(f"   escalation ERROR: {escalation['error'][-300:]}")
    elif escalation:
        seconds = escalation["seconds_from_due_to_last_escalation"]
        ok = seconds is not None and seconds < escalation["target_s"] and escalation["exactly_once"]
        lines.append(
            f"   {escalation['promises']:,} promises due at once: last escalation {num(seconds)} s after they fell due "
            f"({num(escalation['escalations_per_s'])} /s), exactly once: {escalation['exactly_once']} "
            f"(target < {escalation['target_s']} s: {verdict(ok)})"
        )
    if scan and "error" in scan:
        lines.append(f"   scan ERROR: {scan['error'][-300:]}")
    elif scan and "skipped" in scan:
        lines.append(f"   scan: {scan['skipped']}")
    elif scan:
        lines.append(
            f"   scan of {scan['scan_large']['batch']} due: {num(scan['scan_small']['median_ms'])} ms with "
            f"{scan['rows_small']:,} promises, {num(scan['scan_large']['median_ms'])} ms with {scan['rows_large']:,} "
            f"(x{scan['ratio_large_to_small']}); partial index used: {scan['uses_partial_index']}"
        )
    return lines


# --- main --------------------------------------------------------------------------------------
