"""Helpers of the chat tests: the visitor's requests, as the widget makes them."""

from __future__ import annotations

import json

from django.urls import reverse


def say(client, widget, token: str, text: str, client_id: str, **details: str):
    body = json.dumps({"text": text, "client_id": client_id, **details})
    return client.post(
        reverse("webchat_messages", args=[widget.key]),
        body,
        content_type="application/json",
        headers={"X-Loket-Visitor": token},
    )


def conversation(client, widget, token: str, after: int = 0) -> list[dict]:
    response = client.get(
        reverse("webchat_messages", args=[widget.key]), {"na": after}, headers={"X-Loket-Visitor": token}
    )
    assert response.status_code == 200, response.content
    return response.json()["items"]


def leave(client, widget, token: str, client_id: str = "l1", lang: str = "nl", **form: str):
    """The leave-a-message form, as the frame posts it."""
    return client.post(
        reverse("webchat_leave", args=[widget.key]) + f"?lang={lang}",
        json.dumps({"client_id": client_id, **form}),
        content_type="application/json",
        headers={"X-Loket-Visitor": token},
    )


def mail_transcript(client, widget, token: str, email: str, lang: str = "nl"):
    return client.post(
        reverse("webchat_transcript", args=[widget.key]) + f"?lang={lang}",
        json.dumps({"email": email}),
        content_type="application/json",
        headers={"X-Loket-Visitor": token},
    )


def status(client, widget, lang: str = "nl") -> dict:
    response = client.get(reverse("webchat_status", args=[widget.key]), {"lang": lang})
    assert response.status_code == 200, response.content
    return response.json()
