"""E-mail out: a reply written in the desk leaves as a proper e-mail in the customer's thread.

The outbox (``loket.cases.tasks.deliver_message``) calls ``EmailAdapter.send`` for every
queued outbound e-mail message. The e-mail is built here from the case:

- From the mailbox the customer wrote to (else the team's, else the organisation's first),
  with its sender name and signature; Reply-To ``address+<case number>@domain`` so that a
  reply finds its case even when the subject was changed (the mailbox can turn this off).
- Subject ``Re: <case subject> [Z-2026-000123]``: the case token threads a reply whose
  client dropped the headers.
- ``Message-ID`` derived from the message (the same on every retry, so a retry after a crash
  is not a second thread), ``In-Reply-To`` the customer's last e-mail, ``References`` the case's
  e-mails: the customer's client shows one conversation.
- Loket's own automatic mails (the acknowledgement) carry ``Auto-Submitted: auto-replied``
  (RFC 3834), so that other systems do not answer them.

Sent through Django's e-mail backend (``EMAIL_BACKEND``: SMTP by default, or an anymail
provider). A refusal (5xx) is permanent and shows on the message; anything else is retried
with backoff by the outbox.
"""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass, field
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailInvalidAddress, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from loket.cases.models import Message
from loket.customers.models import Identity
from loket.integrations.base import ChannelAdapter, DeliveryError
from loket.integrations.email.counts import count_one
from loket.integrations.models import InboundDelivery, Mailbox

if TYPE_CHECKING:
    from loket.cases.models import Case

REFERENCES_KEPT = 20  # the first e-mail of the case and the latest ones: enough for every client


class EmailAdapter(ChannelAdapter):
    channel = "email"
    label = "E-mail"

    def send(self, message: Message) -> str:
        email, mailbox = compose(message)
        try:
            self._send(email)
        except DeliveryError as error:
            if error.permanent and mailbox is not None:
                count_one(mailbox, "failed")
            raise
        if mailbox is not None:
            count_one(mailbox, "sent")
        return email.extra_headers["Message-ID"]

    def _send(self, email: EmailMessage) -> None:
        try:
            email.send(fail_silently=False)
            _check_provider_status(email)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            detail = "; ".join(
                f"{address}: {code} {_decode(text)}" for address, (code, text) in error.recipients.items()
            )
            raise DeliveryError(detail, permanent=all(500 <= code < 600 for code in codes)) from error
        except smtplib.SMTPResponseException as error:
            detail = f"{error.smtp_code} {_decode(error.smtp_error)}"
            raise DeliveryError(detail, permanent=500 <= error.smtp_code < 600) from error
        except (AnymailRecipientsRefused, AnymailInvalidAddress) as error:  # the provider will never send it
            raise DeliveryError(_one_line(error), permanent=True) from error
        except AnymailAPIError as error:
            # The provider's answer: a 4xx is about this message (a refused sender, a bad field)
            # and is not retried, except those about Loket's account or the provider's load:
            # 401/403 (a key to fix, retried meanwhile), 408 and 429. A 5xx, no answer: retried.
            status = error.status_code
            permanent = status is not None and 400 <= status < 500 and status not in (401, 403, 408, 429)
            raise DeliveryError(_one_line(error), permanent=permanent) from error
        except AnymailError as error:  # configuration (a missing API key): retried until fixed, then failed
            raise DeliveryError(_one_line(error), permanent=False) from error
        # After anymail's: its API errors are OSErrors too (requests' HTTPError).
        except (smtplib.SMTPException, OSError) as error:  # connection refused, timeout, TLS: try again later
            raise DeliveryError(f"{type(error).__name__}: {error}", permanent=False) from error


def _check_provider_status(email: EmailMessage) -> None:
    """A provider may take the request and still refuse the customer's address: Postmark, for
    one, sends nothing when an address once bounced hard ("inactive"), and anymail reports that
    per recipient rather than raising while a Cc'd address is fine. The customer is the To."""
    status = getattr(email, "anymail_status", None)
    recipients = {address.lower(): value for address, value in (getattr(status, "recipients", None) or {}).items()}
    for address in [parseaddr(to)[1].lower() for to in email.to]:
        refused = recipients.get(address)
        if refused is not None and refused.status in ("rejected", "invalid", "failed"):
            detail = _("%(address)s: geweigerd door de e-mailprovider (%(status)s)")
            raise DeliveryError(detail % {"address": address, "status": refused.status}, permanent=True)


def _one_line(error: Exception) -> str:
    """Anymail's description (the provider's status and answer, JSON over several lines) as
    one line for the message's delivery error."""
    return " ".join(str(error).split())[:500]


def _decode(text: bytes | str) -> str:
    return text.decode("utf-8", errors="replace") if isinstance(text, bytes) else str(text)


# --- composing -----------------------------------------------------------------------------------


@dataclass
class Thread:
    """What an outbound e-mail needs to know about the case's earlier e-mails."""

    mailbox: Mailbox | None
    to: str
    to_name: str
    cc: list[str] = field(default_factory=list)
    message_ids: list[str] = field(default_factory=list)  # oldest first
    last_inbound: Message | None = None


def compose(message: Message) -> tuple[EmailMessage, Mailbox | None]:
    """The e-mail for an outbound message of a case (see the module's docstring), and the
    mailbox it is sent from (None: from DEFAULT_FROM_EMAIL, the organisation has none)."""
    case = message.case
    thread = thread_of(message)
    mailbox = thread.mailbox
    from_address = mailbox.address if mailbox else _address_of(settings.DEFAULT_FROM_EMAIL)
    from_email, reply_to = _sender(case, mailbox)
    message_id = message_id_for(message, from_address)
    with translation.override(case.customer.language or settings.LANGUAGE_CODE):
        subject = (message.automatic and _survey_subject(message)) or subject_for(case, automatic=message.automatic)
        body = _body(message, thread)
    headers = {"Message-ID": message_id, "X-Loket-Case": case.number}
    if thread.message_ids:
        headers["In-Reply-To"] = (
            thread.last_inbound.external_id if thread.last_inbound is not None else thread.message_ids[-1]
        )
        kept = thread.message_ids[:1] + thread.message_ids[1:][-(REFERENCES_KEPT - 1) :]
        headers["References"] = " ".join(kept)
    if message.automatic:
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: machines must not answer this
        headers["X-Auto-Response-Suppress"] = "All"  # Exchange: no out-of-office reply to it
    email = EmailMessage(
        subject=subject,
        body=body,
        from_email=from_email,
        to=[formataddr((thread.to_name, thread.to)) if thread.to_name else thread.to],
        cc=thread.cc,
        reply_to=reply_to,
        headers=headers,
    )
    return email, mailbox


def _survey_subject(message: Message) -> str:
    """A survey invitation (an automatic message of the monitor) asks, rather than acknowledges."""
    from loket.monitor.models import SurveyInvitation

    if not SurveyInvitation.objects.filter(message=message).exists():
        return ""
    return _("Hoe hebben we u geholpen? [%(number)s]") % {"number": message.case.number}


def sender_of(case: Case) -> tuple[str, list[str]]:
    """(From, Reply-To) of Loket's mail about ``case`` (a reply, the web chat's transcript): the
    mailbox the customer wrote to, else the team's, else the organisation's first, else
    DEFAULT_FROM_EMAIL; Reply-To the mailbox's address for the case, so an answer finds it."""
    return _sender(case, _mailbox_for(case))


def _sender(case: Case, mailbox: Mailbox | None) -> tuple[str, list[str]]:
    from_address = mailbox.address if mailbox else _address_of(settings.DEFAULT_FROM_EMAIL)
    sender_name = (mailbox.sender_name if mailbox else "") or case.organization.name
    reply_to = [formataddr((sender_name, _plus_address(mailbox, case.number)))] if mailbox else []
    return formataddr((sender_name, from_address)), reply_to


def thread_of(message: Message) -> Thread:
    """The case's earlier e-mails: who to answer, whom to copy, which ids to refer to."""
    case = message.case
    earlier = list(
        Message.objects.filter(case=case, channel="email", created_at__lte=message.created_at)
        .exclude(pk=message.pk)
        .exclude(kind=Message.Kind.NOTE)
        .select_related("identity__customer")
        .order_by("created_at", "pk")
    )
    inbound = [m for m in earlier if m.kind == Message.Kind.INBOUND and m.identity is not None]
    last_inbound = inbound[-1] if inbound else None
    mailbox = _mailbox_for(case)
    own = {mailbox.address} if mailbox else set()
    if last_inbound is not None:
        assert last_inbound.identity is not None
        to, to_name = last_inbound.identity.value, last_inbound.identity.customer.name
        cc = [address for address in last_inbound.cc if address not in own and address != to]
    else:
        identity = (
            Identity.objects.filter(customer=case.customer, kind=Identity.Kind.EMAIL).order_by("created_at").first()
        )
        if identity is None:
            raise DeliveryError(_("De klant heeft geen e-mailadres."), permanent=True)
        to, to_name, cc = identity.value, case.customer.name, []
    return Thread(
        mailbox=mailbox,
        to=to,
        to_name=to_name,
        cc=cc,
        message_ids=[m.external_id for m in earlier if m.external_id],
        last_inbound=last_inbound,
    )


def _mailbox_for(case: Case) -> Mailbox | None:
    """The mailbox the customer last wrote to; else the case team's; else the organisation's first."""
    delivery = (
        InboundDelivery.objects.filter(message__case=case, mailbox__is_active=True)
        .select_related("mailbox")
        .order_by("-pk")
        .first()
    )
    if delivery is not None and delivery.mailbox is not None:
        return delivery.mailbox
    mailboxes = Mailbox.objects.filter(organization_id=case.organization_id, is_active=True)
    team_mailbox = mailboxes.filter(team_id=case.team_id).first() if case.team_id else None
    return team_mailbox or mailboxes.first()


def message_id_for(message: Message, from_address: str) -> str:
    """``<z-2026-000123.42.1f0c…@domain>``: unique to this installation, the same on every retry."""
    if message.external_id:
        return message.external_id
    digest = salted_hmac("loket.email.message-id", f"{message.organization_id}:{message.pk}").hexdigest()[:16]
    domain = from_address.rpartition("@")[2] or "loket.invalid"
    return f"<{message.case.number.lower()}.{message.pk}.{digest}@{domain}>"


def subject_for(case: Case, *, automatic: bool = False) -> str:
    token = f"[{case.number}]"
    subject = case.subject.replace(token, "").strip()
    if automatic:
        return _("Ontvangen: %(subject)s %(token)s") % {"subject": subject, "token": token}
    if not re.match(r"(?i)^(re|aw|antw|sv)\s*:", subject):
        subject = f"Re: {subject}"
    return f"{subject} {token}"


def _plus_address(mailbox: Mailbox, number: str) -> str:
    if not mailbox.plus_addressing:
        return mailbox.address
    local, _at, domain = mailbox.address.partition("@")
    return f"{local}+{number.lower()}@{domain}"


def _address_of(value: str) -> str:
    match = re.search(r"<([^<>]+)>", value)
    return match.group(1) if match else value.strip()


def _body(message: Message, thread: Thread) -> str:
    parts = [message.text.rstrip()]
    mailbox = thread.mailbox
    if mailbox is not None and mailbox.signature.strip():
        parts.append("-- \n" + mailbox.signature.strip())  # "-- " marks a signature for mail clients
    quoted = thread.last_inbound
    if quoted is not None and mailbox is not None and mailbox.quote_history and not message.automatic:
        assert quoted.identity is not None
        when = localtime(quoted.created_at)
        header = _("Op %(date)s om %(time)s schreef %(name)s:") % {
            "date": date_format(when, "j F Y"),
            "time": date_format(when, "H:i"),
            "name": formataddr((quoted.identity.customer.name, quoted.identity.value)),
        }
        lines = quoted.text.strip().splitlines()
        parts.append(header + "\n" + "\n".join(f"> {line}" if line else ">" for line in lines))
    return "\n\n".join(parts) + "\n"
