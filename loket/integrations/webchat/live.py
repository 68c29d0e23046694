"""The chat widget's live side: a visitor's WebSocket, and what the server pushes to it.

Groups a visitor's socket joins: ``chat-visitor-<account>-<visitor>`` (to hear of a case it
just opened) and, per case the visitor wrote in, ``case-<id>`` (every case event: a reply, a
delivery update) and ``chat-typing-<id>`` (an agent typing). As for the agents' screens only
ids travel; the socket re-reads the visitor's conversation itself (``conversation.py``), so
nothing else of the case reaches the browser.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from loket.live.publish import case_group


def visitor_group(account_id: int, visitor: str) -> str:
    return f"chat-visitor-{account_id}-{visitor}"


def typing_group(case_id: int) -> str:
    return f"chat-typing-{case_id}"


def _send(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


def joined(account: Any, visitor: str, case_id: int) -> None:
    """Tell the visitor's open sockets that they now write in ``case_id``."""
    _send(visitor_group(account.pk, visitor), {"type": "chat.joined", "case_id": case_id})


def agent_typing(case_id: int, name: str) -> None:
    _send(typing_group(case_id), {"type": "chat.typing", "name": name})


class VisitorConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/chat/<key>/?token=…``: refused (4403) for an unknown widget or a token it did not issue."""

    async def connect(self) -> None:
        key = self.scope["url_route"]["kwargs"]["key"]
        token = (parse_qs(self.scope.get("query_string", b"").decode()).get("token") or [""])[0]
        found = await self._find(key, token)
        if found is None:
            await self.close(code=4403)
            return
        self.account, self.visitor, case_ids = found
        self.groups_joined: set[str] = set()
        self.last_id = 0
        await self._join(visitor_group(self.account.pk, self.visitor))
        for case_id in case_ids:
            await self._join_case(case_id)
        await self.accept()

    @database_sync_to_async
    def _find(self, key: str, token: str) -> tuple[Any, str, list[int]] | None:
        from loket.integrations.models import ChannelAccount
        from loket.integrations.webchat.conversation import visitor_cases
        from loket.integrations.webchat.visitors import visitor_of

        account = ChannelAccount.objects.filter(key=key, kind=ChannelAccount.Kind.CHAT, is_active=True).first()
        if account is None:
            return None
        visitor = visitor_of(account, token)
        if visitor is None:
            return None
        return account, visitor, list(visitor_cases(account, visitor))

    async def _join(self, group: str) -> None:
        if group not in self.groups_joined:
            self.groups_joined.add(group)
            await self.channel_layer.group_add(group, self.channel_name)

    async def _join_case(self, case_id: int) -> None:
        await self._join(case_group(case_id))
        await self._join(typing_group(case_id))

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", ()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        # The widget says from which message on it needs the conversation (after a reconnect).
        if isinstance(content, dict) and content.get("type") == "since":
            since = content.get("id")
            self.last_id = since if isinstance(since, int) and since >= 0 else 0
            await self._push()

    async def _push(self) -> None:
        items = await self._messages(self.last_id)
        if items:
            self.last_id = max(item["id"] for item in items)
            await self.send_json({"type": "messages", "items": items})

    @database_sync_to_async
    def _messages(self, after: int) -> list[dict[str, Any]]:
        from loket.integrations.webchat.conversation import visitor_messages

        return visitor_messages(self.account, self.visitor, after=after)

    async def chat_joined(self, message: dict[str, Any]) -> None:
        await self._join_case(message["case_id"])
        await self._push()

    async def loket_event(self, message: dict[str, Any]) -> None:
        await self._push()

    async def chat_typing(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": "typing", "name": message["name"]})
