"""The one WebSocket an agent screen opens: ``/ws/live/?case=<id>``.

While it is open its user counts as present in the organisation it shows (``presence.py``):
the page sends ``{"type": "heartbeat"}`` every HEARTBEAT_SECONDS, which renews the mark.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from loket.accounts.selectors import active_membership
from loket.live import presence
from loket.live.publish import case_group, org_group


def _seconds(text: str) -> float | None:
    """The page's render time ('1764331234.123456', seconds since the epoch), or None."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value < 1e11 else None


class LiveConsumer(AsyncJsonWebsocketConsumer):
    groups: list[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        session = self.scope.get("session")
        org_id = session.get("loket_organization_id") if session else None
        query = parse_qs(self.scope.get("query_string", b"").decode())
        case_id = (query.get("case") or [""])[0]
        found = await self._groups_for(user, org_id, case_id)
        if found is None:
            await self.close(code=4403)
            return
        self.joined, self.organization_id = found
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self._present()  # before the handshake ends: once the page is connected, it counts
        await self.accept()
        # Subscribed now; what happened between the page's render and this moment is told at once.
        since = _seconds((query.get("since") or [""])[0])
        if case_id and since is not None and await self._changed_since(int(case_id), since):
            await self.send_json({"event": "case.changed", "case_id": int(case_id)})

    async def _present(self) -> None:
        await sync_to_async(presence.mark_present)(self.organization_id, self.scope["user"].pk, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "heartbeat":
            await self._present()

    @database_sync_to_async
    def _groups_for(self, user: Any, org_id: int | None, case_id: str) -> tuple[list[str], int] | None:
        from loket.cases.models import Case

        membership = active_membership(user, org_id)
        if membership is None:
            return None
        groups = [org_group(membership.organization_id)]
        if case_id:
            # Only a case of the user's current organisation; anything else is refused.
            if (
                not case_id.isdigit()
                or not Case.objects.for_org(membership.organization).filter(pk=int(case_id)).exists()
            ):
                return None
            groups.append(case_group(int(case_id)))
        return groups, membership.organization_id

    @database_sync_to_async
    def _changed_since(self, case_id: int, since: float) -> bool:
        from loket.events.models import Event

        # An event's time is taken before its transaction commits, so one written just before the
        # render may not be on the page: a quarter of a second's margin. A spurious refresh costs
        # a request (and closes what the agent unfolded); a missed one leaves a stale screen.
        moment = datetime.fromtimestamp(since - 0.25, tz=UTC)
        return Event.objects.filter(case_id=case_id, created_at__gte=moment).exists()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "organization_id", None) is not None:
            await sync_to_async(presence.mark_absent)(self.organization_id, self.scope["user"].pk, self.channel_name)

    async def loket_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"event": message["event"], "case_id": message["case_id"]})
