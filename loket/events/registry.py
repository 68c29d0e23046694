"""The catalogue of domain events. It is also the webhook catalogue and docs/events.md."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise as LazyStr
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class EventType:
    name: str
    description: LazyStr | str
    on_timeline: bool = True


_TYPES = [
    EventType("customer.created", _("Een klant is aangemaakt."), on_timeline=False),
    EventType("customer.updated", _("Gegevens van een klant zijn gewijzigd."), on_timeline=False),
    EventType("customer.identity_added", _("Een identiteit is aan een klant toegevoegd."), on_timeline=False),
    EventType(
        "customer.deceased", _("Een klant is overleden: stop facturen, incasso en marketing."), on_timeline=False
    ),
    EventType(
        "customer.deceased_undone",
        _("Een klant was ten onrechte als overleden gemarkeerd: hervat facturen en andere berichten."),
        on_timeline=False,
    ),
    EventType("customer.merged", _("Twee klanten zijn samengevoegd."), on_timeline=False),
    EventType(
        "customer.opted_out",
        _("Een klant wil geen berichten meer op een adres (sms: STOP); Loket stuurt er niets meer heen."),
        on_timeline=False,
    ),
    EventType("customer.opted_in", _("Een klant wil weer berichten op een adres (sms: START)."), on_timeline=False),
    EventType("case.opened", _("Een zaak is geopend.")),
    EventType("case.updated", _("Onderwerp, prioriteit, contactreden of labels van een zaak zijn gewijzigd.")),
    EventType("case.message_received", _("Een bericht van de klant is binnengekomen."), on_timeline=False),
    EventType("case.reply_sent", _("Een medewerker heeft de klant geantwoord."), on_timeline=False),
    EventType("case.note_added", _("Een interne notitie is toegevoegd."), on_timeline=False),
    EventType("case.assigned", _("Een medewerker heeft een zaak uit de wachtrij genomen.")),
    EventType("case.delivery_updated", _("De bezorgstatus van een uitgaand bericht is gewijzigd."), on_timeline=False),
    EventType("case.handed_over", _("Een zaak is overgedragen aan een collega of team.")),
    EventType("case.status_changed", _("De status van een zaak is gewijzigd.")),
    EventType("case.resolved", _("Een zaak is opgelost.")),
    EventType("case.reopened", _("Een opgeloste zaak is heropend.")),
    EventType("case.transcript_sent", _("Een chatbezoeker heeft het gesprek naar zich laten mailen.")),
    EventType("survey.saved", _("Een enquête is ingesteld of gewijzigd."), on_timeline=False),
    EventType("survey.dashboard_saved", _("Het monitordashboard is anders ingesteld."), on_timeline=False),
    EventType("survey.invited", _("De klant is uitgenodigd een klantcontact te beoordelen."), on_timeline=False),
    EventType("survey.answered", _("Een klant heeft een enquête beantwoord (het eerste antwoord).")),
    EventType("survey.completed", _("Een klant heeft de overige vragen van een enquête ingevuld."), on_timeline=False),
    EventType("alert.rule_saved", _("Een alarmregel is ingesteld of gewijzigd."), on_timeline=False),
    EventType(
        "alert.raised",
        _("Een alarmregel is afgegaan: de tevredenheid is onder de drempel (met de reacties die het veroorzaakten)."),
        on_timeline=False,
    ),
    EventType("alert.acknowledged", _("Een teamleider heeft een alarm in behandeling genomen."), on_timeline=False),
    EventType("alert.commented", _("Er is een opmerking bij een alarm geplaatst."), on_timeline=False),
    EventType("alert.resolved", _("Een alarm is afgehandeld (door iemand, of vanzelf hersteld)."), on_timeline=False),
    EventType("promise.made", _("Een toezegging aan de klant is gedaan (terugbellen, ophalen, levering …).")),
    EventType(
        "promise.reminded", _("De eigenaar is herinnerd aan een toezegging die bijna ingaat."), on_timeline=False
    ),
    EventType("promise.at_risk", _("Een toezegging dreigt niet nagekomen te worden: de teamleider is gewaarschuwd.")),
    EventType("promise.kept", _("Een toezegging is nagekomen.")),
    EventType(
        "promise.kept_late",
        _("Een toezegging die al gebroken was, is alsnog nagekomen (de breuk blijft staan)."),
    ),
    EventType("promise.broken", _("Een toezegging is gebroken: het venster is verstreken.")),
    EventType("promise.cancelled", _("Een toezegging is geannuleerd, met een reden.")),
    EventType("promise.renegotiated", _("Voor een toezegging is een nieuwe afspraak gemaakt.")),
    EventType(
        "promise.cannot_be_kept",
        _("Een externe partij meldt dat een toezegging niet kan worden nagekomen; de eigenaar is gewaarschuwd."),
    ),
    EventType("bereavement.reported", _("Een overlijden is gemeld; de zaak is voor een specialist.")),
    EventType("bereavement.matched", _("De specialist heeft de melding aan de overleden klant gekoppeld.")),
    EventType(
        "bereavement.subscription_settled",
        _("Een abonnement van een overleden klant is afgehandeld: beëindigd, overgezet of aangehouden tot een datum."),
    ),
    EventType("bereavement.match_undone", _("Een verkeerde koppeling van een overlijdensmelding is ongedaan gemaakt.")),
]

EVENT_TYPES: dict[str, EventType] = {t.name: t for t in _TYPES}


def get_event_type(name: str) -> EventType:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise ValueError(f"Unknown event type {name!r}: add it to loket/events/registry.py") from None
