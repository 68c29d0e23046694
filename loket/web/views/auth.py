"""Logging in and out, password reset, and choosing the organisation to work in."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from loket.accounts.middleware import SESSION_KEY
from loket.accounts.selectors import list_memberships
from loket.web.access import DeskRequest


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    # Own names: django.contrib.auth ships an English "password_reset_subject.txt" that would win.
    email_template_name = "registration/reset_mail_body.txt"
    subject_template_name = "registration/reset_mail_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


@login_required
@require_POST
def switch_organization(request: DeskRequest) -> HttpResponse:
    """Work in another organisation the user is an active member of (else 404)."""
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        raise Http404 from None
    membership = list_memberships(request.user).filter(organization_id=organization_id).first()
    if membership is None:
        raise Http404
    request.session[SESSION_KEY] = membership.organization_id
    messages.success(request, _("Je werkt nu in %(name)s.") % {"name": membership.organization.name})
    return redirect("web:inbox")
