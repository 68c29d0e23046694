"""Forms of the agent desk: they parse and show errors; the actions decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from loket.accounts import hours
from loket.accounts.models import Role, Scope, Team, User
from loket.cases.models import Case, Handover
from loket.cases.selectors import INBOX_VIEWS
from loket.customers.models import Channel, Identity
from loket.events.registry import EVENT_TYPES
from loket.integrations.channel_accounts import AccountKind, SettingSpec
from loket.integrations.models import ImapAccount, MessageTemplate
from loket.integrations.whatsapp.selectors import TemplateOffer
from loket.integrations.whatsapp.templates import Shape, placeholder, segments, shape

EMPTY = [("", _("Alle"))]


def apply_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put an action's ValidationError on the form fields it names (else on the form)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def user_choices(users: Iterable[User]) -> list[tuple[int, str]]:
    return [(user.pk, user.display_name) for user in users]


def team_choices(teams: Iterable[Team]) -> list[tuple[int, str]]:
    return [(team.pk, team.name) for team in teams]


def set_choices(form: forms.Form, name: str, choices: list[tuple[Any, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class UniqueIds:
    """Field ids prefixed per form, so that two forms on one page never share an id (labels!)."""

    id_prefix = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


# --- Inbox --------------------------------------------------------------------------------------

SORT_CHOICES = [
    ("updated", _("Laatst bijgewerkt")),
    ("oldest", _("Langst niet bijgewerkt")),
    ("created", _("Nieuwste zaken")),
    ("priority", _("Prioriteit")),
    ("promise", _("Eerstvolgende toezegging")),
]
PROMISE_CHOICES = [
    ("", _("Alle")),
    ("open", _("Met open toezegging")),
    ("today", _("Toezegging vandaag af")),
    ("broken", _("Toezegging gebroken")),
]


class InboxFilterForm(forms.Form):
    """The inbox query string. Choices come from lists the page shows anyway (no extra queries)."""

    view = forms.ChoiceField(choices=[(k, v[0]) for k, v in INBOX_VIEWS.items()], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=EMPTY + list(Case.Status.choices), required=False)
    priority = forms.ChoiceField(label=_("Prioriteit"), choices=EMPTY + list(Case.Priority.choices), required=False)
    team = forms.TypedChoiceField(label=_("Team"), coerce=int, empty_value=None, required=False)
    owner = forms.TypedChoiceField(label=_("Eigenaar"), coerce=int, empty_value=None, required=False)
    tag = forms.ChoiceField(label=_("Label"), required=False)
    channel = forms.ChoiceField(label=_("Kanaal"), choices=EMPTY + list(Channel.choices), required=False)
    promise = forms.ChoiceField(label=_("Toezegging"), choices=PROMISE_CHOICES, required=False)
    sort = forms.ChoiceField(label=_("Sorteren"), choices=SORT_CHOICES, required=False)
    page = forms.IntegerField(min_value=1, required=False)

    def __init__(self, data: Any, *, teams: Iterable[Team], owners: Iterable[User], tags: Iterable[str]) -> None:
        super().__init__(data)
        set_choices(self, "team", EMPTY + team_choices(teams))
        set_choices(self, "owner", EMPTY + user_choices(owners))
        set_choices(self, "tag", EMPTY + [(name, name) for name in tags])

    def filters(self, default_view: str) -> dict[str, Any]:
        """The valid filters; an invalid value is dropped rather than failing the inbox."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that were valid
        return {
            "view": data.get("view") or default_view,
            "status": data.get("status") or "",
            "priority": data.get("priority") or "",
            "team_id": data.get("team"),
            "owner_id": data.get("owner"),
            "tag": data.get("tag") or "",
            "channel": data.get("channel") or "",
            "promise": data.get("promise") or "",
            "sort": data.get("sort") or "updated",
        }


# --- Case ---------------------------------------------------------------------------------------


class ComposerForm(UniqueIds, forms.Form):
    """One composer for a reply to the customer and an internal note (a note ignores the channel)."""

    id_prefix = "composer"

    text = forms.CharField(label=_("Bericht"), widget=forms.Textarea(attrs={"rows": 5}), strip=False)
    channel = forms.ChoiceField(label=_("Kanaal"), choices=Channel.choices, required=False)

    def __init__(self, *args: Any, without: Iterable[str] = (), **kwargs: Any) -> None:
        """``without``: channels not to offer (WhatsApp outside its 24-hour window)."""
        super().__init__(*args, **kwargs)
        if without:
            set_choices(self, "channel", [(value, label) for value, label in Channel.choices if value not in without])


class TemplateForm(UniqueIds, forms.Form):
    """A WhatsApp template for the customer: which one, and a field per placeholder of its text.

    The fields are made for the chosen template (``parameters.1``, ``parameters.order_number``);
    the action checks them (an empty or malformed one gets its error on its field).
    """

    id_prefix = "template"

    template = forms.TypedChoiceField(label=_("Sjabloon"), coerce=int, empty_value=None)

    def __init__(self, data: Any = None, *, offer: TemplateOffer, chosen: MessageTemplate | None = None) -> None:
        super().__init__(data)
        self.offer, self.chosen = offer, chosen
        self.shape: Shape | None = shape(chosen.components, chosen.category) if chosen is not None else None
        set_choices(self, "template", [("", _("— Kies een sjabloon —")), *template_choices(offer)])
        self.fields["template"].initial = chosen.pk if chosen is not None else None
        self.fields["template"].widget.attrs["data-autosubmit"] = ""
        for name in self.shape.parameters if self.shape is not None else []:
            example = self.shape.examples.get(name, "") if self.shape is not None else ""
            self.fields[f"parameters.{name}"] = forms.CharField(
                label=placeholder(name),
                required=False,  # the action says which one is missing, in WhatsApp's terms
                max_length=1024,
                help_text=format_lazy("{} {}", _("Voorbeeld:"), example) if example else "",
                widget=forms.TextInput(attrs={"data-template-param": name, "autocomplete": "off"}),
            )

    @property
    def parameter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("parameters.")]

    def parameters(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        return {name.removeprefix("parameters."): data.get(name) or "" for name in self.fields if "." in name}

    def preview(self) -> dict[str, Any] | None:
        """The message as the customer will read it, its placeholders as slots the desk's script
        fills in while the agent types (filled in already with what was sent, after an error)."""
        if self.shape is None:
            return None
        given = {
            name: str(self.data.get(f"parameters.{name}", "")).strip() if self.is_bound else ""
            for name in self.shape.parameters
        }
        body = [
            {"slot": value, "text": given.get(value) or placeholder(value), "filled": bool(given.get(value))}
            if kind == "slot"
            else {"slot": "", "text": value}
            for kind, value in segments(self.shape.body)
        ]
        return {"header": self.shape.header, "body": body, "footer": self.shape.footer, "buttons": self.shape.buttons}


def template_choices(offer: TemplateOffer) -> list[tuple[Any, Any]]:
    """Grouped: the customer's language first; the account's name only where there are several."""

    def label(template: MessageTemplate) -> str:
        text = f"{template.name} ({template.language})"
        return f"{text} · {template.account.name}" if offer.several_accounts else text

    groups = [
        (_("In de taal van de klant"), [(t.pk, label(t)) for t in offer.in_language]),
        (_("Andere talen"), [(t.pk, label(t)) for t in offer.other]),
    ]
    return [(name, options) for name, options in groups if options]


class HandoverForm(UniqueIds, forms.Form):
    id_prefix = "handover"
    to_user = forms.TypedChoiceField(label=_("Collega"), coerce=int, empty_value=None, required=False)
    to_team = forms.TypedChoiceField(label=_("Team"), coerce=int, empty_value=None, required=False)
    reason = forms.ChoiceField(label=_("Reden"), choices=[("", "—"), *Handover.Reason.choices])
    note = forms.CharField(
        label=_("Overdrachtsnotitie"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Wat moet de nieuwe eigenaar weten? De klant hoeft niets te herhalen."),
    )

    def __init__(self, *args: Any, colleagues: Iterable[User], teams: Iterable[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "to_user", [("", "—"), *user_choices(colleagues)])
        set_choices(self, "to_team", [("", "—"), *team_choices(teams)])


class StatusForm(UniqueIds, forms.Form):
    id_prefix = "status"
    status = forms.ChoiceField(label=_("Status"), choices=Case.Status.choices)


class CaseEditForm(UniqueIds, forms.Form):
    id_prefix = "edit"
    subject = forms.CharField(label=_("Onderwerp"), max_length=250)
    priority = forms.ChoiceField(label=_("Prioriteit"), choices=Case.Priority.choices)
    reason = forms.CharField(label=_("Contactreden"), max_length=100, required=False)
    tags = forms.CharField(
        label=_("Labels"), required=False, help_text=_("Gescheiden door komma's, bijv. levering, retour.")
    )

    def clean_tags(self) -> list[str]:
        return [name.strip() for name in self.cleaned_data["tags"].split(",") if name.strip()]


# --- Customers ----------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Zoeken"), required=False, max_length=200)


class IdentityForm(forms.Form):
    kind = forms.ChoiceField(label=_("Soort"), choices=Identity.Kind.choices)
    value = forms.CharField(label=_("Adres of nummer"), max_length=320)
    label = forms.CharField(label=_("Omschrijving"), max_length=100, required=False)
    # Set by "add the sender to this customer" on a message: the address may belong to another
    # customer (one made for it when it first wrote), and moves here.
    move = forms.BooleanField(required=False, widget=forms.HiddenInput)


# --- Admin --------------------------------------------------------------------------------------


class AddMemberForm(UniqueIds, forms.Form):
    id_prefix = "add"
    username = forms.CharField(label=_("Gebruikersnaam"), max_length=150)
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices, initial=Role.AGENT)


class CreateMemberForm(UniqueIds, forms.Form):
    id_prefix = "create"
    username = forms.CharField(label=_("Gebruikersnaam"), max_length=150)
    first_name = forms.CharField(label=_("Voornaam"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Achternaam"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mailadres"))
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices, initial=Role.AGENT)
    password = forms.CharField(
        label=_("Wachtwoord"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Leeg laten: de medewerker kiest zelf een wachtwoord via 'Wachtwoord vergeten'."),
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)


class ActiveForm(forms.Form):
    active = forms.BooleanField(required=False)


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=120)


class TeamMembersForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label=_("Leden"), coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, users: Iterable[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "members", user_choices(users))


DAY_LABELS = {
    "monday": _("Maandag"),
    "tuesday": _("Dinsdag"),
    "wednesday": _("Woensdag"),
    "thursday": _("Donderdag"),
    "friday": _("Vrijdag"),
    "saturday": _("Zaterdag"),
    "sunday": _("Zondag"),
}
HOLIDAY_COUNTRIES = [("NL", _("Nederland")), ("BE", _("België")), ("DE", _("Duitsland")), ("LU", _("Luxemburg"))]


class BusinessHoursForm(forms.Form):
    """Opening hours as an admin writes them: a line per weekday, the holidays, the exceptions.

    ``clean`` reads them into ``self.calendar`` (``accounts.hours``), which names what is wrong."""

    def __init__(self, *args: Any, calendar: hours.Calendar, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                **{day: hours.format_day(calendar.weekly[n]) for n, day in enumerate(hours.WEEKDAYS)},
                "observe_holidays": calendar.observe_holidays,
                "holiday_country": calendar.holiday_country or hours.DEFAULT_COUNTRY,
                "exceptions": hours.format_exceptions(calendar.exceptions),
            },
        )
        super().__init__(*args, **kwargs)
        for n, day in enumerate(hours.WEEKDAYS):
            self.fields[day] = forms.CharField(
                label=DAY_LABELS[day],
                required=False,
                max_length=200,
                help_text=_("Bijv. 09:00-12:30, 13:00-17:00. Leeg: gesloten.") if n == 0 else "",
                widget=forms.TextInput(attrs={"placeholder": _("gesloten"), "autocomplete": "off"}),
            )
        self.fields["observe_holidays"] = forms.BooleanField(label=_("Gesloten op feestdagen"), required=False)
        country = self.initial.get("holiday_country") or hours.DEFAULT_COUNTRY
        choices = HOLIDAY_COUNTRIES + ([(country, country)] if country not in dict(HOLIDAY_COUNTRIES) else [])
        self.fields["holiday_country"] = forms.ChoiceField(label=_("Feestdagen van"), choices=choices)
        self.fields["exceptions"] = forms.CharField(
            label=_("Uitzonderingen"),
            required=False,
            max_length=20_000,
            widget=forms.Textarea(attrs={"rows": 5, "placeholder": "24-12-2026 09:00-16:00 Kerstavond"}),
            help_text=_(
                "Een datum per regel, dan de tijden of 'gesloten', dan eventueel een omschrijving: "
                "'24-12-2026 09:00-16:00 Kerstavond', '31-12-2026 gesloten Oudejaarsdag'. "
                "Een uitzondering gaat voor een feestdag."
            ),
        )
        self.calendar: hours.Calendar | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weekly = []
        for day in hours.WEEKDAYS:
            try:
                weekly.append(hours.parse_day(data.get(day, "")))
            except ValidationError as error:
                self.add_error(day, error)
                weekly.append(())
        try:
            items = hours.parse_exceptions(data.get("exceptions", ""))
        except ValidationError as error:
            self.add_error("exceptions", error)
            items = ()
        if not self.errors:
            self.calendar = hours.Calendar(
                weekly=tuple(weekly),
                holiday_country=data.get("holiday_country", hours.DEFAULT_COUNTRY),
                observe_holidays=bool(data.get("observe_holidays")),
                exceptions=items,
                zone=settings.TIME_ZONE,
            )
        return data


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=120)
    scopes = forms.MultipleChoiceField(
        label=_("Rechten"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )
    expires_on = forms.DateField(label=_("Verloopt op"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class MailboxForm(forms.Form):
    address = forms.EmailField(label=_("Adres"), max_length=254)
    team = forms.TypedChoiceField(label=_("Team voor nieuwe zaken"), coerce=int, empty_value=None, required=False)
    sender_name = forms.CharField(
        label=_("Afzendernaam"),
        max_length=120,
        required=False,
        help_text=_("Leeg: de naam van de organisatie."),
    )
    signature = forms.CharField(label=_("Handtekening"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    quote_history = forms.BooleanField(label=_("Vorig bericht van de klant onder een antwoord citeren"), required=False)
    plus_addressing = forms.BooleanField(
        label=_("Zaaknummer in het antwoordadres (adres+zaaknummer@domein)"),
        required=False,
        help_text=_("Uitzetten als de mailserver van het domein zulke adressen niet aflevert."),
    )
    send_acknowledgement = forms.BooleanField(label=_("Nieuwe zaken krijgen een ontvangstbevestiging"), required=False)
    response_hours = forms.IntegerField(
        label=_("Reactietijd in uren"),
        required=False,
        min_value=1,
        max_value=24 * 30,
        help_text=_("Wat de ontvangstbevestiging belooft: 24 wordt „binnen 24 uur”, 48 „binnen 2 dagen”."),
    )
    acknowledgement_text = forms.CharField(
        label=_("Tekst van de ontvangstbevestiging"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("Leeg: de standaardtekst. Te gebruiken: {naam}, {zaaknummer}, {onderwerp}, {reactietijd}."),
    )

    def __init__(self, data: Any = None, *, teams: Iterable[Team], initial: dict[str, Any] | None = None) -> None:
        defaults = {"quote_history": True, "plus_addressing": True, "response_hours": 24}
        super().__init__(data, initial={**defaults, **(initial or {})})
        set_choices(self, "team", [("", _("Het standaardteam van de organisatie")), *team_choices(teams)])

    def clean_response_hours(self) -> int:
        return self.cleaned_data["response_hours"] or 24


class ChannelAccountForm(forms.Form):
    """A number or widget of one kind (loket.integrations.channel_accounts): its fields come from
    the kind's description, secrets as password fields that are never filled in again."""

    name = forms.CharField(label=_("Naam"), max_length=120, required=False, help_text=_("Zoals medewerkers hem zien."))
    external_id = forms.CharField(max_length=64)
    display_number = forms.CharField(
        label=_("Nummer"),
        max_length=32,
        required=False,
        help_text=_("Het nummer dat klanten zien, zoals +31 20 123 4567."),
    )
    team = forms.TypedChoiceField(label=_("Team voor nieuwe zaken"), coerce=int, empty_value=None, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        kind: AccountKind,
        teams: Iterable[Team],
        hints: dict[str, str] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.kind = kind
        if kind.external_id_label is None:  # a widget: no provider id, no number
            del self.fields["external_id"], self.fields["display_number"]
        else:
            self.fields["external_id"].label = kind.external_id_label
            self.fields["external_id"].help_text = kind.external_id_help
        set_choices(self, "team", [("", _("Het standaardteam van de organisatie")), *team_choices(teams)])
        for setting in kind.settings:
            self.fields[f"setting_{setting.name}"] = _setting_field(setting)
            if initial is None:
                self.initial[f"setting_{setting.name}"] = setting.default
        for secret in kind.secrets:
            hint = (hints or {}).get(secret.name, "")
            if hints is None:  # adding: the required ones must be given
                help_text = secret.help
            elif hint:
                set_hint = _("Ingesteld ({hint}); leeg laten om te houden.").format(hint=hint)
                help_text = format_lazy("{} {}", secret.help, set_hint)
            else:
                help_text = format_lazy("{} {}", secret.help, _("Nog niet ingesteld."))
            self.fields[f"secret_{secret.name}"] = forms.CharField(
                label=secret.label,
                max_length=1000,
                required=secret.required and hints is None,
                help_text=help_text,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
            )

    def values(self) -> dict[str, Any]:
        """What the form says, in the shape of the channel-account actions (team as its id)."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "external_id": data.get("external_id", ""),
            "display_number": data.get("display_number", ""),
            "secrets": {secret.name: data.get(f"secret_{secret.name}", "") for secret in self.kind.secrets},
            "settings": {setting.name: data.get(f"setting_{setting.name}") for setting in self.kind.settings},
        }


def _setting_field(setting: SettingSpec) -> forms.Field:
    if setting.type == "bool":
        return forms.BooleanField(label=setting.label, help_text=setting.help, required=False)
    if setting.type == "origins":
        return forms.CharField(
            label=setting.label,
            help_text=setting.help,
            required=setting.required,
            widget=forms.Textarea(attrs={"rows": 3, "placeholder": "https://www.example.nl"}),
        )
    return forms.CharField(label=setting.label, help_text=setting.help, required=setting.required, max_length=1000)


class ImapForm(forms.Form):
    host = forms.CharField(label=_("IMAP-server"), max_length=255)
    port = forms.IntegerField(label=_("Poort"), min_value=1, max_value=65535, initial=993)
    security = forms.ChoiceField(label=_("Beveiliging"), choices=ImapAccount.Security.choices, initial="ssl")
    username = forms.CharField(label=_("Gebruikersnaam"), max_length=255)
    password = forms.CharField(
        label=_("Wachtwoord"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Versleuteld opgeslagen en nooit getoond. Leeg laten om het opgeslagen wachtwoord te houden."),
    )
    folder = forms.CharField(label=_("Map"), max_length=255, initial="INBOX")
    processed_folder = forms.CharField(
        label=_("Map voor verwerkte berichten"),
        max_length=255,
        required=False,
        initial="Loket/Verwerkt",
        help_text=_("Leeg: verwerkte berichten blijven staan en worden als gelezen gemarkeerd."),
    )


class WebhookForm(forms.Form):
    url = forms.URLField(label=_("Adres (URL)"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Omschrijving"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("Gebeurtenissen"),
        choices=[("*", _("Alle gebeurtenissen"))]
        + [(name, format_lazy("{} — {}", name, event_type.description)) for name, event_type in EVENT_TYPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
