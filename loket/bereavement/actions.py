"""Writes of the bereavement workflow: report a death, confirm or undo a match, the team.

1. ``check_report_death`` (public form, desk, API) validates a report and calls
   ``do_report_death``: the reporter becomes a customer (the next of kin), a bereavement case
   opens for them, owned by a specialist of the bereavement team, and they get a confirmation
   by e-mail with the case number and the specialist's name. An unmatched report is a case too.
2. ``check_confirm_match`` → ``do_confirm_match``: the specialist picks the customer; only now
   is the customer marked deceased (``customer.deceased`` goes out to billing systems) and are
   their other open cases linked to the bereavement case.
   Those cases are handed over to the specialist (counted handovers, with the reason), so
   that what still arrives on them reaches the one person who settles everything.
3. ``do_undo_match`` reverses exactly that: the customer is active again
   (``customer.deceased_undone``), the cases the specialist took over go back to their
   previous owners, and the links are removed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loket.accounts.models import Membership, Organization, Role, Team, User
from loket.bereavement.models import BereavementSettings, DeathNotification, LinkedCase, SubscriptionAction
from loket.cases.actions import do_hand_over, do_open_case, do_reply, require_writer
from loket.cases.files import safe_filename
from loket.cases.models import Case, Handover
from loket.customers.actions import do_create_customer, resolve_identity
from loket.customers.models import Customer, Subscription
from loket.customers.normalize import normalize_identity
from loket.events.actions import record_event

logger = logging.getLogger(__name__)

DOCUMENT_TYPES = {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/tiff"}


@dataclass
class DeathReport:
    """A report as any form or the API gives it (strings stripped, dates parsed)."""

    deceased_name: str
    date_of_death: date | None
    reporter_name: str
    deceased_date_of_birth: date | None = None
    deceased_address: str = ""
    deceased_postcode: str = ""
    deceased_customer_number: str = ""
    deceased_email: str = ""
    deceased_phone: str = ""
    reporter_email: str = ""
    reporter_phone: str = ""
    relation: str = ""
    mandate: str = DeathNotification.Mandate.NONE
    preferred_contact: str = DeathNotification.Contact.EMAIL


@dataclass
class Document:
    name: str
    content: bytes


def sniff_document(content: bytes) -> str:
    """What the bytes are (their magic numbers), whatever the sender declared."""
    import puremagic

    try:
        return puremagic.from_string(content[:8192], mime=True) or ""
    except (puremagic.PureError, ValueError):
        return ""


def validate_report(report: DeathReport, document: Document | None) -> dict[str, list[str]]:
    """Every problem of a report, by field (empty: fine)."""
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if not report.deceased_name.strip():
        add("deceased_name", _("Vul de naam van de overledene in."))
    if report.date_of_death is None:
        add("date_of_death", _("Vul de overlijdensdatum in."))
    elif report.date_of_death > timezone.localdate():
        add("date_of_death", _("De overlijdensdatum kan niet in de toekomst liggen."))
    birth = report.deceased_date_of_birth
    if birth is not None and (birth > timezone.localdate() or (report.date_of_death and birth > report.date_of_death)):
        add("deceased_date_of_birth", _("De geboortedatum ligt na de overlijdensdatum."))
    if not report.reporter_name.strip():
        add("reporter_name", _("Vul uw naam in."))
    if not report.reporter_email and not report.reporter_phone:
        add("reporter_email", _("Vul een e-mailadres of telefoonnummer in, zodat we contact met u kunnen opnemen."))
    if report.reporter_email:
        try:
            validate_email(report.reporter_email)
        except ValidationError:
            add("reporter_email", _("Dit is geen geldig e-mailadres."))
    for name in ("reporter_phone", "deceased_phone"):
        value = getattr(report, name)
        if value:
            try:
                normalize_identity("phone", value)
            except ValidationError:
                add(name, _("Dit is geen geldig telefoonnummer."))
    if report.mandate not in DeathNotification.Mandate.values:
        add("mandate", _("Kies hoe u gemachtigd bent."))
    if report.preferred_contact not in DeathNotification.Contact.values:
        add("preferred_contact", _("Kies hoe we contact met u opnemen."))
    elif report.preferred_contact == DeathNotification.Contact.PHONE and not report.reporter_phone:
        add("reporter_phone", _("Vul uw telefoonnummer in als u gebeld wilt worden."))
    if document is not None:
        limit = settings.BEREAVEMENT_DOCUMENT_MAX_BYTES
        if len(document.content) > limit:
            add("document", _("Het document is te groot (hoogstens %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
        elif sniff_document(document.content) not in DOCUMENT_TYPES:
            add("document", _("Stuur de akte of machtiging als pdf of als foto (jpg, png)."))
    return errors


def bereavement_team(organization: Organization) -> Team | None:
    row = BereavementSettings.objects.for_org(organization).select_related("team").first()
    return row.team if row is not None else None


def pick_specialist(team: Team) -> User | None:
    """The member of the bereavement team who may handle cases and owns the fewest open ones."""
    return (
        User.objects.filter(
            teams=team,
            memberships__organization_id=team.organization_id,
            memberships__is_active=True,
        )
        .exclude(memberships__organization_id=team.organization_id, memberships__role=Role.VIEWER)
        .annotate(
            open_cases=Count(
                "owned_cases",
                filter=Q(owned_cases__organization_id=team.organization_id, owned_cases__status__in=Case.OPEN_STATUSES),
            )
        )
        .order_by("open_cases", "pk")
        .first()
    )


def _reporter(organization: Organization, report: DeathReport, actor: User | None) -> Customer:
    """The next of kin as a customer of their own: found by their address, else made."""
    name = report.reporter_name.strip()
    if report.reporter_email:
        return resolve_identity(organization, "email", report.reporter_email, name=name, actor=actor).customer
    if report.reporter_phone:
        return resolve_identity(organization, "phone", report.reporter_phone, name=name, actor=actor).customer
    return do_create_customer(organization, actor=actor, name=name)  # pragma: no cover - validation asks for one


def confirmation_text(notification: DeathNotification) -> str:
    case = notification.case
    specialist = case.owner.display_name if case.owner else _("een van onze specialisten")
    return _(
        "Beste %(reporter)s,\n\n"
        "Gecondoleerd met het verlies van %(deceased)s. Wij hebben uw melding van het overlijden ontvangen "
        "en vastgelegd onder zaaknummer %(number)s.\n\n"
        "%(specialist)s is uw vaste contactpersoon en regelt alles wat %(deceased)s bij ons had. "
        "U hoeft het verhaal niet opnieuw te vertellen: beantwoord deze e-mail en uw bericht komt bij "
        "dezelfde persoon.\n\n"
        "Met vriendelijke groet,\n%(organization)s"
    ) % {
        "reporter": notification.reporter_name,
        "deceased": notification.deceased_name,
        "number": case.number,
        "specialist": specialist,
        "organization": case.organization.name,
    }


def do_report_death(
    organization: Organization,
    report: DeathReport,
    *,
    source: str,
    actor: User | None,
    document: Document | None = None,
) -> DeathNotification:
    """Store a (validated) report as a bereavement case and queue the reporter's confirmation."""
    assert report.date_of_death is not None, "validate_report first"
    team = bereavement_team(organization)
    specialist = pick_specialist(team) if team is not None else None
    with transaction.atomic():
        reporter = _reporter(organization, report, actor)
        case = do_open_case(
            organization,
            reporter,
            subject=_("Overlijden van %(name)s") % {"name": report.deceased_name.strip()},
            actor=actor,
            owner=specialist,
            team=team,
            priority=Case.Priority.HIGH,
            reason="overlijden",
        )
        notification = DeathNotification(
            organization=organization,
            case=case,
            source=source,
            deceased_name=report.deceased_name.strip()[:200],
            deceased_date_of_birth=report.deceased_date_of_birth,
            deceased_address=report.deceased_address.strip()[:300],
            deceased_postcode=normalize_postcode(report.deceased_postcode),
            deceased_customer_number=report.deceased_customer_number.strip()[:100],
            deceased_email=report.deceased_email.strip().lower()[:320],
            deceased_phone=report.deceased_phone.strip()[:40],
            date_of_death=report.date_of_death,
            reporter_name=report.reporter_name.strip()[:200],
            reporter_email=report.reporter_email.strip().lower()[:320],
            reporter_phone=report.reporter_phone.strip()[:40],
            relation=report.relation.strip()[:100],
            mandate=report.mandate,
            preferred_contact=report.preferred_contact,
        )
        if document is not None:
            name = safe_filename(document.name)
            notification.document_name = name
            notification.document_type = sniff_document(document.content)
            notification.document_size = len(document.content)
            notification.document.save(name, ContentFile(document.content), save=False)
        notification.save()
        record_event(
            organization,
            "bereavement.reported",
            actor=actor,
            case=case,
            data={
                "notification_id": notification.pk,
                "source": source,
                "deceased_name": notification.deceased_name,
                "date_of_death": notification.date_of_death.isoformat(),
                "specialist": specialist.display_name if specialist else None,
            },
        )
        if notification.reporter_email:
            with translation.override(reporter.language or settings.LANGUAGE_CODE):
                text = confirmation_text(notification)
            do_reply(case, actor=None, text=text, channel="email", automatic=True)
    return notification


def normalize_postcode(value: str) -> str:
    """Dutch postcodes as ``1234AB`` (spaces and case never stop a match)."""
    return "".join(value.split()).upper()[:10]


def check_report_death(
    organization: Organization,
    report: DeathReport,
    *,
    source: str,
    membership: Membership | None = None,
    document: Document | None = None,
) -> DeathNotification:
    """Validate a report (ValidationError by field) and store it. ``membership`` is the agent
    taking the call or the API token's; the public form has none."""
    if membership is not None:
        require_writer(membership)
        if membership.organization_id != organization.pk:
            raise PermissionDenied
    errors = validate_report(report, document)
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return do_report_death(
        organization, report, source=source, actor=membership.user if membership else None, document=document
    )


# --- Matching -------------------------------------------------------------------------------


def is_specialist(membership: Membership) -> bool:
    """A member of the bereavement team (who alone sees the documents and confirms matches)."""
    team = bereavement_team(membership.organization)
    return team is not None and membership.is_active and team.members.filter(pk=membership.user_id).exists()


def check_confirm_match(
    membership: Membership, notification: DeathNotification, customer: Customer
) -> DeathNotification:
    require_writer(membership)
    if not (is_specialist(membership) or membership.is_lead):
        raise PermissionDenied(_("Alleen het nabestaandenteam bevestigt een overlijden."))
    if customer.organization_id != notification.organization_id:
        raise PermissionDenied
    if notification.customer_id is not None:
        raise ValidationError(_("Deze melding is al aan een klant gekoppeld; maak dat eerst ongedaan."))
    if customer.is_deceased:
        raise ValidationError(_("Deze klant is al als overleden geregistreerd."))
    if customer.pk == notification.case.customer_id:
        raise ValidationError(_("Dit is de melder zelf."))
    return do_confirm_match(notification, customer, actor=membership.user)


def do_confirm_match(notification: DeathNotification, customer: Customer, *, actor: User | None) -> DeathNotification:
    """Mark ``customer`` deceased (the date of the report) and link their other open cases."""
    from loket.customers.actions import do_mark_deceased

    with transaction.atomic():
        do_mark_deceased(customer, date_of_death=notification.date_of_death, actor=actor)
        notification.customer = customer
        notification.matched_at = timezone.now()
        notification.matched_by = actor
        notification.save(update_fields=["customer", "matched_at", "matched_by"])
        others = list(
            Case.objects.for_org(notification.organization_id)
            .filter(customer=customer, status__in=Case.OPEN_STATUSES)
            .exclude(pk=notification.case_id)
            .select_related("owner")
            .order_by("pk")
        )
        specialist = notification.case.owner
        for case in others:
            LinkedCase.objects.create(
                organization_id=notification.organization_id,
                notification=notification,
                case=case,
                previous_owner_id=case.owner_id,
            )
            # One specialist settles everything: the deceased's open cases (and the messages that
            # still arrive on them) go to the owner of the bereavement case.
            if specialist is not None and case.owner_id != specialist.pk:
                with translation.override(settings.LANGUAGE_CODE):
                    note = _("Overleden klant: de specialist van zaak %(number)s handelt alles af.") % {
                        "number": notification.case.number
                    }
                do_hand_over(case, actor=actor, to_user=specialist, reason=Handover.Reason.EXPERTISE, note=note)
        record_event(
            notification.case.organization,
            "bereavement.matched",
            actor=actor,
            case=notification.case,
            customer=customer,
            data={
                "notification_id": notification.pk,
                "customer_id": customer.pk,
                "customer_name": customer.display_name,
                "linked_cases": [case.number for case in others],
            },
        )
    return notification


def check_undo_match(membership: Membership, notification: DeathNotification, *, reason: str) -> DeathNotification:
    require_writer(membership)
    if not (is_specialist(membership) or membership.is_lead):
        raise PermissionDenied(_("Alleen het nabestaandenteam maakt een koppeling ongedaan."))
    if notification.customer_id is None:
        raise ValidationError(_("Deze melding is niet aan een klant gekoppeld."))
    if not reason.strip():
        raise ValidationError({"reason": _("Geef aan waarom de koppeling niet klopte.")})
    if notification.subscription_actions.exists():
        raise ValidationError(
            _(
                "Er zijn al abonnementen van deze klant afgehandeld; die zet u in het facturatiesysteem "
                "terug, daarom maakt Loket deze koppeling niet meer ongedaan."
            )
        )
    return do_undo_match(notification, actor=membership.user, reason=reason.strip())


def do_undo_match(notification: DeathNotification, *, actor: User | None, reason: str) -> DeathNotification:
    """A wrong match: the customer is active again and the links go; billing systems hear it."""
    customer = notification.customer
    assert customer is not None
    with transaction.atomic():
        customer.status = Customer.Status.ACTIVE
        customer.date_of_death = None
        customer.updated_at = timezone.now()
        customer.save(update_fields=["status", "date_of_death", "updated_at"])
        record_event(
            notification.case.organization,
            "customer.deceased_undone",
            actor=actor,
            customer=customer,
            data={"reason": reason[:500]},
        )
        notification.customer = None
        notification.matched_at = None
        notification.matched_by = None
        notification.save(update_fields=["customer", "matched_at", "matched_by"])
        specialist_id = notification.case.owner_id
        for link in notification.links.select_related("case", "previous_owner").order_by("pk"):
            case = link.case
            if case.is_open and case.owner_id == specialist_id and link.previous_owner_id != specialist_id:
                with translation.override(settings.LANGUAGE_CODE):
                    note = _("Terug na een verkeerde koppeling van overlijdensmelding %(number)s.") % {
                        "number": notification.case.number
                    }
                do_hand_over(
                    case,
                    actor=actor,
                    to_user=link.previous_owner,
                    to_team=None if link.previous_owner else case.team,
                    reason=Handover.Reason.OTHER,
                    note=note,
                )
        notification.links.all().delete()
        record_event(
            notification.case.organization,
            "bereavement.match_undone",
            actor=actor,
            case=notification.case,
            data={
                "notification_id": notification.pk,
                "customer_id": customer.pk,
                "customer_name": customer.display_name,
                "reason": reason[:500],
            },
        )
    return notification


def do_set_bereavement_team(organization: Organization, team: Team) -> BereavementSettings:
    """Make ``team`` the organisation's bereavement team (and give it a public form key)."""
    if team.organization_id != organization.pk:
        raise ValidationError(_("Onbekend team."))
    row, _created = BereavementSettings.objects.update_or_create(organization=organization, defaults={"team": team})
    return row


# --- The subscriptions of the deceased -------------------------------------------------------


def check_settle_subscription(
    membership: Membership,
    notification: DeathNotification,
    subscription: Subscription,
    *,
    kind: str,
    on: date | None,
    transfer_to: str = "",
) -> SubscriptionAction:
    """End, transfer or keep one subscription of the confirmed deceased customer."""
    require_writer(membership)
    if not (is_specialist(membership) or membership.is_lead):
        raise PermissionDenied(_("Alleen het nabestaandenteam handelt abonnementen af."))
    if notification.customer_id is None or subscription.customer_id != notification.customer_id:
        raise ValidationError(_("Dit abonnement hoort niet bij de overleden klant van deze melding."))
    if SubscriptionAction.objects.filter(subscription=subscription).exists():
        raise ValidationError(_("Dit abonnement is al afgehandeld."))
    errors: dict[str, list[str]] = {}
    if kind not in SubscriptionAction.Kind.values:
        errors["kind"] = [_("Kies wat er met het abonnement gebeurt.")]
    if on is None and kind != SubscriptionAction.Kind.END:
        errors["on"] = [_("Kies een datum.")]
    if kind == SubscriptionAction.Kind.TRANSFER and not transfer_to.strip():
        errors["transfer_to"] = [_("Vul de naam in van wie het abonnement overneemt.")]
    if errors:
        raise ValidationError(errors)  # type: ignore[arg-type]
    return do_settle_subscription(
        notification,
        subscription,
        kind=kind,
        on=on or notification.date_of_death,
        transfer_to=transfer_to.strip(),
        actor=membership.user,
    )


def do_settle_subscription(
    notification: DeathNotification,
    subscription: Subscription,
    *,
    kind: str,
    on: date,
    transfer_to: str,
    actor: User | None,
) -> SubscriptionAction:
    """Record the decision and carry it out on the subscription; ``bereavement.subscription_settled``
    tells the billing system what to do (end on ``on``; move to the new customer; keep until ``on``)."""
    with transaction.atomic():
        new_customer = None
        if kind == SubscriptionAction.Kind.END:
            subscription.status = Subscription.Status.ENDED
            subscription.ended_on = on
        elif kind == SubscriptionAction.Kind.KEEP:
            subscription.ended_on = on
        else:
            new_customer = do_create_customer(notification.case.organization, actor=actor, name=transfer_to[:200])
            subscription.customer = new_customer
        subscription.save(update_fields=["status", "ended_on", "customer"])
        action = SubscriptionAction.objects.create(
            organization_id=notification.organization_id,
            notification=notification,
            subscription=subscription,
            kind=kind,
            on=on,
            transfer_to=new_customer,
            created_by=actor,
        )
        record_event(
            notification.case.organization,
            "bereavement.subscription_settled",
            actor=actor,
            case=notification.case,
            customer=notification.customer,
            data={
                "notification_id": notification.pk,
                "subscription_id": subscription.pk,
                "product": subscription.product,
                "reference": subscription.reference,
                "action": kind,
                "on": on.isoformat(),
                "transfer_to_customer_id": new_customer.pk if new_customer else None,
                "transfer_to_name": new_customer.name if new_customer else None,
            },
        )
    return action
