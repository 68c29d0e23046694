"""Small display helpers for the desk: labels of stored choice values and channel marks."""

from __future__ import annotations

from django import template
from django.db.models import TextChoices
from django.forms import BoundField
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from loket.accounts.models import Role
from loket.cases.models import Case, Handover, Message
from loket.customers.models import Channel
from loket.integrations.email.quotes import split_reply
from loket.lib.html import has_remote_images as html_has_remote_images

register = template.Library()


def _label(choices: type[TextChoices], value: str | None) -> str:
    try:
        return str(choices(value or "").label)
    except ValueError:
        return str(value or "")


@register.filter
def reply_parts(message: Message) -> tuple[str, str]:
    """An inbound e-mail's new text and its folded rest (quoted history, signature)."""
    if message.kind != Message.Kind.INBOUND or message.channel != Channel.EMAIL:
        return message.text, ""
    return split_reply(message.text)


@register.filter
def has_remote_images(message: Message) -> bool:
    return html_has_remote_images(message.html)


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


@register.simple_tag
def plain_select(field: BoundField) -> SafeString:
    """A choice field's ``<select>``, built here instead of by the widget templates.

    Django renders a template per ``<option>``; on the inbox filters (the hottest page, some 60
    options) that was a fifth of the page's rendering time. Same markup: name, id, the
    widget's attributes, the selected option.
    """
    current = field.value()
    current = "" if current is None else str(current)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == current else "", label)
            for value, label in field.field.choices  # type: ignore[attr-defined]
        ),
    )
    attrs = flatatt({**field.field.widget.attrs, "name": field.html_name, "id": field.auto_id})
    return format_html("<select{}>{}</select>", attrs, options)
