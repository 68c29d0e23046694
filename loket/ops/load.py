"""Synthetic load data for benchmarks: an organisation "Bench" with many cases, fast.

This is the one place that writes models directly instead of through actions: generating a
million messages one action at a time would take hours, so rows are made in memory and
written in batches (``bulk_create``; ``COPY`` on PostgreSQL for rows whose ids nobody needs),
shaped like what the actions write: numbers from the organisation's case sequence, counters on
the case, contacts with their identity, the timeline's events. It serves ``manage.py
seed_load`` and ``make bench``; never production data.
"""

from __future__ import annotations

import queue
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import JSONField, Model
from django.utils import timezone

from loket.accounts.actions import do_create_token
from loket.accounts.models import Membership, Organization, Role, Scope, Team, User
from loket.cases.models import Case, CaseSequence, Contact, Message, Tag
from loket.customers.models import Channel, Customer, Identity
from loket.events.models import Event

BENCH_SLUG = "bench"
BENCH_NAME = "Bench"
AGENTS = 20
TEAMS = ("Eerste lijn", "Tweede lijn", "Facturen")
TAGS = ("levering", "factuur", "storing", "verhuizing", "klacht", "opzegging", "schade", "retour")
CHUNK = 2000  # cases per transaction

SUBJECTS = (
    "Bank beschadigd geleverd",
    "Vraag over mijn factuur van deze maand",
    "Internet valt steeds weg",
    "Verhuizing doorgeven",
    "Terugbelverzoek over mijn bestelling",
    "Pakket niet ontvangen",
    "Abonnement opzeggen",
    "Storing tv-ontvangst",
    "Dubbele afschrijving",
    "Monteur is niet gekomen",
    "Wachtwoord werkt niet meer",
    "Retour aanmelden",
)
SENTENCES = (
    "Goedemiddag, ik heb een vraag over mijn bestelling.",
    "Kunt u mij vandaag nog terugbellen?",
    "Het product is beschadigd aangekomen en ik wil het graag laten ophalen.",
    "Op mijn rekening staat een bedrag dat ik niet herken.",
    "Sinds gisteren werkt de verbinding niet meer.",
    "Dank voor uw snelle reactie, dat is duidelijk.",
    "Wij hebben uw melding ontvangen en zoeken het voor u uit.",
    "De monteur komt donderdag tussen 8 en 12 uur.",
    "Ik ben tussen 9 en 17 uur bereikbaar op mijn mobiele nummer.",
    "Mijn klantnummer staat in de bijlage van de vorige mail.",
)
CHANNELS = (Channel.EMAIL, Channel.EMAIL, Channel.PHONE, Channel.CHAT, Channel.WHATSAPP)
# About 40 % of cases open (new/open/waiting), the rest resolved or closed.
STATUSES = (
    (Case.Status.NEW, 5),
    (Case.Status.OPEN, 20),
    (Case.Status.WAITING_CUSTOMER, 10),
    (Case.Status.WAITING_INTERNAL, 5),
    (Case.Status.RESOLVED, 35),
    (Case.Status.CLOSED, 25),
)
PRIORITIES = ((Case.Priority.LOW, 15), (Case.Priority.NORMAL, 65), (Case.Priority.HIGH, 15), (Case.Priority.URGENT, 5))


@dataclass
class BenchOrg:
    organization: Organization
    agents: list[User]
    teams: list[Team]
    tags: list[Tag]
    admin: User


def ensure_bench_org(name: str = BENCH_NAME, slug: str = BENCH_SLUG) -> BenchOrg:
    """The benchmark organisation with its agents, teams and tags; created on first use.

    Users are ``<slug>-agent-01`` … and ``<slug>-admin``, with unusable passwords (the harness
    logs in with ``force_login``).
    """
    with transaction.atomic():
        organization, _created = Organization.objects.get_or_create(
            slug=slug, defaults={"name": name, "case_prefix": "B"}
        )
        teams = [Team.objects.get_or_create(organization=organization, name=t)[0] for t in TEAMS]
        if organization.default_team_id is None:
            organization.default_team = teams[0]
            organization.save(update_fields=["default_team"])
        agents = []
        for i in range(1, AGENTS + 1):
            user = _bench_user(f"{slug}-agent-{i:02d}", first_name="Agent", last_name=f"{i:02d}")
            Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": Role.AGENT})
            teams[(i - 1) % len(teams)].members.add(user)
            agents.append(user)
        admin = _bench_user(f"{slug}-admin", first_name="Beheer", last_name="Bench")
        Membership.objects.get_or_create(organization=organization, user=admin, defaults={"role": Role.ADMIN})
        tags = [Tag.objects.get_or_create(organization=organization, name=t)[0] for t in TAGS]
    return BenchOrg(organization=organization, agents=agents, teams=teams, tags=tags, admin=admin)


def _bench_user(username: str, **names: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(username=username, email=f"{username}@bench.example", **names)
        user.set_unusable_password()
        user.save()
    return user


def issue_inbound_token(bench: BenchOrg, name: str = "bench inbound") -> str:
    """A fresh API token with the inbound scope; returns the secret (shown once)."""
    return do_create_token(bench.organization, name, [Scope.INBOUND], actor=bench.admin).secret


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


def _take_numbers(organization: Organization, count: int) -> tuple[int, int]:
    """Reserve ``count`` case numbers of this year in a short transaction of its own.

    Committed at once, so parallel jobs do not wait on the sequence row for a whole chunk; a
    chunk that fails leaves a gap in the numbers, which is fine for synthetic data.
    """
    year = timezone.localdate().year
    with transaction.atomic():
        sequence, _created = CaseSequence.objects.select_for_update().get_or_create(
            organization=organization, year=year, defaults={"last_number": 0}
        )
        first = sequence.last_number + 1
        sequence.last_number += count
        sequence.save(update_fields=["last_number"])
    return year, first


def seed_cases(
    bench: BenchOrg,
    count: int,
    *,
    messages_per_case: int = 10,
    seed: int = 0,
    jobs: int = 1,
    message_events: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Add ``count`` cases, each with ``messages_per_case`` messages, to the bench organisation.

    Per chunk of cases, in one transaction: customers (about 7 per 10 cases) with one identity
    each, cases, one or two contacts per case, the messages, the events that show on the
    timeline (``case.opened``, ``case.resolved``) and ``customer.created``, and tags on a fifth
    of the cases. The actions also record one event per message; ``message_events=True`` writes
    those too (it doubles the rows, and no page reads them). Returns the rows written per table.

    ``jobs`` > 1 (PostgreSQL only) forks that many processes, each writing its share of the
    chunks on its own connection: building rows in Python and maintaining PostgreSQL's indexes
    and foreign-key checks then overlap on the machine's cores.
    """
    chunks = [min(CHUNK, count - start) for start in range(0, count, CHUNK)]
    if jobs <= 1 or connection.vendor != "postgresql" or len(chunks) < 2:
        return _seed_chunks(bench, chunks, messages_per_case, seed, message_events, progress, count)

    import multiprocessing

    context = multiprocessing.get_context("fork")
    done_queue = context.Queue()
    shares = [chunks[i::jobs] for i in range(jobs)]
    _close_all_before_fork()  # each child opens its own connection
    with context.Pool(jobs, initializer=_init_job, initargs=(done_queue,)) as pool:
        pending = [
            pool.apply_async(_seed_job, (bench, share, messages_per_case, seed + i, message_events))
            for i, share in enumerate(shares)
            if share
        ]
        done = 0
        while done < count:
            if any(job.ready() and not job.successful() for job in pending):
                break  # a job failed: job.get() below raises its error
            try:
                done += done_queue.get(timeout=1)
            except queue.Empty:
                continue
            if progress is not None:
                progress(done, count)
        results = [job.get() for job in pending]
    return {key: sum(r[key] for r in results) for key in results[0]}


_done_queue: Any = None


def _close_all_before_fork() -> None:
    """Close every connection, and every connection pool (psycopg_pool on PostgreSQL): a
    forked child must not inherit open sockets or the pool's threads."""
    connections.close_all()
    for wrapper in connections.all(initialized_only=True):
        close_pool = getattr(wrapper, "close_pool", None)
        if close_pool is not None:
            close_pool()


def _init_job(done_queue: Any) -> None:
    global _done_queue
    _done_queue = done_queue


def _seed_job(bench: BenchOrg, chunks: list[int], per_case: int, seed: int, message_events: bool) -> dict[str, int]:
    connections.close_all()  # never share the parent's socket
    return _seed_chunks(bench, chunks, per_case, seed, message_events, _done_queue.put, 0)


def _seed_chunks(
    bench: BenchOrg,
    chunks: list[int],
    per_case: int,
    seed: int,
    message_events: bool,
    progress: Callable[..., None] | None,
    count: int,
) -> dict[str, int]:
    """Write the chunks one transaction each; ``progress(done, count)``, or ``progress(n)`` with count 0."""
    rng = random.Random(seed)
    totals = {"customers": 0, "identities": 0, "cases": 0, "contacts": 0, "messages": 0, "events": 0, "tags": 0}
    now = timezone.now()
    done = 0
    for n in chunks:
        numbers = _take_numbers(bench.organization, n)
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # generated data: no need to wait for the WAL flush
                    cursor.execute("SET LOCAL synchronous_commit = off")
            written = _seed_chunk(bench, n, numbers, per_case, rng, now, message_events=message_events)
        for key, value in written.items():
            totals[key] += value
        done += n
        if progress is not None:
            progress(done, count) if count else progress(n)
    return totals


MESSAGE_COLUMNS = (
    "organization_id",
    "case_id",
    "contact_id",
    "kind",
    "channel",
    "author_id",
    "identity_id",
    "text",
    "html",
    "external_id",
    "delivery_status",
    "delivery_error",
    "cc",
    "automatic",
    "created_at",
)
EVENT_COLUMNS = ("organization_id", "type", "actor_id", "case_id", "customer_id", "data", "created_at")


def _insert_rows(model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows whose ids nobody needs: COPY on PostgreSQL, ``bulk_create`` elsewhere.

    COPY skips building a model instance and an SQL statement per row, which is most of the
    client's time for the million messages of a 100k-case run.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(columns, row, strict=True))) for row in rows], batch_size=5000
        )
        return
    from psycopg.types.json import Jsonb

    json_columns = [i for i, name in enumerate(columns) if isinstance(model._meta.get_field(name), JSONField)]
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json_columns:
                row = tuple(Jsonb(v) if i in json_columns else v for i, v in enumerate(row))
            copy.write_row(row)


def _seed_chunk(
    bench: BenchOrg,
    n: int,
    numbers: tuple[int, int],
    per_case: int,
    rng: random.Random,
    now: datetime,
    *,
    message_events: bool,
) -> dict[str, int]:
    organization = bench.organization
    org_id = organization.pk
    year, first_number = numbers

    # 1. Customers and their identities.
    n_customers = max(1, n * 7 // 10)
    customers = Customer.objects.bulk_create(
        [
            Customer(
                organization_id=org_id,
                name=f"Klant {rng.randrange(10**6):06d}",
                preferred_channel=rng.choice(CHANNELS),
                created_at=now - timedelta(days=730 * rng.random()),
            )
            for _ in range(n_customers)
        ]
    )
    identities = Identity.objects.bulk_create(
        [
            Identity(
                organization_id=org_id,
                customer_id=c.pk,
                kind=Identity.Kind.EMAIL if c.pk % 3 else Identity.Kind.PHONE,
                value=f"klant{c.pk}@bench.example" if c.pk % 3 else f"+3161{c.pk:07d}"[:16],
                created_at=c.created_at,
            )
            for c in customers
        ]
    )

    # 2. Cases, spread over two years.
    cases = []
    for i in range(n):
        customer = customers[i % n_customers]
        status = _weighted(rng, STATUSES)
        created = now - timedelta(days=720 * rng.random(), minutes=rng.randrange(600))
        last = min(now, created + timedelta(hours=per_case * (1 + 6 * rng.random())))
        # New cases mostly wait unassigned in a team queue; later ones mostly have an owner.
        owned = rng.random() < (0.3 if status == Case.Status.NEW else 0.85)
        owner = rng.choice(bench.agents) if owned else None
        team = bench.teams[rng.randrange(len(bench.teams))]
        n_contacts = 1 if rng.random() < 0.6 else 2
        cases.append(
            Case(
                organization_id=org_id,
                number=f"{organization.case_prefix}-{year}-{first_number + i:06d}",
                subject=rng.choice(SUBJECTS),
                status=status,
                priority=_weighted(rng, PRIORITIES),
                customer_id=customer.pk,
                owner=owner,
                team=team,
                contact_count=n_contacts,
                message_count=per_case,
                created_at=created,
                updated_at=last,
                last_message_at=last if per_case else None,
                last_inbound_channel=rng.choice(CHANNELS),
                resolved_at=last if status in Case.DONE_STATUSES else None,
            )
        )
    cases = Case.objects.bulk_create(cases)
    identity_of = {ident.customer_id: ident for ident in identities}

    # 3. Contacts: the first on the case's first channel, a second one on its last channel.
    contacts: list[Contact] = []
    for case in cases:
        ident = identity_of[case.customer_id]
        first_channel = rng.choice(CHANNELS)
        channels = [first_channel] if case.contact_count == 1 else [first_channel, case.last_inbound_channel]
        for k, channel in enumerate(channels):
            last_contact = k == len(channels) - 1
            contacts.append(
                Contact(
                    organization_id=org_id,
                    case=case,
                    channel=channel,
                    direction=Contact.Direction.INBOUND,
                    identity_id=ident.pk,
                    handled_by_id=case.owner_id,
                    started_at=case.created_at + timedelta(minutes=k * 90),
                    ended_at=None if last_contact and case.status in Case.OPEN_STATUSES else case.updated_at,
                )
            )
    contacts = Contact.objects.bulk_create(contacts)
    contacts_of: dict[int, list[Contact]] = {}
    for contact in contacts:
        contacts_of.setdefault(contact.case_id, []).append(contact)

    # 4. Messages and the events the actions record with them.
    message_rows: list[tuple[Any, ...]] = []
    for case in cases:
        ident = identity_of[case.customer_id]
        case_contacts = contacts_of[case.pk]
        span = (case.updated_at - case.created_at) / max(1, per_case)
        for j in range(per_case):
            contact = case_contacts[0] if j < per_case // 2 or len(case_contacts) == 1 else case_contacts[1]
            kind = Message.Kind.INBOUND if j % 2 == 0 else (Message.Kind.NOTE if j % 4 == 3 else Message.Kind.OUTBOUND)
            inbound = kind == Message.Kind.INBOUND
            message_rows.append(
                (
                    org_id,
                    case.pk,
                    contact.pk,
                    kind,
                    contact.channel,
                    None if inbound else case.owner_id,
                    ident.pk if inbound else None,
                    " ".join(rng.choice(SENTENCES) for _ in range(1 + rng.randrange(3))),
                    "",
                    f"seed-{case.pk}-{j}" if inbound else "",
                    Message.Delivery.DELIVERED if kind == Message.Kind.OUTBOUND else "",
                    "",
                    [],
                    False,
                    case.created_at + span * j,
                )
            )

    case_by_id = {case.pk: case for case in cases}
    event_rows: list[tuple[Any, ...]] = [
        (org_id, "customer.created", None, None, c.pk, {"name": c.name}, c.created_at) for c in customers
    ]
    for case in cases:
        data = {"number": case.number, "subject": case.subject, "owner_id": case.owner_id, "team_id": case.team_id}
        event_rows.append((org_id, "case.opened", None, case.pk, case.customer_id, data, case.created_at))
        if case.resolved_at is not None:
            data = {"number": case.number, "contacts": case.contact_count, "handovers": 0}
            event_rows.append(
                (org_id, "case.resolved", case.owner_id, case.pk, case.customer_id, data, case.resolved_at)
            )
    if message_events:  # these need the messages' ids
        kinds: dict[str, str] = {
            Message.Kind.INBOUND: "case.message_received",
            Message.Kind.OUTBOUND: "case.reply_sent",
            Message.Kind.NOTE: "case.note_added",
        }
        messages = Message.objects.bulk_create(
            [Message(**dict(zip(MESSAGE_COLUMNS, row, strict=True))) for row in message_rows], batch_size=5000
        )
        for m in messages:
            data = {"message_id": m.pk, "channel": m.channel, "number": case_by_id[m.case_id].number}
            event_rows.append(
                (org_id, kinds[m.kind], m.author_id, m.case_id, case_by_id[m.case_id].customer_id, data, m.created_at)
            )
    else:
        _insert_rows(Message, MESSAGE_COLUMNS, message_rows)
    _insert_rows(Event, EVENT_COLUMNS, event_rows)

    # 5. Labels on a fifth of the cases.
    through = Case.tags.through
    tagged = [(case.pk, rng.choice(bench.tags).pk) for case in cases if rng.random() < 0.2]
    _insert_rows(through, ("case_id", "tag_id"), tagged)

    return {
        "customers": len(customers),
        "identities": len(identities),
        "cases": len(cases),
        "contacts": len(contacts),
        "messages": len(message_rows),
        "events": len(event_rows),
        "tags": len(tagged),
    }
