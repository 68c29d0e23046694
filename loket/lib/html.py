"""Sanitising HTML before any agent sees it (nh3, the Rust ammonia sanitiser)."""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "img",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan", "rowspan"}}


def sanitize_html(html: str) -> str:
    """Keep structure, drop scripts, styles, event handlers and remote-tracking tricks."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},  # a link opens outside the desk
        strip_comments=True,
    )


# An <img> in sanitised HTML that a remote server would serve (a tracking pixel tells the sender
# when and where the mail was read): shown only when the agent asks.
REMOTE_IMAGE_SRC = re.compile(r"(<img\b[^>]*?\s)src=(?=\"https?://)", re.IGNORECASE)


def has_remote_images(html: str) -> bool:
    return bool(REMOTE_IMAGE_SRC.search(html))


def block_remote_images(html: str) -> str:
    """The sanitised HTML with every remote image's ``src`` renamed, so that it is not requested."""
    return REMOTE_IMAGE_SRC.sub(r"\1data-blocked-src=", html)
