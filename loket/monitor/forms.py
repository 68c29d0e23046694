"""Forms of the monitor's pages: they parse; the actions validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from loket.accounts.models import Team
from loket.customers.models import Channel
from loket.monitor.models import AlertRule, Dashboard, Metric, QuestionKind, Survey

SCORED = [(k, label) for k, label in QuestionKind.choices if k != QuestionKind.TEXT]
OPTIONAL = [("", _("— geen —")), *QuestionKind.choices]
CHANNELS = [("", _("Alle kanalen")), *Channel.choices]


class SurveyForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=120)
    team = forms.ModelChoiceField(
        label=_("Alleen voor team"), queryset=Team.objects.none(), required=False, empty_label=_("Alle teams")
    )
    channel = forms.ChoiceField(label=_("Alleen voor kanaal"), choices=CHANNELS, required=False)
    trigger = forms.ChoiceField(label=_("Wanneer"), choices=Survey.Trigger.choices)
    sample_percent = forms.IntegerField(label=_("Steekproef (%)"), initial=100)
    quiet_days = forms.IntegerField(
        label=_("Hoogstens één uitnodiging per klant per … dagen"), initial=14, help_text=_("0: na elk contact.")
    )
    valid_days = forms.IntegerField(label=_("Link geldig (dagen)"), initial=7)
    is_active = forms.BooleanField(label=_("Actief: klanten worden uitgenodigd"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(organization)  # type: ignore[attr-defined]
        for i in range(1, 5):
            choices = SCORED if i == 1 else OPTIONAL
            label = _("Eerste vraag (één tik)") if i == 1 else _("Vraag %(n)s") % {"n": i}
            self.fields[f"q{i}"] = forms.ChoiceField(label=label, choices=choices, required=i == 1)
            self.fields[f"q{i}_nl"] = forms.CharField(
                label=_("Eigen tekst (Nederlands)"), max_length=300, required=False
            )
            self.fields[f"q{i}_en"] = forms.CharField(label=_("Eigen tekst (Engels)"), max_length=300, required=False)

    @staticmethod
    def initial_for(survey: Survey) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "name": survey.name,
            "team": survey.team_id,
            "channel": survey.channel,
            "trigger": survey.trigger,
            "sample_percent": survey.sample_percent,
            "quiet_days": survey.quiet_days,
            "valid_days": survey.valid_days,
            "is_active": survey.is_active,
        }
        for i, question in enumerate(survey.questions, start=1):
            initial[f"q{i}"] = question["kind"]
            initial[f"q{i}_nl"] = question.get("nl", "")
            initial[f"q{i}_en"] = question.get("en", "")
        return initial

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        questions = []
        for i in range(1, 5):
            kind = data.pop(f"q{i}")
            nl, en = data.pop(f"q{i}_nl"), data.pop(f"q{i}_en")
            if kind:
                questions.append({"kind": kind, "nl": nl, "en": en})
        data["questions"] = questions
        return data


class DashboardForm(forms.Form):
    metrics = forms.MultipleChoiceField(
        label=_("Meetwaarden"), choices=Metric.choices, widget=forms.CheckboxSelectMultiple
    )
    period_days = forms.TypedChoiceField(
        label=_("Periode"),
        coerce=int,
        choices=[(1, _("Vandaag (24 uur)")), (7, _("7 dagen")), (30, _("30 dagen")), (90, _("90 dagen"))],
    )
    grouping = forms.ChoiceField(label=_("Groeperen op"), choices=Dashboard.Grouping.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for metric, label in Metric.choices:
            self.fields[f"target_{metric}"] = forms.FloatField(
                label=_("Streefwaarde: %(metric)s") % {"metric": label}, required=False
            )

    @staticmethod
    def initial_for(dashboard: Dashboard) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "metrics": dashboard.metrics,
            "period_days": dashboard.period_days,
            "grouping": dashboard.grouping,
        }
        for metric, value in dashboard.targets.items():
            initial[f"target_{metric}"] = value
        return initial

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        targets = {m: data[f"target_{m}"] for m in Metric.values if data.get(f"target_{m}") is not None}
        return {
            "metrics": data["metrics"],
            "period_days": data["period_days"],
            "grouping": data["grouping"],
            "targets": targets,
        }


class AlertRuleForm(forms.Form):
    name = forms.CharField(label=_("Naam"), max_length=120)
    kind = forms.ChoiceField(label=_("Soort"), choices=AlertRule.Kind.choices)
    metric = forms.ChoiceField(label=_("Meetwaarde"), choices=Metric.choices)
    scope = forms.ChoiceField(label=_("Bereik"), choices=AlertRule.Scope.choices)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    channel = forms.ChoiceField(label=_("Kanaal"), choices=CHANNELS, required=False)
    reason = forms.CharField(label=_("Contactreden"), max_length=100, required=False)
    window_minutes = forms.IntegerField(
        label=_("Venster: de laatste … minuten"), required=False, min_value=1, help_text=_("Bijv. 120 voor 2 uur.")
    )
    window_count = forms.IntegerField(label=_("Venster: de laatste … reacties"), required=False, min_value=1)
    min_responses = forms.IntegerField(label=_("Minimaal aantal reacties"), initial=10, min_value=1)
    threshold = forms.FloatField(
        label=_("Drempel"),
        help_text=_(
            "Alarm onder deze waarde (gemiddelde; NPS -100 tot 100; opgelost in %). "
            "Bij één zeer lage score: alarm bij deze score of lager."
        ),
    )
    is_active = forms.BooleanField(label=_("Actief"), required=False, initial=True)

    def __init__(self, *args: Any, organization: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.for_org(organization)  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(rule: AlertRule) -> dict[str, Any]:
        names = [f for f in AlertRuleForm.base_fields if f != "team"]
        return {**{name: getattr(rule, name) for name in names}, "team": rule.team_id}
