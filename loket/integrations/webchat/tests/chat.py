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
