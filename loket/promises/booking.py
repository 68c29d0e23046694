"""Customer-booked callbacks: a signed link, the slots it offers, booking, moving, cancelling.

The link (``/terugbellen/<token>/``) carries a signed token naming one ``BookingLink`` row and
its random nonce; a changed character fails the signature, a guessed id fails the nonce. One
link makes one booking: afterwards it shows that booking, which the customer can move or
cancel; after a cancellation the link is used up. Slots come from the team's opening hours
(``accounts/hours.py``, Dutch holidays included), ``PROMISE_SLOT_MINUTES`` long, each taking
at most ``PROMISE_SLOT_CAPACITY`` callbacks of the team.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from loket.accounts import hours
from loket.accounts.models import Membership, Team
from loket.accounts.selectors import business_hours_for
from loket.cases.models import Case
from loket.customers.models import Identity
from loket.promises import notify
from loket.promises.actions import (
    do_cancel_promise,
    do_make_promise,
    do_renegotiate_promise,
    require_writer,
)
from loket.promises.models import BookingLink, Notification, Promise

SALT = "loket.promises.booking"
LINK_DAYS = 30


class BookingError(Exception):
    """Why a booking link or a slot cannot be used; ``reason`` is shown to the customer."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


# --- Links --------------------------------------------------------------------------------------


def token_for(link: BookingLink) -> str:
    # No timestamp in it (the row has the expiry): every mail about a booking carries the same link.
    return signing.Signer(salt=SALT).sign_object({"l": link.pk, "n": link.nonce})


def url_for(link: BookingLink) -> str:
    return f"{settings.SITE_URL}/terugbellen/{token_for(link)}/"


def open_link(token: str, now: datetime | None = None) -> BookingLink:
    """The link a token names, or BookingError (tampered, unknown, expired)."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(token)
        link_id, nonce = int(data["l"]), str(data["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BookingError(_("Deze link is niet geldig. Gebruik de link uit uw bericht, ongewijzigd."), 404) from None
    from loket.promises.selectors import find_booking_link

    link = find_booking_link(link_id, nonce)
    if link is None:
        raise BookingError(_("Deze link is niet geldig. Gebruik de link uit uw bericht, ongewijzigd."), 404)
    if link.expires_at <= (now or timezone.now()) and link.promise_id is None:
        raise BookingError(_("Deze link is verlopen. Neem contact met ons op voor een nieuwe."), 410)
    return link


def customer_email(case: Case) -> str:
    identity = (
        Identity.objects.filter(customer_id=case.customer_id, kind="email").order_by("-pk").values("value").first()
    )
    return identity["value"] if identity else ""


def do_create_booking_link(case: Case, *, email: str = "", team: Team | None = None) -> BookingLink:
    now = timezone.now()
    return BookingLink.objects.create(
        organization_id=case.organization_id,
        case=case,
        team=team or case.team,
        nonce=secrets.token_hex(12),
        email=email or customer_email(case),
        expires_at=now + timedelta(days=LINK_DAYS),
    )


def check_send_booking_link(membership: Membership, case: Case) -> BookingLink:
    """Create a link and send it to the customer as a reply on the case's channel."""
    from loket.cases.actions import check_reply

    require_writer(membership)
    if not case.is_open:
        raise ValidationError(_("Deze zaak is afgesloten: heropen haar eerst."))
    with transaction.atomic():
        link = do_create_booking_link(case)
        text = _(
            "Kies hier zelf een moment waarop wij u terugbellen: %(url)s\nVia dezelfde link kunt u het moment later "
            "verplaatsen of annuleren."
        ) % {"url": url_for(link)}
        check_reply(membership, case, text=text)
    return link


# --- Slots --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    start: datetime
    end: datetime
    free: int

    @property
    def key(self) -> str:
        return self.start.astimezone(UTC).strftime("%Y%m%dT%H%MZ")


def parse_key(key: str) -> datetime:
    try:
        return datetime.strptime(key, "%Y%m%dT%H%MZ").replace(tzinfo=UTC)
    except (ValueError, TypeError):
        raise BookingError(_("Kies een moment uit de lijst.")) from None


def slots(link: BookingLink, now: datetime | None = None, days: int | None = None) -> list[Slot]:
    """The bookable slots from now on: in the team's opening hours, not full. Two queries."""
    now = now or timezone.now()
    calendar = business_hours_for(link.organization_id, link.team_id)
    length = timedelta(minutes=settings.PROMISE_SLOT_MINUTES)
    first = timezone.localtime(now).date()
    candidates: list[tuple[datetime, datetime]] = []
    for offset in range(days or settings.PROMISE_BOOKING_DAYS):
        day: date = first + timedelta(days=offset)
        for opens, closes in hours.opening_times(calendar, day):
            start = opens
            while start + length <= closes:
                if start > now:
                    candidates.append((start, start + length))
                start += length
    if not candidates:
        return []
    taken = _taken(link, [c[0] for c in candidates])
    capacity = settings.PROMISE_SLOT_CAPACITY
    return [Slot(s, e, capacity - taken.get(s, 0)) for s, e in candidates if taken.get(s, 0) < capacity]


def _taken(link: BookingLink, starts: list[datetime]) -> dict[datetime, int]:
    rows = (
        Promise.objects.for_org(link.organization_id)
        .filter(
            kind=Promise.Kind.CALLBACK,
            status=Promise.Status.OPEN,
            due_from__gte=min(starts),
            due_from__lte=max(starts),
            case__team_id=link.team_id,
        )
        .values("due_from")
        .annotate(n=Count("pk"))
    )
    return {row["due_from"]: row["n"] for row in rows}


def _choose(link: BookingLink, key: str, now: datetime) -> Slot:
    start = parse_key(key)
    calendar = business_hours_for(link.organization_id, link.team_id)
    if not hours.is_open(calendar, start) or start <= now:
        raise BookingError(_("Op dit moment zijn wij niet bereikbaar: kies een moment uit de lijst."))
    offered = {slot.start: slot for slot in slots(link, now, days=(start.date() - now.date()).days + 2)}
    slot = offered.get(start)
    if slot is None:
        raise BookingError(_("Dit moment is inmiddels vol of niet beschikbaar: kies een ander moment."))
    return slot


# --- Booking, moving, cancelling -------------------------------------------------------------


def do_book(link: BookingLink, key: str, *, now: datetime | None = None) -> Promise:
    """Book the slot: a callback promise on the link's case. Nothing is stored on an error."""
    now = now or timezone.now()
    with transaction.atomic():
        link = _lock(link)
        if link.promise_id is not None or link.used_up_at is not None:
            raise BookingError(_("Deze link is al gebruikt. U kunt uw afspraak hieronder verplaatsen of annuleren."))
        slot = _choose(link, key, now)
        promise = do_make_promise(
            link.case,
            actor=None,
            kind=Promise.Kind.CALLBACK,
            description=_("Terugbellen op het moment dat de klant koos."),
            due_from=slot.start,
            due_until=slot.end,
            source=Promise.Source.BOOKING,
        )
        link.promise = promise
        link.save(update_fields=["promise"])
        notify.store(notify.build(Notification.Kind.BOOKED, promise, link.case, notify.owner_of(promise)))
        transaction.on_commit(lambda: send_confirmation(link.pk))
    return promise


def do_move(link: BookingLink, key: str, *, now: datetime | None = None) -> Promise:
    now = now or timezone.now()
    with transaction.atomic():
        link = _lock(link)
        current = link.promise
        if current is None or current.status != Promise.Status.OPEN or link.used_up_at is not None:
            raise BookingError(_("Er is geen afspraak meer om te verplaatsen."))
        slot = _choose(link, key, now)
        promise = do_renegotiate_promise(
            current, actor=None, due_from=slot.start, due_until=slot.end, note=_("Verplaatst door de klant.")
        )
        link.promise = promise
        link.reminder_sent_at = None
        link.save(update_fields=["promise", "reminder_sent_at"])
        transaction.on_commit(lambda: send_confirmation(link.pk))
    return promise


def do_cancel(link: BookingLink) -> Promise:
    with transaction.atomic():
        link = _lock(link)
        current = link.promise
        if current is None or current.status != Promise.Status.OPEN or link.used_up_at is not None:
            raise BookingError(_("Er is geen afspraak meer om te annuleren."))
        promise = do_cancel_promise(current, actor=None, reason=_("Geannuleerd door de klant."))
        link.used_up_at = timezone.now()
        link.save(update_fields=["used_up_at"])
        transaction.on_commit(lambda: send_confirmation(link.pk, cancelled=True))
    return promise


def _lock(link: BookingLink) -> BookingLink:
    """The link row locked, and the team's row: two customers never overbook one slot."""
    if link.team_id:
        list(Team.objects.select_for_update().filter(pk=link.team_id))
    return (
        BookingLink.objects.select_for_update(of=("self",))
        .select_related("case__customer", "case__organization", "team", "promise")
        .get(pk=link.pk)
    )


# --- Confirmation, invitation, reminder ---------------------------------------------------------


def invitation(link: BookingLink, promise: Promise, *, cancelled: bool = False) -> bytes:
    """The ICS invitation (RFC 5545) of the booked call; the same UID on every change."""
    from icalendar import Calendar, Event, vCalAddress

    organization = link.case.organization
    calendar = Calendar()
    calendar.add("prodid", "-//Loket//Toezeggingen//NL")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    event.add("uid", f"booking-{link.pk}@loket")
    event.add("sequence", _sequence(promise) + (1 if cancelled else 0))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", promise.due_from)
    event.add("dtend", promise.due_until)
    event.add("summary", _("%(organization)s belt u terug") % {"organization": organization.name})
    event.add(
        "description",
        _("Over: %(subject)s (zaak %(number)s). Verplaatsen of annuleren: %(url)s")
        % {"subject": link.case.subject, "number": link.case.number, "url": url_for(link)},
    )
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{_address(settings.DEFAULT_FROM_EMAIL)}")
    organizer.params["cn"] = organization.name
    event.add("organizer", organizer)
    if link.email:
        event.add("attendee", vCalAddress(f"mailto:{link.email}"))
    calendar.add_component(event)
    return calendar.to_ical()


def _sequence(promise: Promise) -> int:
    """How often the booking changed: the promises it replaced (a move is a renegotiation)."""
    count, current = 0, promise
    while current.replaces_id is not None and count < 100:
        current = Promise.objects.only("replaces_id").get(pk=current.replaces_id)
        count += 1
    return count


def _address(sender: str) -> str:
    return sender.split("<")[-1].rstrip(">").strip()


def send_confirmation(link_id: int, *, cancelled: bool = False) -> bool:
    """The customer's confirmation: what was promised and when, with the invitation attached."""
    link = BookingLink.objects.select_related("case__organization", "promise").get(pk=link_id)
    promise = link.promise
    if not link.email or promise is None:
        return False
    organization = link.case.organization
    moment = _moment(promise)
    if cancelled:
        subject = _("Geannuleerd: terugbelafspraak %(moment)s") % {"moment": moment}
        body = _("U heeft de terugbelafspraak van %(moment)s geannuleerd.") % {"moment": moment}
    else:
        subject = _("Bevestiging: wij bellen u terug op %(moment)s") % {"moment": moment}
        body = _(
            "Wij hebben u toegezegd: %(organization)s belt u terug op %(moment)s, over %(subject)s "
            "(zaak %(number)s).\n\nVerplaatsen of annuleren kan via: %(url)s"
        ) % {
            "organization": organization.name,
            "moment": moment,
            "subject": link.case.subject,
            "number": link.case.number,
            "url": url_for(link),
        }
    mail = EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [link.email])
    method = "CANCEL" if cancelled else "REQUEST"
    mail.attach("uitnodiging.ics", invitation(link, promise, cancelled=cancelled), f"text/calendar; method={method}")
    mail.send()
    return True


def _moment(promise: Promise) -> str:
    start = timezone.localtime(promise.due_from or promise.due_until)
    end = timezone.localtime(promise.due_until)
    return f"{formats.date_format(start, 'l j F Y H:i')}\u2013{end:%H:%M}"  # an en dash


REMINDER_BEFORE = timedelta(hours=2)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind customers of a booked call two hours before it (once: the row is claimed first)."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            BookingLink.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                reminder_sent_at__isnull=True,
                used_up_at__isnull=True,
                promise__status=Promise.Status.OPEN,
                promise__due_from__lte=now + REMINDER_BEFORE,
                promise__due_from__gt=now,
            )
            .exclude(email="")
            .select_related("promise", "case__organization")[:200]
        )
        for link in due:
            BookingLink.objects.filter(pk=link.pk).update(reminder_sent_at=now)
        ids = [link.pk for link in due]
        transaction.on_commit(lambda: _send_reminders(ids))
        sent = len(due)
    return sent


def _send_reminders(ids: list[int]) -> None:
    for link_id in ids:
        _send_reminder(link_id)


def _send_reminder(link_id: int) -> None:
    link = BookingLink.objects.select_related("case__organization", "promise").get(pk=link_id)
    assert link.promise is not None
    moment = _moment(link.promise)
    subject = _("Herinnering: wij bellen u terug op %(moment)s") % {"moment": moment}
    body = _("%(organization)s belt u terug op %(moment)s. Verplaatsen of annuleren kan via: %(url)s") % {
        "organization": link.case.organization.name,
        "moment": moment,
        "url": url_for(link),
    }
    EmailMultiAlternatives(subject, body, settings.DEFAULT_FROM_EMAIL, [link.email]).send()
