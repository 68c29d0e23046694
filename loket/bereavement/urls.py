"""The public report form and the desk's bereavement pages (Dutch paths)."""

from __future__ import annotations

from django.urls import path

from loket.bereavement import views

urlpatterns = [
    path("overlijden/<str:key>/", views.public_report, name="bereavement_public"),
    path("overlijdensmeldingen/", views.notification_list, name="bereavement_list"),
    path("overlijdensmeldingen/nieuw/", views.notification_new, name="bereavement_new"),
    path("overlijdensmeldingen/<int:death_notification_id>/", views.notification_detail, name="bereavement_detail"),
    path(
        "overlijdensmeldingen/<int:death_notification_id>/bevestigen/",
        views.notification_confirm,
        name="bereavement_confirm",
    ),
    path(
        "overlijdensmeldingen/<int:death_notification_id>/abonnementen/",
        views.notification_settle,
        name="bereavement_settle",
    ),
    path(
        "overlijdensmeldingen/<int:death_notification_id>/ongedaan/", views.notification_undo, name="bereavement_undo"
    ),
    path(
        "overlijdensmeldingen/<int:death_notification_id>/document/",
        views.notification_document,
        name="bereavement_document",
    ),
]
