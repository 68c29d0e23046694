"""Attachments as files: a safe name, and a content type that says what the file is."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

import puremagic

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def safe_filename(name: str) -> str:
    """A filename safe to store and to offer for download; never empty, never a path."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return (name or "bijlage")[:200]


GENERIC_TYPES = {"", "application/octet-stream", "application/unknown", "binary/octet-stream"}


def content_type_of(content: bytes, declared: str, filename: str = "") -> str:
    """The declared type; when the sender declared none (``application/octet-stream``), what the
    bytes are (their magic numbers, puremagic), else what the name says. Downloads are served
    as attachments with ``nosniff`` whatever this says: it is for the agent to read, and for
    choosing the images a mail may show inline (those must also be declared as images)."""
    declared = (declared or "").strip().lower()
    if declared not in GENERIC_TYPES:
        return declared[:150]
    try:
        sniffed = puremagic.from_string(content[:8192], mime=True)
    except (puremagic.PureError, ValueError):
        sniffed = ""
    return (sniffed or mimetypes.guess_type(filename)[0] or "application/octet-stream")[:150]
