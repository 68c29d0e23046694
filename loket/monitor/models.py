"""Klantcontact Monitor: surveys after every contact, their responses, dashboards and alarms.

A ``Survey`` says who is invited (after every ended contact or after resolution only, a sample,
at most once per customer per N days) and what is asked. A ``SurveyInvitation`` is one
invitation on one channel for one ended contact, with a snapshot of who handled it; a
``Response`` is its answer, with the same snapshot (later handovers do not move it).
``ResponseRollup`` holds the counts per hour and dimension that the dashboard reads, updated
with every invitation and response, so the dashboard never scans raw responses. An
``AlertRule`` trips an ``Alert`` when satisfaction over a rolling window drops.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import TenantModel
from loket.customers.models import Channel


class Metric(models.TextChoices):
    CSAT = "csat", _("Klanttevredenheid (CSAT, 1-5)")
    MARK = "mark", _("Rapportcijfer (1-10)")
    NPS = "nps", _("Aanbevelingsscore (NPS, 0-10)")
    CES = "ces", _("Klantinspanning (CES, 1-7)")
    SOLVED = "solved", _("Vraag opgelost (ja/nee)")


class QuestionKind(models.TextChoices):
    CSAT = "csat", _("Klanttevredenheid (CSAT, 1-5)")
    MARK = "mark", _("Rapportcijfer (1-10)")
    NPS = "nps", _("Aanbevelingsscore (NPS, 0-10)")
    CES = "ces", _("Klantinspanning (CES, 1-7)")
    SOLVED = "solved", _("Vraag opgelost (ja/nee)")
    TEXT = "text", _("Open vraag")


# The answers each scored question takes (inclusive); "solved" is 1 (yes) or 0 (no).
SCALES: dict[str, tuple[int, int]] = {"csat": (1, 5), "mark": (1, 10), "nps": (0, 10), "ces": (1, 7), "solved": (0, 1)}

SHORT_LABELS = {"csat": "CSAT", "mark": _("Cijfer"), "nps": "NPS", "ces": "CES", "solved": ""}

# A "low" score: the one that flags the case for its owner to follow up.
LOW: dict[str, int] = {"csat": 2, "mark": 5, "nps": 6, "ces": 3, "solved": 0}


class Survey(TenantModel):
    """Enquête: what is asked, and after which contacts, for the organisation, a team or a channel.

    The most specific active survey applies to a contact (team and channel, then team, then
    channel, then the organisation's own).
    """

    class Trigger(models.TextChoices):
        EVERY_CONTACT = "contact", _("Na elk afgerond klantcontact")
        RESOLUTION = "resolution", _("Alleen als de zaak is opgelost")

    name = models.CharField(_("naam"), max_length=120)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices, blank=True)
    trigger = models.CharField(_("wanneer"), max_length=12, choices=Trigger.choices, default=Trigger.EVERY_CONTACT)
    sample_percent = models.PositiveSmallIntegerField(_("steekproef (%)"), default=100)
    quiet_days = models.PositiveSmallIntegerField(_("hoogstens één uitnodiging per klant per … dagen"), default=14)
    # [{"kind": "csat", "nl": "…", "en": "…"}, …]: the first is a scored question (one tap).
    questions = models.JSONField(_("vragen"), default=list)
    valid_days = models.PositiveSmallIntegerField(_("link geldig (dagen)"), default=7)
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("enquête")
        verbose_name_plural = _("enquêtes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def first_kind(self) -> str:
        return self.questions[0]["kind"] if self.questions else Metric.CSAT


class SurveyInvitation(TenantModel):
    """Uitnodiging: one invitation for one ended contact, on that contact's channel."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey("cases.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    identity = models.ForeignKey(
        "customers.Identity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey("cases.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    # The snapshot at the moment the contact ended.
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("contactreden"), max_length=100, blank=True)
    contact_ended_at = models.DateTimeField()
    # Part of the signed link; a new one makes every earlier link of this invitation worthless.
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("uitnodiging")
        verbose_name_plural = _("uitnodigingen")
        indexes = [
            models.Index(fields=["organization", "customer", "-created_at"], name="invitation_customer"),
            models.Index(fields=["organization", "identity", "channel", "-created_at"], name="invitation_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.customer_id} ({self.channel})"


class Response(TenantModel):
    """Reactie: the answers to one invitation, with the invitation's snapshot (attribution)."""

    invitation = models.OneToOneField(SurveyInvitation, on_delete=models.CASCADE, related_name="response")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="survey_responses")
    contact = models.ForeignKey("cases.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("contactreden"), max_length=100, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    mark = models.PositiveSmallIntegerField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    solved = models.BooleanField(null=True, blank=True)
    comment = models.TextField(_("toelichting"), blank=True)
    low = models.BooleanField(_("lage score"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    seconds_to_response = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reactie")
        verbose_name_plural = _("reacties")
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="response_org_created"),
            models.Index(fields=["organization", "team", "-created_at"], name="response_org_team"),
            models.Index(fields=["organization", "agent", "-created_at"], name="response_org_agent"),
            models.Index(fields=["organization", "channel", "-created_at"], name="response_org_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}: {self.score_text}"

    def score(self, metric: str) -> int | None:
        value = getattr(self, metric)
        return None if value is None else int(value)

    @property
    def score_text(self) -> str:
        """The answers as people read them: "CSAT 4 · opgelost"."""
        parts = []
        for metric, label in SHORT_LABELS.items():
            value = self.score(metric)
            if value is None:
                continue
            if metric == "solved":
                parts.append(str(_("opgelost") if value else _("niet opgelost")))
            else:
                parts.append(f"{label} {value}")
        return " · ".join(parts)


class ResponseRollup(TenantModel):
    """Counts per hour and per day, once for the whole organisation and once per team, agent,
    channel and reason for contact: what the dashboard reads instead of the responses.

    Every invitation and response adds to its hour's and its day's five cells in one statement,
    in its own transaction (``rollups.py``). A dashboard reads one dimension's cells of its
    period: at most days (or hours) x (teams, agents, channels or reasons) rows, however many
    responses there are.
    """

    class Dimension(models.TextChoices):
        ALL = "all", _("Alles")
        TEAM = "team", _("Team")
        AGENT = "agent", _("Medewerker")
        CHANNEL = "channel", _("Kanaal")
        REASON = "reason", _("Contactreden")

    class Span(models.TextChoices):
        HOUR = "hour", _("Uur")
        DAY = "day", _("Dag")

    # An hour's cell (the 24-hour dashboard) and a day's (longer periods: 24 times fewer rows);
    # a day starts at midnight in Europe/Amsterdam, stored in UTC like every time.
    span = models.CharField(max_length=4, choices=Span.choices, default=Span.HOUR)
    bucket = models.DateTimeField()  # the start of the hour or day
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=100, blank=True)  # the team's or agent's id, the channel, the reason
    invitations = models.PositiveIntegerField(default=0)
    responses = models.PositiveIntegerField(default=0)
    low = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    mark_sum = models.PositiveIntegerField(default=0)
    mark_n = models.PositiveIntegerField(default=0)
    nps_promoters = models.PositiveIntegerField(default=0)
    nps_detractors = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    ces_sum = models.PositiveIntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    solved_yes = models.PositiveIntegerField(default=0)
    solved_n = models.PositiveIntegerField(default=0)
    fcr_yes = models.PositiveIntegerField(default=0)
    fcr_n = models.PositiveIntegerField(default=0)
    handovers = models.PositiveIntegerField(default=0)
    # Distribution of the first question's answers (0 to 10).
    dist_0 = models.PositiveIntegerField(default=0)
    dist_1 = models.PositiveIntegerField(default=0)
    dist_2 = models.PositiveIntegerField(default=0)
    dist_3 = models.PositiveIntegerField(default=0)
    dist_4 = models.PositiveIntegerField(default=0)
    dist_5 = models.PositiveIntegerField(default=0)
    dist_6 = models.PositiveIntegerField(default=0)
    dist_7 = models.PositiveIntegerField(default=0)
    dist_8 = models.PositiveIntegerField(default=0)
    dist_9 = models.PositiveIntegerField(default=0)
    dist_10 = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "span", "dimension", "key", "bucket"], name="rollup_unique_cell"
            )
        ]


class Dashboard(TenantModel):
    """What the organisation's dashboard shows: metrics, period, grouping, target lines."""

    class Grouping(models.TextChoices):
        TEAM = "team", _("Team")
        AGENT = "agent", _("Medewerker")
        CHANNEL = "channel", _("Kanaal")
        REASON = "reason", _("Contactreden")

    metrics = models.JSONField(_("meetwaarden"), default=list)
    period_days = models.PositiveSmallIntegerField(_("periode (dagen)"), default=7)
    grouping = models.CharField(_("groeperen op"), max_length=10, choices=Grouping.choices, default=Grouping.TEAM)
    targets = models.JSONField(_("streefwaarden"), default=dict)  # {"csat": 4.2, "nps": 30}
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("dashboard")
        constraints = [models.UniqueConstraint(fields=["organization"], name="dashboard_one_per_org")]


class AlertRule(TenantModel):
    """Alarmregel: when satisfaction over a rolling window drops below a threshold, or one
    response scores very low."""

    class Kind(models.TextChoices):
        WINDOW = "window", _("Gemiddelde over een venster")
        SINGLE = "single", _("Eén zeer lage score")

    class Scope(models.TextChoices):
        ALL = "all", _("Alles")
        TEAM = "team", _("Team")
        CHANNEL = "channel", _("Kanaal")
        REASON = "reason", _("Contactreden")

    name = models.CharField(_("naam"), max_length=120)
    kind = models.CharField(_("soort"), max_length=10, choices=Kind.choices, default=Kind.WINDOW)
    metric = models.CharField(_("meetwaarde"), max_length=10, choices=Metric.choices, default=Metric.CSAT)
    scope = models.CharField(_("bereik"), max_length=10, choices=Scope.choices, default=Scope.ALL)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    channel = models.CharField(_("kanaal"), max_length=10, choices=Channel.choices, blank=True)
    reason = models.CharField(_("contactreden"), max_length=100, blank=True)
    window_minutes = models.PositiveIntegerField(_("venster (minuten)"), null=True, blank=True)
    window_count = models.PositiveIntegerField(_("venster (laatste … reacties)"), null=True, blank=True)
    min_responses = models.PositiveIntegerField(_("minimaal aantal reacties"), default=10)
    threshold = models.FloatField(_("drempel"))
    is_active = models.BooleanField(_("actief"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("alarmregel")
        verbose_name_plural = _("alarmregels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Alert(TenantModel):
    """Alarm: a rule that tripped, with the responses that caused it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACKNOWLEDGED = "acknowledged", _("In behandeling")
        RESOLVED = "resolved", _("Afgehandeld")

    OPEN_STATUSES = (Status.OPEN, Status.ACKNOWLEDGED)

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    value = models.FloatField(_("waarde"))
    sample = models.PositiveIntegerField(_("aantal reacties"), default=0)
    responses = models.ManyToManyField(Response, related_name="alerts", blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    auto_resolved = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("alarm")
        verbose_name_plural = _("alarmen")
        ordering = ["-opened_at"]
        constraints = [
            # No repeated alarms while one is open: a second trip adds to the open one.
            models.UniqueConstraint(
                fields=["rule"], condition=Q(status__in=["open", "acknowledged"]), name="alert_one_open_per_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class AlertComment(TenantModel):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField(_("opmerking"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
