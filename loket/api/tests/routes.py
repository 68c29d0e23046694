"""Every API route once, with a request that succeeds for ``org``'s token (``world`` below).

The tenant-isolation test and the malformed-input battery both walk this table, and
``test_isolation.py`` checks that it covers every route of the API: a new route cannot be
added without being tried by another organisation's token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# What another organisation's token gets:
#   "404"  - the route names one of org's objects (in the path or the body): 404, never data;
#   "list" - a list: 200 with none of org's rows (even when filtered by one of org's ids);
#   "own"  - the route creates something in the caller's own organisation: 2xx, landing there.
OUTSIDER_404, OUTSIDER_LIST, OUTSIDER_OWN = "404", "list", "own"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "/cases/{case}": placeholders are keys of the ``world`` fixture
    body: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    outsider: str = OUTSIDER_404
    ok: int = 200
    admin: bool = False  # needs a token with the admin scope (the organisation's configuration)

    def url(self, world: dict[str, int]) -> str:
        return self.path.format(**world)

    def data(self, world: dict[str, int]) -> dict[str, Any] | None:
        return _fill(self.body, world) if self.body is not None else None

    def query(self, world: dict[str, int]) -> dict[str, Any]:
        return _fill(self.params, world)

    @property
    def template(self) -> str:
        """The path with every placeholder as ``{}``, to compare with the API's own paths."""
        return re.sub(r"\{[^}]*\}", "{}", self.path)


def _fill(value: Any, world: dict[str, int]) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, world) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return world[value[1:-1]]
    return value


INBOUND_BODY = {
    "external_id": "route-table-1",
    "channel": "whatsapp",
    "sender": {"kind": "whatsapp", "value": "+31 6 87654321", "name": "Kees"},
    "text": "Wanneer komt de monteur?",
}

HOURS_BODY = {
    "weekly": {"monday": [{"opens": "09:00", "closes": "17:00"}]},
    "exceptions": [{"date": "2026-12-24", "label": "Kerstavond", "hours": []}],
}

ROUTES: list[Route] = [
    Route("GET", "/customers", params={"q": "Jolanda"}, outsider=OUTSIDER_LIST),
    Route("POST", "/customers", body={"name": "Nieuwe klant"}, outsider=OUTSIDER_OWN, ok=201),
    Route("GET", "/customers/{customer}"),
    Route("PATCH", "/customers/{customer}", body={"notes": "Belt liever na 17 uur."}),
    Route("POST", "/customers/{customer}/identities", body={"kind": "email", "value": "j@example.org"}, ok=201),
    Route("GET", "/customers/{customer}/subscriptions"),
    Route("POST", "/customers/{customer}/subscriptions", body={"product": "Hoekbank", "reference": "B-1"}, ok=201),
    Route("POST", "/customers/{duplicate}/merge", body={"into": "{customer}"}),
    Route("GET", "/cases", params={"customer": "{customer}"}, outsider=OUTSIDER_LIST),
    Route("POST", "/cases", body={"customer_id": "{customer}", "subject": "Factuur"}, ok=201),
    Route("GET", "/cases/{case}"),
    Route("PATCH", "/cases/{case}", body={"priority": "high", "tags": ["levering"]}),
    Route("POST", "/cases/{case}/handover", body={"to_team": "{team}", "reason": "expertise", "note": "Planning"}),
    Route("POST", "/cases/{case}/resolve"),
    Route("POST", "/cases/{resolved_case}/reopen"),
    Route("GET", "/cases/{inbound_case}/messages"),
    Route("POST", "/cases/{case}/messages", body={"kind": "note", "text": "Klant belt terug."}, ok=201),
    Route("GET", "/cases/{inbound_case}/contacts"),
    Route("GET", "/events", params={"case": "{case}"}, outsider=OUTSIDER_LIST),
    Route("POST", "/inbound/messages", body=INBOUND_BODY, outsider=OUTSIDER_OWN, ok=201),
    Route(
        "POST",
        "/inbound/batches",
        body={"messages": [{**INBOUND_BODY, "external_id": "route-table-batch-1"}]},
        outsider=OUTSIDER_OWN,
        ok=202,
    ),
    Route("GET", "/inbound/deliveries/{delivery}"),
    Route("GET", "/mailboxes", outsider=OUTSIDER_LIST, admin=True),
    Route(
        "POST",
        "/mailboxes",
        body={"address": "route-table@loket.example", "sender_name": "Routes"},
        outsider=OUTSIDER_OWN,
        ok=201,
        admin=True,
    ),
    Route("GET", "/mailboxes/{mailbox}", admin=True),
    Route("PATCH", "/mailboxes/{mailbox}", body={"signature": "Team Klantenservice"}, admin=True),
    Route(
        "PUT",
        "/mailboxes/{mailbox}/imap",
        body={"host": "imap.woonwinkel.example", "username": "service", "password": "geheim"},
        admin=True,
    ),
    Route("DELETE", "/mailboxes/{mailbox}/imap", admin=True),
    Route("GET", "/channel-accounts", outsider=OUTSIDER_LIST, admin=True),
    Route(
        "POST",
        "/channel-accounts",
        body={"kind": "whatsapp", "external_id": "2077", "secrets": {"app_secret": "a", "verify_token": "v"}},
        outsider=OUTSIDER_OWN,
        ok=201,
        admin=True,
    ),
    Route("GET", "/channel-accounts/{channel_account}", admin=True),
    Route("PATCH", "/channel-accounts/{channel_account}", body={"name": "Service"}, admin=True),
    Route("GET", "/channel-accounts/{account}/templates", params={"status": "APPROVED"}),
    # The organisation's own opening hours: another organisation's token reads and sets its own.
    Route("GET", "/business-hours", outsider=OUTSIDER_OWN, admin=True),
    Route("PUT", "/business-hours", body=HOURS_BODY, outsider=OUTSIDER_OWN, admin=True),
    Route("GET", "/business-hours/teams/{team}", admin=True),
    Route("PUT", "/business-hours/teams/{team}", body=HOURS_BODY, admin=True),
    Route("DELETE", "/business-hours/teams/{team}", admin=True),
    # The Klantcontact Monitor (docs/monitor.md).
    Route("GET", "/surveys", outsider=OUTSIDER_LIST),
    Route(
        "POST",
        "/surveys",
        body={"name": "API-enquête", "questions": [{"kind": "csat"}]},
        outsider=OUTSIDER_OWN,
        ok=201,
        admin=True,
    ),
    Route("GET", "/surveys/{survey}"),
    Route("GET", "/survey-responses", outsider=OUTSIDER_LIST),
    Route("GET", "/alerts", outsider=OUTSIDER_LIST),
    Route("GET", "/alerts/{alert}"),
    Route("POST", "/alerts/{alert}/acknowledge", admin=True),
    Route("POST", "/alerts/{alert}/resolve", admin=True),
    Route("GET", "/promises", params={"case": "{case}"}, outsider=OUTSIDER_LIST),
    Route(
        "POST",
        "/promises",
        body={
            "case_id": "{case}",
            "kind": "pickup",
            "description": "Bank ophalen",
            "due_until": "2099-01-05T17:00:00Z",
        },
        ok=201,
    ),
    Route("GET", "/promises/{promise}"),
    Route("GET", "/promises/{promise}/history"),
    Route("POST", "/promises/{promise}/keep", body={"note": "Geleverd"}),
    Route("POST", "/promises/{promise}/break", body={"note": "Niet gelukt"}),
    Route("POST", "/promises/{promise}/cancel", body={"reason": "Klant ziet af van levering"}),
    Route("POST", "/promises/{promise}/renegotiate", body={"due_until": "2099-01-09T17:00:00Z"}, ok=201),
    Route("POST", "/promises/{promise}/report", body={"outcome": "failed", "reason": "Niet op voorraad"}),
    Route("POST", "/promises/report-by-ref/{external_ref}", body={"outcome": "kept"}),
    # Figures and the board of the caller's own organisation.
    Route("GET", "/promises/kept-rate", params={"by": "kind"}, outsider=OUTSIDER_OWN),
    Route("GET", "/promises/board", outsider=OUTSIDER_OWN),
    Route("POST", "/promises/reporters", body={"name": "Vervoerder"}, outsider=OUTSIDER_OWN, ok=201, admin=True),
    Route("POST", "/promises/booking-links", body={"case_id": "{case}"}, ok=201),
    # The organisation's own configuration: another organisation's token reads and sets its own.
    Route("GET", "/promises/policies", outsider=OUTSIDER_OWN, admin=True),
    Route(
        "PUT",
        "/promises/policies/{policy_kind}",
        body={"remind_minutes": 30, "risk_working_days": 2},
        outsider=OUTSIDER_OWN,
        admin=True,
    ),
    # The customer's booking: no token, the signed link is the permission, whoever holds it
    # (a tampered or foreign link is refused: promises/tests/test_booking.py).
    Route("GET", "/bookings/{booking_token}/slots", outsider=OUTSIDER_OWN),
    Route("POST", "/bookings/{booking_token}", body={"slot": "{slot}"}, outsider=OUTSIDER_OWN, ok=201),
    Route("POST", "/bookings/{booked_token}/move", body={"slot": "{slot}"}, outsider=OUTSIDER_OWN),
    Route("POST", "/bookings/{booked_token}/cancel", outsider=OUTSIDER_OWN),
    # Reporting a death lands in the caller's own organisation (docs/bereavement.md).
    Route(
        "POST",
        "/death-notifications",
        body={
            "deceased_name": "Hendrik Bakker",
            "date_of_death": "2026-01-05",
            "reporter_name": "Nazorg BV",
            "reporter_email": "d@nazorg.example",
        },
        outsider=OUTSIDER_OWN,
        ok=201,
    ),
    Route("GET", "/death-notifications/{notification}"),
]
