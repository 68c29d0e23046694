"""WhatsApp message templates as Meta describes them: their text, their placeholders, filling them in.

Pure (no database, no I/O): it reads the ``components`` Meta's Message Templates API returns
and turns an agent's values into the text the customer reads and the parameters the Graph
API wants. What Loket sends: templates whose only variables are in the body, positional
(``{{1}}``, ``{{2}}`` …) or named (``{{order_number}}``), with a text header, a footer and
buttons that need no value (quick replies, a phone number, a fixed link). What it does not:
media or location headers, a variable in the header, buttons with a variable (a link with a
suffix, a coupon code, one-time passwords, flows, catalogues), carousels and authentication
templates. Those are kept, marked with why (``Shape.unsupported``), and not offered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")
# Buttons that send nothing Loket must fill in.
STATIC_BUTTONS = {"QUICK_REPLY", "PHONE_NUMBER", "URL", "VOICE_CALL"}


@dataclass(frozen=True)
class Shape:
    """What a template looks like to an agent."""

    header: str = ""
    body: str = ""
    footer: str = ""
    buttons: list[str] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)  # the body's placeholders, in the order sent
    examples: dict[str, str] = field(default_factory=dict)  # placeholder → Meta's example value
    unsupported: str = ""  # a code (see ``unsupported_reason``); '' when Loket can send it

    @property
    def named(self) -> bool:
        return any(not name.isdigit() for name in self.parameters)


def shape(components: object, category: str = "") -> Shape:
    """Read Meta's ``components`` (whatever JSON they are); never raises."""
    header = body = footer = ""
    buttons: list[str] = []
    examples: dict[str, str] = {}
    unsupported = "authentication" if category.upper() == "AUTHENTICATION" else ""
    for component in components if isinstance(components, list) else []:
        if not isinstance(component, dict):
            continue
        kind = str(component.get("type") or "").upper()
        text = _text(component.get("text"))
        if kind == "HEADER":
            form = str(component.get("format") or "TEXT").upper()
            if form != "TEXT":
                unsupported = unsupported or f"header:{form}"
            elif PLACEHOLDER.search(text):
                unsupported = unsupported or "header-variable"
            header = text
        elif kind == "BODY":
            body = text
            examples = _examples(component.get("example"), _placeholders(text))
        elif kind == "FOOTER":
            footer = text
        elif kind == "BUTTONS":
            for button in component.get("buttons") or []:
                if not isinstance(button, dict):
                    continue
                button_type = str(button.get("type") or "").upper()
                if button_type not in STATIC_BUTTONS:
                    unsupported = unsupported or f"button:{button_type}"
                elif PLACEHOLDER.search(str(button.get("url") or "")):
                    unsupported = unsupported or "button-variable"
                buttons.append(str(button.get("text") or button_type))
        elif kind:
            unsupported = unsupported or f"component:{kind}"
    if not body:
        unsupported = unsupported or "no-body"
    return Shape(header, body, footer, buttons, _placeholders(body), examples, unsupported)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def unsupported_reason(code: str) -> str:
    """Why Loket cannot send a template, for the agent (``Shape.unsupported``)."""
    kind, _sep, detail = code.partition(":")
    reasons = {
        "authentication": _("een sjabloon voor inlogcodes (authenticatie)"),
        "header": _("een kop met %(kind)s") % {"kind": detail.lower()},
        "header-variable": _("een variabele in de kop"),
        "button": _("een knop van het soort %(kind)s") % {"kind": detail.lower()},
        "button-variable": _("een knop met een variabele"),
        "component": _("een onderdeel %(kind)s") % {"kind": detail.lower()},
        "no-body": _("geen tekst"),
    }
    return reasons.get(kind, code)


def _placeholders(text: str) -> list[str]:
    """Positional placeholders in number order (as Meta numbers the parameters), named ones in
    the order they appear; each once."""
    names = list(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(text)))
    if names and all(name.isdigit() for name in names):
        return sorted(names, key=int)
    return names


def _examples(example: object, names: list[str]) -> dict[str, str]:
    """Meta's example values (``body_text`` for positional, ``body_text_named_params`` for named)."""
    if not isinstance(example, dict):
        return {}
    found: dict[str, str] = {}
    named = example.get("body_text_named_params")
    if isinstance(named, list):
        for item in named:
            if isinstance(item, dict) and isinstance(item.get("param_name"), str):
                found[item["param_name"]] = str(item.get("example") or "")
    rows = example.get("body_text")
    if isinstance(rows, list) and rows and isinstance(rows[0], list):
        for number, value in enumerate(rows[0], start=1):
            if str(number) in names:
                found[str(number)] = str(value)
    return found


# --- Filling a template in ------------------------------------------------------------------


def clean_parameters(template: Shape, given: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The agent's values for the template's placeholders, and an error per field that is not
    right (``parameters.<name>``; ``parameters`` for names the template does not have).

    WhatsApp refuses a parameter that is empty, holds a line break or a tab, or more than four
    spaces in a row (error 132018): that is said here, before anything is sent.
    """
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    unknown = [name for name in given if name not in template.parameters]
    if unknown:
        errors["parameters"] = _("Dit sjabloon heeft geen variabele %(names)s.") % {
            "names": ", ".join(placeholder(name) for name in unknown)
        }
    for name in template.parameters:
        value = given.get(name)
        text = value.strip() if isinstance(value, str) else ""
        key = f"parameters.{name}"
        if not text:
            errors[key] = _("Vul %(placeholder)s in.") % {"placeholder": placeholder(name)}
        elif "\n" in text or "\t" in text or "\r" in text:
            errors[key] = _("WhatsApp neemt in een variabele geen regeleinde of tab aan.")
        elif "     " in text:
            errors[key] = _("WhatsApp neemt in een variabele niet meer dan vier spaties achter elkaar aan.")
        else:
            values[name] = text
    return values, errors


def placeholder(name: str) -> str:
    """``{{name}}``, as a template writes it."""
    return "{{" + name + "}}"


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced by its value (left as ``{{name}}`` without one)."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1)) or match.group(0), text)


def render(template: Shape, values: Mapping[str, str]) -> str:
    """The message as the customer reads it: header, body, footer, and the buttons' labels."""
    parts = [template.header, fill(template.body, values), template.footer]
    text = "\n\n".join(part for part in parts if part)
    if template.buttons:
        text += "\n\n" + "\n".join(f"[{label}]" for label in template.buttons)
    return text


def segments(text: str) -> list[tuple[str, str]]:
    """``text`` cut at its placeholders: ("text", …) and ("slot", name) pieces, for a preview
    that the desk's script fills in as the agent types."""
    pieces: list[tuple[str, str]] = []
    position = 0
    for match in PLACEHOLDER.finditer(text):
        if match.start() > position:
            pieces.append(("text", text[position : match.start()]))
        pieces.append(("slot", match.group(1)))
        position = match.end()
    if position < len(text):
        pieces.append(("text", text[position:]))
    return pieces


def send_components(values: Mapping[str, str]) -> list[dict[str, Any]]:
    """The Graph API's ``components`` for these values: one body component, its parameters in
    number order (positional) or each with its ``parameter_name`` (named); [] without values."""
    if not values:
        return []
    if all(name.isdigit() for name in values):
        parameters = [{"type": "text", "text": values[name]} for name in sorted(values, key=int)]
    else:
        parameters = [{"type": "text", "parameter_name": name, "text": text} for name, text in values.items()]
    return [{"type": "body", "parameters": parameters}]


def language_code(code: str) -> str:
    """A language as Meta writes it in template lists (``en_US``); webhooks write ``en-US``."""
    return code.strip().replace("-", "_")


def base_language(code: str) -> str:
    """``nl`` of ``nl``, ``en`` of ``en_US``: to compare with a customer's language."""
    return language_code(code).split("_", 1)[0].lower()
