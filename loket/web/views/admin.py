"""Admin pages (role admin only): members, teams, opening hours, API tokens, webhooks, mailboxes,
channels.

Secrets (API tokens, webhook signing keys) are shown once, in the response to the POST that
made them, and never again.
"""

from __future__ import annotations

import json
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from loket.accounts import hours
from loket.accounts.actions import (
    check_add_member,
    check_change_role,
    check_create_member,
    check_create_team,
    check_create_token,
    check_remove_business_hours,
    check_revoke_token,
    check_set_business_hours,
    check_set_member_active,
    check_set_team_members,
)
from loket.accounts.models import BusinessHours, Role, Team
from loket.accounts.selectors import (
    access_membership,
    access_team,
    access_token,
    business_hours_row,
    calendar_of,
    list_member_choices,
    list_members,
    list_teams,
    list_tokens,
)
from loket.integrations.actions import check_retry_delivery
from loket.integrations.channel_accounts import (
    ACCOUNT_KINDS,
    account_kind,
    check_create_channel_account,
    check_set_channel_account_active,
    check_update_channel_account,
    connect_info,
    secret_hints,
    setting,
)
from loket.integrations.email.actions import (
    IMAP_SETTINGS,
    MAILBOX_SETTINGS,
    check_create_mailbox,
    check_remove_imap,
    check_set_imap,
    check_set_mailbox_active,
    check_update_mailbox,
)
from loket.integrations.models import ImapAccount
from loket.integrations.selectors import (
    access_channel_account,
    access_mailbox,
    access_quarantined,
    list_channel_accounts,
    list_mailboxes,
    list_quarantine,
)
from loket.web.access import DeskRequest, admin_required
from loket.web.forms import (
    ActiveForm,
    AddMemberForm,
    BusinessHoursForm,
    ChannelAccountForm,
    CreateMemberForm,
    ImapForm,
    MailboxForm,
    RoleForm,
    TeamForm,
    TeamMembersForm,
    TokenForm,
    WebhookForm,
    apply_errors,
)
from loket.web.paging import CappedPaginator
from loket.webhooks.actions import check_create_endpoint, check_delete_endpoint
from loket.webhooks.selectors import access_endpoint, list_deliveries, list_endpoints


def _try(form: Form, action: Any, **kwargs: Any) -> Any:
    """Run an action; its ValidationError lands on the form (None is returned)."""
    try:
        return action(**kwargs)
    except ValidationError as exc:
        apply_errors(form, exc)
        return None


# --- Members ------------------------------------------------------------------------------------


@admin_required
def members(request: DeskRequest) -> HttpResponse:
    return _members_page(request)


def _members_page(request: DeskRequest, **forms: Form) -> HttpResponse:
    """The member list with the add/create forms; a bound form with errors replaces an empty one."""
    context = {
        "members": list_members(request.organization),
        "add_form": AddMemberForm(),
        "create_form": CreateMemberForm(),
        "roles": Role.choices,
        **forms,
    }
    return render(request, "web/admin/members.html", context, status=400 if forms else 200)


@admin_required
@require_POST
def member_add(request: DeskRequest) -> HttpResponse:
    form = AddMemberForm(request.POST)
    if form.is_valid() and _try(form, check_add_member, membership=request.membership, **form.cleaned_data):
        messages.success(request, _("%(name)s is toegevoegd.") % {"name": form.cleaned_data["username"]})
        return redirect("web:admin_members")
    return _members_page(request, add_form=form)


@admin_required
@require_POST
def member_create(request: DeskRequest) -> HttpResponse:
    form = CreateMemberForm(request.POST)
    if form.is_valid() and _try(form, check_create_member, membership=request.membership, **form.cleaned_data):
        messages.success(request, _("Account %(name)s is aangemaakt.") % {"name": form.cleaned_data["username"]})
        return redirect("web:admin_members")
    return _members_page(request, create_form=form)


@admin_required
@require_POST
def member_role(request: DeskRequest, membership_id: int) -> HttpResponse:
    member = access_membership(request.organization, membership_id)
    form = RoleForm(request.POST)
    changed = form.is_valid() and _try(
        form, check_change_role, membership=request.membership, member=member, role=form.cleaned_data["role"]
    )
    if changed:
        messages.success(request, _("Rol van %(name)s gewijzigd.") % {"name": member.user.display_name})
    else:
        messages.error(request, " ".join(str(error) for error in form.non_field_errors()) or _("Kies een geldige rol."))
    return redirect("web:admin_members")


@admin_required
@require_POST
def member_active(request: DeskRequest, membership_id: int) -> HttpResponse:
    member = access_membership(request.organization, membership_id)
    form = ActiveForm(request.POST)
    form.is_valid()
    active = form.cleaned_data.get("active", False)
    if _try(form, check_set_member_active, membership=request.membership, member=member, active=active):
        done = _("%(name)s is weer actief.") if active else _("%(name)s is gedeactiveerd.")
        messages.success(request, done % {"name": member.user.display_name})
    else:
        messages.error(request, " ".join(str(error) for error in form.non_field_errors()))
    return redirect("web:admin_members")


# --- Teams --------------------------------------------------------------------------------------


@admin_required
def teams(request: DeskRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    created = form.is_valid() and _try(form, check_create_team, membership=request.membership, **form.cleaned_data)
    if created:
        messages.success(request, _("Team %(name)s aangemaakt.") % form.cleaned_data)
        return redirect("web:admin_teams")
    context = {"teams": list_teams(request.organization).prefetch_related("members"), "form": form}
    return render(request, "web/admin/teams.html", context, status=400 if form.errors else 200)


@admin_required
def team_detail(request: DeskRequest, team_id: int) -> HttpResponse:
    team = access_team(request.organization, team_id)
    users = {user.pk: user for user in list_member_choices(request.organization)}
    initial = {"members": [user.pk for user in team.members.all()]}
    form = TeamMembersForm(request.POST or None, users=users.values(), initial=initial)
    if request.method == "POST" and form.is_valid():
        chosen = [users[pk] for pk in form.cleaned_data["members"]]
        if _try(form, check_set_team_members, membership=request.membership, team=team, users=chosen):
            messages.success(request, _("Leden van %(name)s opgeslagen.") % {"name": team.name})
            return redirect("web:admin_teams")
    return render(request, "web/admin/team.html", {"team": team, "form": form}, status=400 if form.errors else 200)


# --- Opening hours ------------------------------------------------------------------------------


@admin_required
def business_hours(request: DeskRequest) -> HttpResponse:
    """The organisation's opening hours (the chat widgets', and every team's without its own)."""
    return _business_hours_page(request, None)


@admin_required
def team_business_hours(request: DeskRequest, team_id: int) -> HttpResponse:
    """One team's own opening hours, or (posting ``form=remove``) back to the organisation's."""
    team = access_team(request.organization, team_id)
    if request.method == "POST" and request.POST.get("form") == "remove":
        check_remove_business_hours(request.membership, team)
        messages.success(request, _("%(name)s volgt weer de openingstijden van de organisatie.") % {"name": team.name})
        return redirect("web:admin_business_hours")
    return _business_hours_page(request, team)


def _business_hours_page(request: DeskRequest, team: Team | None) -> HttpResponse:
    row = business_hours_row(request.organization, team)
    organization_row = business_hours_row(request.organization) if team is not None else row
    # Start from what applies now: the row itself, else (a team) the organisation's, else office hours.
    start = calendar_of(row or organization_row) if (row or organization_row) else hours.OFFICE_HOURS
    form = BusinessHoursForm(request.POST or None, calendar=start)
    if request.method == "POST" and form.is_valid() and form.calendar is not None:
        check_set_business_hours(request.membership, form.calendar, team=team)
        messages.success(request, _("Openingstijden opgeslagen."))
        return redirect(request.path)
    applies = calendar_of(row or organization_row)
    now = timezone.now()
    language = (translation.get_language() or "nl")[:2]
    context = {
        "form": form,
        "team": team,
        "row": row,
        "organization_row": organization_row,
        "open_now": hours.is_open(applies, now),
        "next_opening": hours.next_opening(applies, now),
        # The holidays of the hours in the form (office hours for an organisation without hours yet).
        "holidays": hours.upcoming_holidays(start, timezone.localdate(now), language=language),
        "teams": _teams_with_own_hours(request),
    }
    return render(request, "web/admin/business_hours.html", context, status=400 if form.errors else 200)


def _teams_with_own_hours(request: DeskRequest) -> list[tuple[Team, bool]]:
    own = set(BusinessHours.objects.for_org(request.organization).values_list("team_id", flat=True))
    return [(team, team.pk in own) for team in list_teams(request.organization)]


# --- API tokens ---------------------------------------------------------------------------------


def _end_of_day(day: Any) -> datetime | None:
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59))) if day else None


# A new secret is shown once, on the page the creating POST redirects to (so reloading that
# page creates nothing): it waits in the session only until that GET takes it out.
def _hand_over_secret(request: DeskRequest, key: str, shown: dict[str, str]) -> HttpResponse:
    request.session[f"shown-once:{key}"] = shown
    return redirect(request.path)


def _take_secret(request: DeskRequest, key: str) -> dict[str, str] | None:
    shown: dict[str, str] | None = request.session.pop(f"shown-once:{key}", None)
    return shown


@never_cache
@admin_required
def tokens(request: DeskRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = _try(
            form,
            check_create_token,
            membership=request.membership,
            name=data["name"],
            scopes=data["scopes"],
            expires_at=_end_of_day(data["expires_on"]),
        )
        if issued:
            return _hand_over_secret(request, "token", {"secret": issued.secret, "name": issued.token.name})
    context = {"tokens": list_tokens(request.organization), "form": form, "issued": _take_secret(request, "token")}
    return render(request, "web/admin/tokens.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def token_revoke(request: DeskRequest, token_id: int) -> HttpResponse:
    token = check_revoke_token(request.membership, access_token(request.organization, token_id))
    messages.success(request, _("Sleutel %(name)s is ingetrokken.") % {"name": token.name})
    return redirect("web:admin_tokens")


# --- Webhooks -----------------------------------------------------------------------------------


@never_cache
@admin_required
def webhooks(request: DeskRequest) -> HttpResponse:
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created = _try(form, check_create_endpoint, membership=request.membership, **form.cleaned_data)
        if created:
            return _hand_over_secret(request, "webhook", {"secret": created.secret, "url": created.url})
    context = {
        "endpoints": list_endpoints(request.organization),
        "form": form,
        "created": _take_secret(request, "webhook"),
    }
    return render(request, "web/admin/webhooks.html", context, status=400 if form.errors else 200)


@admin_required
def webhook_detail(request: DeskRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access_endpoint(request.organization, endpoint_id)
    context = {"endpoint": endpoint, "deliveries": list_deliveries(endpoint)}
    return render(request, "web/admin/webhook.html", context)


@admin_required
@require_POST
def webhook_delete(request: DeskRequest, endpoint_id: int) -> HttpResponse:
    endpoint = access_endpoint(request.organization, endpoint_id)
    check_delete_endpoint(request.membership, endpoint)
    messages.success(request, _("Webhook %(url)s is verwijderd.") % {"url": endpoint.url})
    return redirect("web:admin_webhooks")


# --- Mailboxes ----------------------------------------------------------------------------------


@admin_required
def mailboxes(request: DeskRequest) -> HttpResponse:
    teams = {team.pk: team for team in list_teams(request.organization)}
    form = MailboxForm(request.POST or None, teams=teams.values())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        created = _try(
            form,
            check_create_mailbox,
            membership=request.membership,
            address=data["address"],
            team=teams.get(data["team"]),
            **{name: data[name] for name in MAILBOX_SETTINGS},
        )
        if created:
            messages.success(request, _("Mailbox %(address)s toegevoegd.") % {"address": created.address})
            return redirect("web:admin_mailboxes")
    context = {"mailboxes": list_mailboxes(request.organization), "form": form}
    return render(request, "web/admin/mailboxes.html", context, status=400 if form.errors else 200)


@admin_required
def mailbox(request: DeskRequest, mailbox_id: int) -> HttpResponse:
    """One mailbox: address, team, sender name, signature, replies, acknowledgement; and IMAP."""
    mailbox = access_mailbox(request.organization, mailbox_id)
    teams = {team.pk: team for team in list_teams(request.organization)}
    initial = {"address": mailbox.address, "team": mailbox.team_id}
    initial.update({name: getattr(mailbox, name) for name in MAILBOX_SETTINGS})
    imap = ImapAccount.objects.filter(mailbox=mailbox).first()
    imap_initial = {name: getattr(imap, name) for name in IMAP_SETTINGS} if imap else None
    posted = request.POST.get("form")
    form = MailboxForm(request.POST if posted == "mailbox" else None, teams=teams.values(), initial=initial)
    imap_form = ImapForm(request.POST if posted == "imap" else None, initial=imap_initial)
    if posted == "mailbox" and form.is_valid():
        data = form.cleaned_data
        updated = _try(
            form,
            check_update_mailbox,
            membership=request.membership,
            mailbox=mailbox,
            address=data["address"],
            team=teams.get(data["team"]),
            **{name: data[name] for name in MAILBOX_SETTINGS},
        )
        if updated:
            messages.success(request, _("Mailbox %(address)s opgeslagen.") % {"address": updated.address})
            return redirect("web:admin_mailboxes")
    if posted == "imap" and imap_form.is_valid():
        data = imap_form.cleaned_data
        account = _try(
            imap_form,
            check_set_imap,
            membership=request.membership,
            mailbox=mailbox,
            password=data["password"],
            **{name: data[name] for name in IMAP_SETTINGS},
        )
        if account:
            messages.success(request, _("IMAP-account opgeslagen: de poller haalt binnen een minuut de mail op."))
            return redirect("web:admin_mailbox", mailbox_id=mailbox.pk)
    if posted == "imap_remove":
        check_remove_imap(request.membership, mailbox)
        messages.success(request, _("IMAP-account losgekoppeld."))
        return redirect("web:admin_mailbox", mailbox_id=mailbox.pk)
    context = {"mailbox": mailbox, "form": form, "imap_form": imap_form, "imap": imap}
    invalid = form.errors or imap_form.errors
    return render(request, "web/admin/mailbox.html", context, status=400 if invalid else 200)


@admin_required
@require_POST
def mailbox_active(request: DeskRequest, mailbox_id: int) -> HttpResponse:
    mailbox = access_mailbox(request.organization, mailbox_id)
    active = request.POST.get("active") == "1"
    check_set_mailbox_active(request.membership, mailbox, active)
    done = _("Mailbox %(address)s ontvangt weer e-mail.") if active else _("Mailbox %(address)s is uitgeschakeld.")
    messages.success(request, done % {"address": mailbox.address})
    return redirect("web:admin_mailboxes")


# --- Channel accounts -------------------------------------------------------------------------


@admin_required
def channel_accounts(request: DeskRequest) -> HttpResponse:
    context = {"accounts": list_channel_accounts(request.organization), "kinds": ACCOUNT_KINDS.values()}
    return render(request, "web/admin/channel_accounts.html", context)


def _shown(value: Any) -> Any:
    return "\n".join(value) if isinstance(value, list) else value


def _account_values(form: ChannelAccountForm, teams: dict[int, Any]) -> dict[str, Any]:
    return {**form.values(), "team": teams.get(form.cleaned_data["team"])}


@admin_required
def channel_account_add(request: DeskRequest) -> HttpResponse:
    """Connect a number; ?soort= names the kind (whatsapp, …)."""
    kind = request.GET.get("soort", "")
    if kind not in ACCOUNT_KINDS:
        raise Http404
    spec = account_kind(kind)
    teams = {team.pk: team for team in list_teams(request.organization)}
    form = ChannelAccountForm(request.POST or None, kind=spec, teams=teams.values())
    if request.method == "POST" and form.is_valid():
        values = _account_values(form, teams)
        account = _try(form, check_create_channel_account, membership=request.membership, kind=kind, **values)
        if account:
            done = (
                _("%(name)s is gekoppeld. Vul nu de webhook-URL in bij de aanbieder.")
                if spec.webhook
                else _("%(name)s is aangemaakt. Zet nu de code op de website.")
            )
            messages.success(request, done % {"name": account.name})
            return redirect("web:admin_channel_account", account_id=account.pk)
    context = {"spec": spec, "form": form}
    return render(request, "web/admin/channel_account_add.html", context, status=400 if form.errors else 200)


@never_cache
@admin_required
def channel_account(request: DeskRequest, account_id: int) -> HttpResponse:
    """One account: its webhook URL to paste at the provider, its settings and secrets (hints only)."""
    account = access_channel_account(request.organization, account_id)
    spec = account_kind(account.kind)
    teams = {team.pk: team for team in list_teams(request.organization)}
    initial = {
        "name": account.name,
        "external_id": account.external_id,
        "display_number": account.display_number,
        "team": account.team_id,
        **{f"setting_{item.name}": _shown(setting(account, item.name)) for item in spec.settings},
    }
    hints = secret_hints(account)
    form = ChannelAccountForm(request.POST or None, kind=spec, teams=teams.values(), hints=hints, initial=initial)
    if request.method == "POST" and form.is_valid():
        values = _account_values(form, teams)
        updated = _try(form, check_update_channel_account, membership=request.membership, account=account, **values)
        if updated:
            messages.success(request, _("%(name)s opgeslagen.") % {"name": updated.name})
            return redirect("web:admin_channel_accounts")
    context = {
        "account": account,
        "spec": spec,
        "form": form,
        **connect_info(request, account),
    }
    return render(request, "web/admin/channel_account.html", context, status=400 if form.errors else 200)


@admin_required
@require_POST
def channel_account_active(request: DeskRequest, account_id: int) -> HttpResponse:
    account = access_channel_account(request.organization, account_id)
    active = request.POST.get("active") == "1"
    check_set_channel_account_active(request.membership, account, active)
    done = _("%(name)s ontvangt weer berichten.") if active else _("%(name)s is uitgeschakeld.")
    messages.success(request, done % {"name": account.name})
    return redirect("web:admin_channel_accounts")


# --- Quarantine -------------------------------------------------------------------------------


@admin_required
def quarantine(request: DeskRequest) -> HttpResponse:
    page = CappedPaginator(list_quarantine(request.organization), 50).get_page(request.GET.get("page"))
    return render(request, "web/admin/quarantine.html", {"page": page})


# How each channel's raw traffic is stored (InboundDelivery.raw), for the download.
RAW_FORMATS = {
    "email": ("message/rfc822", "eml"),
    "whatsapp": ("application/json", "json"),
    "sms": ("text/plain; charset=utf-8", "txt"),  # Twilio's url-encoded form, as posted
}


@admin_required
def quarantine_download(request: DeskRequest, delivery_id: int) -> HttpResponse:
    """The message exactly as it arrived: the raw e-mail, webhook item or form, or the JSON a
    channel delivered."""
    delivery = access_quarantined(request.organization, delivery_id)
    if delivery.raw is not None:
        content_type, extension = RAW_FORMATS.get(delivery.channel, ("application/octet-stream", "bin"))
        body = bytes(delivery.raw)
    else:
        body = json.dumps(delivery.payload, ensure_ascii=False, indent=1).encode()
        content_type, extension = "application/json", "json"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="loket-{delivery.pk}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin_required
@require_POST
def quarantine_retry(request: DeskRequest, delivery_id: int) -> HttpResponse:
    delivery = check_retry_delivery(request.membership, access_quarantined(request.organization, delivery_id))
    messages.success(request, _("Bericht %(id)s wordt opnieuw verwerkt.") % {"id": delivery.pk})
    return redirect("web:admin_quarantine")
