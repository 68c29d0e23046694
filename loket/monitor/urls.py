"""The monitor's desk pages (Dutch paths, under /monitor/)."""

from __future__ import annotations

from django.urls import path

from loket.monitor import views

app_name = "monitor"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("instellingen/", views.dashboard_settings, name="dashboard_settings"),
    path("export.csv", views.export_csv, name="export"),
    path("week/", views.weekly, name="weekly"),
    path("mijn-scores/", views.my_scores, name="my_scores"),
    path("enquetes/", views.surveys, name="surveys"),
    path("enquetes/<int:survey_id>/", views.surveys, name="survey"),
    path("alarmregels/", views.alert_rules, name="alert_rules"),
    path("alarmregels/<int:rule_id>/", views.alert_rules, name="alert_rule"),
    path("alarmen/", views.alerts, name="alerts"),
    path("alarmen/<int:alert_id>/", views.alert_detail, name="alert"),
    path("alarmen/<int:alert_id>/<str:action>/", views.alert_action, name="alert_action"),
]
