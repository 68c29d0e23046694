"""The desk's promise pages (Dutch paths); the public booking page and webhook are in loket/urls.py."""

from __future__ import annotations

from django.urls import path

from loket.promises import views

app_name = "promises"

urlpatterns = [
    path("zaken/<int:case_id>/toezeggingen/", views.case_promises_partial, name="case_promises"),
    path("zaken/<int:case_id>/toezeggingen/nieuw/", views.promise_make, name="make"),
    path("zaken/<int:case_id>/terugbellink/", views.booking_link_make, name="booking_link"),
    path("toezeggingen/", views.board, name="board"),
    path("toezeggingen/betrouwbaarheid/", views.reliability, name="reliability"),
    path("toezeggingen/<int:promise_id>/", views.promise_detail, name="detail"),
    path("toezeggingen/<int:promise_id>/nagekomen/", views.promise_keep, name="keep"),
    path("toezeggingen/<int:promise_id>/gebroken/", views.promise_break, name="break"),
    path("toezeggingen/<int:promise_id>/annuleren/", views.promise_cancel, name="cancel"),
    path("toezeggingen/<int:promise_id>/opnieuw/", views.promise_renegotiate, name="renegotiate"),
    path("meldingen/", views.notifications, name="notifications"),
    path("meldingen/<int:notification_id>/gelezen/", views.notification_read, name="notification_read"),
]
