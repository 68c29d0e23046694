"""The chat widget's public URLs (no login): docs/channels/webchat.md."""

from __future__ import annotations

from django.urls import path

from loket.integrations.webchat import views

urlpatterns = [
    path("widget.js", views.loader, name="webchat_loader"),
    path("<str:key>/", views.page, name="webchat_page"),
    path("<str:key>/bezoeker/", views.visitor, name="webchat_visitor"),
    path("<str:key>/berichten/", views.messages, name="webchat_messages"),
    path("<str:key>/bijlagen/", views.upload, name="webchat_upload"),
    path("<str:key>/gelezen/", views.read, name="webchat_read"),
    path("<str:key>/status/", views.status, name="webchat_status"),
    path("<str:key>/bericht-achterlaten/", views.leave, name="webchat_leave"),
    path("<str:key>/gesprek-mailen/", views.transcript, name="webchat_transcript"),
]
