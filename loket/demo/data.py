"""Demo data for ``make run``: two organisations that must never see each other's data.

Woonwinkel, a web shop, has teams, agents and customers on several channels, among them
Jolanda's damaged sofa (story 1). Energie Noord has a customer who has died (story 2).
Everything is written through actions, like any other write, and loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from loket.accounts.actions import do_add_member, do_create_organization, do_create_team, do_create_token
from loket.accounts.models import Organization, Role, Scope, Team, User
from loket.bereavement.actions import DeathReport, do_report_death, do_set_bereavement_team
from loket.bereavement.models import DeathNotification
from loket.cases.actions import do_add_note, do_hand_over, do_open_case, do_reply, do_resolve_case
from loket.cases.models import Case, Handover
from loket.cases.receiving import InboundMessage, do_receive_message
from loket.customers.actions import do_add_subscription, do_create_customer, do_mark_deceased
from loket.integrations.models import ChannelAccount, Mailbox

DEMO_MAILBOX = "klantenservice@woonwinkel.test"  # mail to it on 127.0.0.1:2525 becomes a case
DEMO_PASSWORD = "loket-demo"  # noqa: S105 - printed on the console for the demo
DEMO_TOKEN = "lkt_demo_woonwinkel_0123456789abcdef"  # noqa: S105
DEMO_CHAT = "demo-woonwinkel-chat"  # the chat widget's key: /chat/<key>/ is the chat as a visitor sees it


@dataclass
class DemoResult:
    created: bool
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, organisation, role
    token: str = DEMO_TOKEN


def _user(username: str, first: str, last: str) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last, "email": f"{username}@loket.test"}
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def load_demo() -> DemoResult:
    with transaction.atomic():
        users = {
            "anouk": _user("anouk", "Anouk", "de Boer"),
            "bram": _user("bram", "Bram", "Visser"),
            "chantal": _user("chantal", "Chantal", "Smit"),
            "daan": _user("daan", "Daan", "Meijer"),
            "erik": _user("erik", "Erik", "Mulder"),
            "fleur": _user("fleur", "Fleur", "Kok"),
        }
        created = not Organization.objects.filter(slug="woonwinkel").exists()
        if created:
            _woonwinkel(users)
            _energie_noord(users)
        _chat_widget()
        _promises()
    logins = [
        ("anouk", "Woonwinkel + Energie Noord", "beheerder"),
        ("bram", "Woonwinkel", "medewerker"),
        ("chantal", "Woonwinkel", "teamleider"),
        ("daan", "Woonwinkel", "meekijker"),
        ("erik", "Energie Noord", "medewerker"),
        ("fleur", "Energie Noord", "nabestaandenspecialist"),
    ]
    return DemoResult(created=created, logins=logins)


def _chat_widget() -> None:
    """Woonwinkel's chat widget, also added to a demo database loaded before widgets existed."""
    org = Organization.objects.get(slug="woonwinkel")
    ChannelAccount.objects.get_or_create(
        key=DEMO_CHAT,
        defaults={
            "organization": org,
            "kind": ChannelAccount.Kind.CHAT,
            "name": "Website woonwinkel.test",
            "external_id": DEMO_CHAT,
            "team": org.default_team,
            "settings": {
                "allowed_origins": ["http://127.0.0.1:8000", "http://localhost:8000"],
                "greeting": "Hallo! Stel gerust uw vraag over uw bestelling.",
            },
        },
    )


def _promises() -> None:
    """Jolanda's promises (story 1): a callback today, the pickup and the replacement, one broken
    reply on another case; also added to a demo database loaded before promises existed."""
    from loket.promises.actions import do_make_promise
    from loket.promises.guard import run_guard
    from loket.promises.models import Promise

    org = Organization.objects.get(slug="woonwinkel")
    # Loket's own follow-up of a low score (the monitor's demo answers) does not count here.
    if Promise.objects.for_org(org).exclude(source=Promise.Source.SYSTEM).exists():
        return
    sofa = org_case(org, "Jolanda de Vries")
    now = timezone.localtime()
    start = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    do_make_promise(
        sofa,
        actor=sofa.owner,
        kind="callback",
        description="Bel me terug over de gescheurde rugleuning, liefst na de lunch",
        due_from=start,
        due_until=start + timedelta(minutes=30),
    )
    do_make_promise(
        sofa,
        actor=sofa.owner,
        kind="pickup",
        description="De beschadigde bank wordt opgehaald",
        due_from=day + timedelta(days=2),
        due_until=day + timedelta(days=3),
        external_ref="RET-18342",
    )
    do_make_promise(
        sofa,
        actor=sofa.owner,
        kind="replacement",
        description="Een nieuwe Bank Oslo 3-zits in cognac",
        due_from=day + timedelta(days=7),
        due_until=day + timedelta(days=8),
        external_ref="WW-2026-18342",
    )
    other = Case.objects.for_org(org).exclude(pk=sofa.pk).filter(status__in=Case.OPEN_STATUSES).order_by("-pk").first()
    if other is not None:
        do_make_promise(
            other,
            actor=sofa.owner,
            kind="reply",
            description="Ik hoor vandaag nog of de levering doorgaat",
            due_until=now - timedelta(hours=1),
            owner=sofa.owner,
            owner_pinned=True,
        )
    run_guard()  # the reply's window has passed: broken, the lead and the owner told


def org_case(org: Organization, customer_name: str) -> Case:
    return Case.objects.for_org(org).filter(customer__name=customer_name).order_by("pk").first()  # type: ignore[return-value]


def _inbound(
    org: Organization,
    channel: str,
    kind: str,
    value: str,
    text: str,
    ext: str,
    *,
    subject: str = "",
    name: str = "",
    ago: timedelta,
) -> None:
    do_receive_message(
        org,
        InboundMessage(
            channel=channel,
            identity_kind=kind,
            identity_value=value,
            text=text,
            subject=subject,
            sender_name=name,
            external_id=ext,
            received_at=timezone.now() - ago,
        ),
    )


def _woonwinkel(users: dict[str, User]) -> None:
    org = do_create_organization("Woonwinkel", "woonwinkel", case_prefix="W")
    do_add_member(org, users["anouk"], Role.ADMIN)
    do_add_member(org, users["bram"], Role.AGENT)
    do_add_member(org, users["chantal"], Role.LEAD)
    do_add_member(org, users["daan"], Role.VIEWER)
    service = do_create_team(org, "Klantenservice", members=[users["anouk"], users["bram"], users["chantal"]])
    do_create_team(org, "Bezorging & retour", members=[users["chantal"]])
    org.default_team = service
    org.save(update_fields=["default_team"])
    Mailbox.objects.create(
        organization=org,
        address=DEMO_MAILBOX,
        team=service,
        sender_name="Woonwinkel Klantenservice",
        signature="Team Klantenservice\nWoonwinkel · 020 123 45 67 · woonwinkel.test",
        send_acknowledgement=True,
    )
    do_create_token(
        org, "Demo-integratie", [Scope.READ, Scope.WRITE, Scope.INBOUND], actor=users["anouk"], secret=DEMO_TOKEN
    )

    jolanda = do_create_customer(
        org,
        actor=None,
        name="Jolanda de Vries",
        preferred_channel="whatsapp",
        identities=[("email", "jolanda.devries@example.nl"), ("phone", "06 12 34 56 78"), ("whatsapp", "+31612345678")],
        notes="Vaste klant sinds 2019.",
    )
    do_add_subscription(
        jolanda, product="Bank Oslo 3-zits, cognac", reference="WW-2026-18342", started_on=date(2026, 11, 2)
    )
    do_add_subscription(jolanda, product="Woonpas", reference="WP-884120")
    _inbound(
        org,
        "email",
        "email",
        "jolanda.devries@example.nl",
        "Goedemiddag,\n\nVandaag is mijn nieuwe bank bezorgd, maar de rugleuning is gescheurd en er zit een "
        "kras over de hele zitting. Ik heb foto's gemaakt. Wat nu?\n\nMet vriendelijke groet,\nJolanda de Vries",
        "demo-jolanda-1",
        subject="Bank beschadigd geleverd (order WW-2026-18342)",
        ago=timedelta(days=2, hours=3),
    )
    sofa = jolanda.cases.get()
    do_hand_over(
        sofa,
        actor=users["chantal"],
        to_user=users["bram"],
        reason=Handover.Reason.EXPERTISE,
        note="Bram regelt retouren van meubels; hij houdt contact met Jolanda tot het is opgelost.",
    )
    do_reply(
        sofa,
        actor=users["bram"],
        channel="email",
        text="Beste Jolanda,\n\nWat vervelend! We halen de bank op en leveren een nieuwe. "
        "Ik bel u morgen tussen 10:00 en 12:00 om een datum te plannen.\n\nGroet, Bram",
    )
    _inbound(
        org,
        "phone",
        "phone",
        "+31612345678",
        "Telefoongesprek: klant vraagt of de ophaaldatum al bekend is; zij is donderdag thuis.",
        "demo-jolanda-2",
        ago=timedelta(days=1),
    )
    _inbound(
        org,
        "whatsapp",
        "whatsapp",
        "+31612345678",
        "Hoi, ik heb nog niets gehoord over de nieuwe bank. Komt die deze week nog?",
        "demo-jolanda-3",
        ago=timedelta(hours=2),
    )
    do_add_note(sofa, actor=users["bram"], text="Vervangende bank in magazijn Tilburg gereserveerd, levering vrijdag.")

    for name, email, text, subject, ago in [
        (
            "Mohamed el Amrani",
            "m.elamrani@example.nl",
            "Kan ik mijn bestelling nog wijzigen naar een andere kleur?",
            "Kleur wijzigen",
            timedelta(hours=5),
        ),
        (
            "Sanne Jansen",
            "sanne.j@example.nl",
            "Mijn retourzending is al twee weken onderweg, wanneer krijg ik mijn geld terug?",
            "Terugbetaling retour",
            timedelta(days=1, hours=2),
        ),
        (
            "Kees Hendriks",
            "kees@hendriks-interieur.nl",
            "Wij willen graag 12 stoelen bestellen voor ons kantoor. Kan dat op rekening?",
            "Zakelijke bestelling",
            timedelta(minutes=40),
        ),
    ]:
        _inbound(org, "email", "email", email, text, f"demo-{email}", subject=subject, name=name, ago=ago)
    _inbound(
        org,
        "chat",
        "email",
        "lisa.bos@example.nl",
        "Hallo, zijn jullie winkels op zondag open?",
        "demo-chat-lisa",
        name="Lisa Bos",
        ago=timedelta(minutes=12),
    )
    _inbound(
        org,
        "sms",
        "phone",
        "+31687654321",
        "Bezorger staat voor de deur maar ik ben niet thuis, kan hij morgen komen?",
        "demo-sms-1",
        name="",
        ago=timedelta(minutes=3),
    )

    peter = do_create_customer(
        org, actor=None, name="Peter Willems", identities=[("email", "peter.willems@example.nl")]
    )
    done = do_open_case(org, peter, subject="Factuur kwijt", actor=users["bram"], owner=users["bram"])
    do_reply(done, actor=users["bram"], channel="email", text="Beste Peter, in de bijlage vindt u uw factuur opnieuw.")
    do_resolve_case(done, actor=users["bram"])
    _monitor(org, users, [(done, "5", "Snel en vriendelijk geholpen."), (sofa, "2", "Ik moest twee keer bellen.")])


def _monitor(org: Organization, users: dict[str, User], answers: list[tuple[Case, str, str]]) -> None:
    """The Klantcontact Monitor: a survey, the dashboard, two alarm rules and two responses (the
    sofa's low score flags the case and trips the single-score alarm)."""
    from loket.accounts.models import Membership
    from loket.monitor.actions import (
        check_save_alert_rule,
        check_save_dashboard,
        check_save_survey,
        do_answer,
        do_complete_response,
        do_evaluate_alerts,
        do_invite_after_contact,
    )

    admin = Membership.objects.get(organization=org, user=users["anouk"])
    check_save_survey(
        admin, None, name="Na elk contact", questions=[{"kind": "csat"}, {"kind": "solved"}, {"kind": "text"}]
    )
    check_save_dashboard(
        admin, metrics=["csat", "solved"], period_days=7, grouping="agent", targets={"csat": 4.0, "solved": 80.0}
    )
    check_save_alert_rule(
        admin,
        None,
        name="CSAT onder 3,5 (laatste 2 uur)",
        kind="window",
        metric="csat",
        scope="all",
        window_minutes=120,
        min_responses=5,
        threshold=3.5,
    )
    check_save_alert_rule(
        admin, None, name="Zeer ontevreden klant", kind="single", metric="csat", scope="all", threshold=1.0
    )
    for number, (case, score, comment) in enumerate(answers):
        invitation, _reason = do_invite_after_contact(
            case, channel="api", trigger="contact", ended_at=timezone.now(), key=f"demo-{number}"
        )
        if invitation is not None:
            response = do_answer(invitation, score)
            do_complete_response(response, {"solved": "ja" if score >= "4" else "nee"}, comment=comment)
            do_evaluate_alerts(response)


def _energie_noord(users: dict[str, User]) -> None:
    org = do_create_organization("Energie Noord", "energie-noord", case_prefix="EN")
    do_add_member(org, users["anouk"], Role.ADMIN)
    do_add_member(org, users["erik"], Role.AGENT)
    do_add_member(org, users["fleur"], Role.LEAD)
    service = do_create_team(org, "Klantenservice", members=[users["erik"]])
    bereavement = do_create_team(org, "Nabestaanden", members=[users["fleur"]])
    org.default_team = service
    org.save(update_fields=["default_team"])

    hendrik = do_create_customer(
        org,
        actor=None,
        name="Hendrik Bakker",
        date_of_birth=date(1941, 3, 2),
        postcode="9711AB",
        identities=[("email", "h.bakker@example.nl"), ("phone", "050 312 4567")],
    )
    do_add_subscription(
        hendrik, product="Stroomcontract Groen 3 jaar", reference="EN-STR-204811", started_on=date(2024, 3, 1)
    )
    do_add_subscription(hendrik, product="Gascontract variabel", reference="EN-GAS-204812", started_on=date(2024, 3, 1))
    do_add_subscription(hendrik, product="Slimme thermostaat (huur)", reference="EN-THM-77120")
    greet = do_create_customer(org, actor=None, name="Greet Bakker", identities=[("email", "greet.bakker@example.nl")])
    _inbound(
        org,
        "email",
        "email",
        "greet.bakker@example.nl",
        "Geachte heer, mevrouw,\n\nMijn man Hendrik Bakker is op 18 november overleden. Wilt u de contracten "
        "op zijn naam beëindigen of op mijn naam zetten? De akte van overlijden stuur ik mee.\n\nGreet Bakker",
        "demo-greet-1",
        subject="Overlijden Hendrik Bakker",
        ago=timedelta(days=1, hours=4),
    )
    report = greet.cases.get()
    do_hand_over(
        report,
        actor=users["erik"],
        to_user=users["fleur"],
        reason=Handover.Reason.EXPERTISE,
        note="Overlijdensmelding: Fleur is de vaste specialist voor nabestaanden.",
    )
    do_mark_deceased(hendrik, date_of_death=date(2026, 11, 18), actor=users["fleur"])
    do_open_case(
        org,
        hendrik,
        subject="Contracten afhandelen na overlijden",
        actor=users["fleur"],
        owner=users["fleur"],
        team=bereavement,
    )
    frank = do_create_customer(
        org, actor=None, name="Frank de Groot", identities=[("email", "frank.degroot@example.nl")]
    )
    _bereavement(org, bereavement)
    do_open_case(org, frank, subject="Jaarafrekening lijkt te hoog", actor=users["erik"], owner=users["erik"])


def _bereavement(org: Organization, team: Team) -> None:
    """The bereavement team, and a report from a notary's office waiting for the specialist's
    confirmation: two customers of the same name are its candidates."""
    do_set_bereavement_team(org, team)
    willem = do_create_customer(
        org,
        actor=None,
        name="Willem Jansen",
        date_of_birth=date(1938, 7, 14),
        postcode="9722CD",
        identities=[("email", "w.jansen@example.nl")],
    )
    do_add_subscription(willem, product="Stroomcontract vast 1 jaar", reference="EN-STR-310077")
    do_create_customer(org, actor=None, name="Willem Jansen", date_of_birth=date(1990, 2, 1), postcode="9401AA")
    do_report_death(
        org,
        DeathReport(
            deceased_name="Willem Jansen",
            date_of_death=date(2026, 11, 24),
            deceased_date_of_birth=date(1938, 7, 14),
            deceased_postcode="9722 CD",
            reporter_name="Notariskantoor Hoekstra",
            reporter_email="nalatenschap@hoekstra-notarissen.example",
            relation="notaris",
            mandate=DeathNotification.Mandate.EXECUTOR,
        ),
        source=DeathNotification.Source.WEB,
        actor=None,
    )
