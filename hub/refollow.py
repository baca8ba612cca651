"""Follows that come back with the id of a follow that was undone.

Activity ids are unique forever in our inbox, but some servers send a new Follow with the id of
one that was accepted and later undone. Without this it would be taken for a redelivery and
dropped, and the person could never follow again. An Undo that arrived *before* its Follow
still keeps that Follow dead (SECURITY-CHECKLIST O24): only a Follow that was processed, then
undone, is stored afresh.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.db import Database
from hub.store.models import InboxItem, InboxState

FINISHED = (InboxState.done, InboxState.ignored)


async def store_again_if_undone(db: Database, row: dict[str, Any]) -> bool:
    """Store a repeated Follow afresh when its earlier copy was processed and then undone."""
    async with db.begin() as session:
        earlier = await _earlier_follow(session, row)
        if earlier is None:
            return False
        undos = await _later_undos(session, earlier)
        if not undos:
            return False
        await session.execute(delete(InboxItem).where(InboxItem.id.in_([earlier.id, *undos])))
        await session.flush()
        session.add(InboxItem(**row))
    return True


async def _earlier_follow(session: AsyncSession, row: dict[str, Any]) -> InboxItem | None:
    query = select(InboxItem).where(InboxItem.activity_uri == row["activity_uri"])
    earlier = (await session.execute(query)).scalar_one_or_none()
    if earlier is None or earlier.state != InboxState.done:
        return None
    return earlier if earlier.actor_uri == row["actor_uri"] else None


async def _later_undos(session: AsyncSession, follow: InboxItem) -> list[int]:
    stored = InboxItem.ap_json
    query = select(InboxItem.id).where(
        InboxItem.actor_uri == follow.actor_uri,
        InboxItem.id > follow.id,
        InboxItem.state.in_(FINISHED),
        stored["type"].as_string() == "Undo",
        or_(
            stored["object"].as_string() == follow.activity_uri,
            stored[("object", "id")].as_string() == follow.activity_uri,
        ),
    )
    return list((await session.execute(query)).scalars())
