"""Signed, single-use, expiring links to an invitation's response page.

The token carries only the invitation's id and its random nonce, signed with SECRET_KEY: it
says nothing about the case or the customer. Expiry and single use are checked against the
invitation row (``expires_at``, ``answered_at``), so they cannot be forged either.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from loket.monitor.models import SurveyInvitation

SALT = "loket.monitor.survey-link"


def token_for(invitation: SurveyInvitation) -> str:
    return signing.dumps([invitation.pk, invitation.nonce], salt=SALT, compress=False)


def url_for(invitation: SurveyInvitation) -> str:
    return settings.SITE_URL + reverse("survey_response", args=[token_for(invitation)])


def invitation_for(token: str) -> SurveyInvitation | None:
    """The invitation a token names, or None for a tampered or unknown token."""
    try:
        pk, nonce = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(nonce, str):
        return None
    return (
        SurveyInvitation.objects.select_related("survey", "organization", "customer", "response")
        .filter(pk=pk, nonce=nonce)
        .first()
    )
