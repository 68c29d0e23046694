"""Small display helpers for the desk: labels of stored choice values and channel marks."""

from __future__ import annotations

from django import template
from django.db.models import TextChoices
from django.utils.html import format_html
from django.utils.safestring import SafeString

from loket.accounts.models import Role
from loket.cases.models import Case, Handover, Message
from loket.customers.models import Channel

register = template.Library()


def _label(choices: type[TextChoices], value: str | None) -> str:
    try:
        return str(choices(value or "").label)
    except ValueError:
        return str(value or "")


@register.filter
def status_label(value: str) -> str:
    return _label(Case.Status, value)


@register.filter
def priority_label(value: str) -> str:
    return _label(Case.Priority, value)


@register.filter
def channel_label(value: str) -> str:
    return _label(Channel, value)


@register.filter
def handover_reason_label(value: str) -> str:
    return _label(Handover.Reason, value)


@register.filter
def delivery_label(value: str) -> str:
    return _label(Message.Delivery, value)


@register.filter
def role_label(value: str) -> str:
    return _label(Role, value)


@register.simple_tag
def channel_mark(channel: str) -> SafeString:
    """The channel as a small labelled badge; the text is there for screen readers and print."""
    if not channel:
        return format_html('<span class="chan chan--none">{}</span>', "—")
    return format_html('<span class="chan chan--{}">{}</span>', channel, channel_label(channel))
