"""The death report form (public and desk share it) and the specialist's forms."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.bereavement.actions import DeathReport, Document
from loket.bereavement.models import DeathNotification, SubscriptionAction


class DateInput(forms.DateInput):
    input_type = "date"


class DeathReportForm(forms.Form):
    """The action validates and words the errors (``validate_report``), so the public form, the
    desk and the API say the same thing; the form only parses."""

    deceased_name = forms.CharField(label=_("Naam van de overledene"), max_length=200, required=False)
    deceased_date_of_birth = forms.DateField(label=_("Geboortedatum"), required=False, widget=DateInput)
    date_of_death = forms.DateField(label=_("Overlijdensdatum"), required=False, widget=DateInput)
    deceased_address = forms.CharField(label=_("Adres"), max_length=300, required=False)
    deceased_postcode = forms.CharField(label=_("Postcode"), max_length=10, required=False)
    deceased_customer_number = forms.CharField(
        label=_("Klantnummer"), max_length=100, required=False, help_text=_("Als u het weet; staat op een factuur.")
    )
    reporter_name = forms.CharField(label=_("Uw naam"), max_length=200, required=False)
    relation = forms.CharField(
        label=_("Uw relatie tot de overledene"),
        max_length=100,
        required=False,
        help_text=_("Bijv. partner, zoon, notaris."),
    )
    mandate = forms.ChoiceField(
        label=_("U handelt als"), choices=DeathNotification.Mandate.choices, initial=DeathNotification.Mandate.HEIR
    )
    document = forms.FileField(
        label=_("Overlijdensakte of machtiging"),
        required=False,
        help_text=_("Pdf of foto, hoogstens 10 MB. Alleen ons nabestaandenteam ziet dit document."),
    )
    reporter_email = forms.CharField(label=_("Uw e-mailadres"), max_length=320, required=False)
    reporter_phone = forms.CharField(label=_("Uw telefoonnummer"), max_length=40, required=False)
    preferred_contact = forms.ChoiceField(
        label=_("Hoe wilt u dat we contact opnemen?"),
        choices=DeathNotification.Contact.choices,
        widget=forms.RadioSelect,
        initial=DeathNotification.Contact.EMAIL,
    )

    # What validate_report asks for, with its words, so that the form does not call it optional.
    NEEDED = {
        "deceased_name": _("Vul de naam van de overledene in."),
        "date_of_death": _("Vul de overlijdensdatum in."),
        "reporter_name": _("Vul uw naam in."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for name, message in self.NEEDED.items():
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message
        self.fields["reporter_email"].widget.input_type = "email"  # type: ignore[attr-defined]
        self.fields["reporter_phone"].widget.input_type = "tel"  # type: ignore[attr-defined]
        self.fields["reporter_email"].widget.attrs["autocomplete"] = "email"
        self.fields["reporter_phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["reporter_name"].widget.attrs["autocomplete"] = "name"

    def report(self) -> DeathReport:
        data = self.cleaned_data
        return DeathReport(
            deceased_name=data["deceased_name"],
            date_of_death=data["date_of_death"],
            reporter_name=data["reporter_name"],
            deceased_date_of_birth=data["deceased_date_of_birth"],
            deceased_address=data["deceased_address"],
            deceased_postcode=data["deceased_postcode"],
            deceased_customer_number=data["deceased_customer_number"],
            reporter_email=data["reporter_email"],
            reporter_phone=data["reporter_phone"],
            relation=data["relation"],
            mandate=data["mandate"],
            preferred_contact=data["preferred_contact"],
        )

    def uploaded_document(self) -> Document | None:
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        return Document(upload.name, upload.read())


class UndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Waarom klopte de koppeling niet?"),
        max_length=500,
        error_messages={"required": _("Geef aan waarom de koppeling niet klopte.")},
    )


class SettleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Actie"), choices=SubscriptionAction.Kind.choices)
    on = forms.DateField(
        label=_("Datum"), required=False, widget=DateInput, help_text=_("Leeg bij beëindigen: de overlijdensdatum.")
    )
    transfer_to = forms.CharField(label=_("Overzetten op naam van"), max_length=200, required=False)
