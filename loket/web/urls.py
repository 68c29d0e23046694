"""The agent desk (Dutch paths). Auth routes are in urls_auth.py (names without namespace)."""

from __future__ import annotations

from django.urls import path

from loket.web.views import admin, attachments, auth, cases, customers, inbox, messages, search

app_name = "web"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("organisatie/", auth.switch_organization, name="switch_organization"),
    path("zoeken/", search.search, name="search"),
    # Cases
    path("zaken/<int:case_id>/", cases.case_detail, name="case"),
    path("zaken/<int:case_id>/tijdlijn/", cases.case_timeline_partial, name="case_timeline"),
    path("zaken/<int:case_id>/kop/", cases.case_header_partial, name="case_header"),
    path("zaken/<int:case_id>/antwoord/", cases.case_reply, name="case_reply"),
    path("zaken/<int:case_id>/sjabloon/", cases.case_template, name="case_template"),
    path("zaken/<int:case_id>/notitie/", cases.case_note, name="case_note"),
    path("zaken/<int:case_id>/typen/", cases.case_typing, name="case_typing"),
    path("zaken/<int:case_id>/overdracht/", cases.case_hand_over, name="case_hand_over"),
    path("zaken/<int:case_id>/nemen/", cases.case_take, name="case_take"),
    path("zaken/<int:case_id>/status/", cases.case_status, name="case_status"),
    path("zaken/<int:case_id>/gegevens/", cases.case_edit, name="case_edit"),
    path("bijlagen/<int:attachment_id>/", attachments.attachment_download, name="attachment"),
    path("berichten/<int:message_id>/opgemaakt/", messages.message_html, name="message_html"),
    path("berichten/afbeelding/<str:token>/", messages.inline_image, name="inline_image"),
    # Customers
    path("klanten/", customers.customer_list, name="customers"),
    path("klanten/<int:customer_id>/", customers.customer_detail, name="customer"),
    path("klanten/<int:customer_id>/identiteiten/", customers.customer_add_identity, name="customer_add_identity"),
    path("klanten/<int:customer_id>/samenvoegen/", customers.customer_merge_search, name="customer_merge_search"),
    path(
        "klanten/<int:customer_id>/samenvoegen/<int:source_id>/",
        customers.customer_merge_confirm,
        name="customer_merge_confirm",
    ),
    path(
        "klanten/<int:customer_id>/samenvoegen/<int:source_id>/bevestigen/",
        customers.customer_merge,
        name="customer_merge",
    ),
    # Admin
    path("beheer/medewerkers/", admin.members, name="admin_members"),
    path("beheer/medewerkers/toevoegen/", admin.member_add, name="admin_member_add"),
    path("beheer/medewerkers/nieuw/", admin.member_create, name="admin_member_create"),
    path("beheer/medewerkers/<int:membership_id>/rol/", admin.member_role, name="admin_member_role"),
    path("beheer/medewerkers/<int:membership_id>/actief/", admin.member_active, name="admin_member_active"),
    path("beheer/teams/", admin.teams, name="admin_teams"),
    path("beheer/teams/<int:team_id>/", admin.team_detail, name="admin_team"),
    path("beheer/openingstijden/", admin.business_hours, name="admin_business_hours"),
    path("beheer/openingstijden/teams/<int:team_id>/", admin.team_business_hours, name="admin_team_business_hours"),
    path("beheer/sleutels/", admin.tokens, name="admin_tokens"),
    path("beheer/sleutels/<int:token_id>/intrekken/", admin.token_revoke, name="admin_token_revoke"),
    path("beheer/mailboxen/", admin.mailboxes, name="admin_mailboxes"),
    path("beheer/mailboxen/<int:mailbox_id>/", admin.mailbox, name="admin_mailbox"),
    path("beheer/mailboxen/<int:mailbox_id>/actief/", admin.mailbox_active, name="admin_mailbox_active"),
    path("beheer/kanalen/", admin.channel_accounts, name="admin_channel_accounts"),
    path("beheer/kanalen/nieuw/", admin.channel_account_add, name="admin_channel_account_add"),
    path("beheer/kanalen/<int:account_id>/", admin.channel_account, name="admin_channel_account"),
    path("beheer/kanalen/<int:account_id>/actief/", admin.channel_account_active, name="admin_channel_account_active"),
    path("beheer/quarantaine/", admin.quarantine, name="admin_quarantine"),
    path(
        "beheer/quarantaine/<int:delivery_id>/origineel/", admin.quarantine_download, name="admin_quarantine_download"
    ),
    path("beheer/quarantaine/<int:delivery_id>/opnieuw/", admin.quarantine_retry, name="admin_quarantine_retry"),
    path("beheer/webhooks/", admin.webhooks, name="admin_webhooks"),
    path("beheer/webhooks/<int:endpoint_id>/", admin.webhook_detail, name="admin_webhook"),
    path("beheer/webhooks/<int:endpoint_id>/verwijderen/", admin.webhook_delete, name="admin_webhook_delete"),
]
