"""A coop's notifications: follows, replies (mentions), favourites and boosts of its posts.

Ids are numeric and sort by time: the event's time in milliseconds times 1000, plus a digit for
its kind and the last two digits of its row id (unique unless 100 of one kind share a millisecond).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.statuses import MAX_PAGE, Cursor
from hub.store.models import (
    Follow,
    FollowDirection,
    FollowState,
    Interaction,
    InteractionKind,
    LocalActor,
    Post,
    RemoteActor,
    RemoteNote,
)

KINDS = ("follow", "follow_request", "mention", "favourite", "reblog")


@dataclass(frozen=True)
class Notice:
    """One notification: who, what, when, and the status it is about."""

    id: int
    type: str
    created_at: datetime
    account: RemoteActor
    post: Post | None = None
    note: RemoteNote | None = None


def notice_id(moment: datetime, kind: str, row_id: int) -> int:
    """The sortable id of a notification."""
    return int(moment.timestamp() * 1000) * 1000 + KINDS.index(kind) * 100 + row_id % 100


async def notifications(
    session: AsyncSession, coop: LocalActor, cursor: Cursor, kinds: set[str]
) -> list[Notice]:
    """The newest notifications of the coop within the cursor, of the kinds asked."""
    limit = max(1, min(cursor.limit, MAX_PAGE))
    upper = _moment(cursor.max_id) if cursor.max_id else None
    found: list[Notice] = []
    if kinds & {"follow", "follow_request"}:
        found += await _follows(session, coop, upper, limit)
    if kinds & {"favourite", "reblog"}:
        found += await _interactions(session, coop, upper, limit)
    if "mention" in kinds:
        found += await _replies(session, coop, upper, limit)
    lower = cursor.min_id or cursor.since_id
    found = [
        n for n in found
        if n.type in kinds and (cursor.max_id is None or n.id < cursor.max_id)
        and (lower is None or n.id > lower)
    ]  # fmt: skip
    return sorted(found, key=lambda n: n.id, reverse=True)[:limit]


def _moment(raw_id: int) -> datetime:
    return datetime.fromtimestamp((raw_id // 1000 + 1) / 1000, UTC)


async def _follows(
    session: AsyncSession, coop: LocalActor, upper: datetime | None, limit: int
) -> list[Notice]:
    query = (
        select(Follow, RemoteActor)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(Follow.local_actor_id == coop.id, Follow.direction == FollowDirection.inbound)
    )
    rows = await _newest(session, query, Follow.created_at, upper, limit)
    notices = []
    for follow, actor in rows:
        kind = "follow" if follow.state == FollowState.accepted else "follow_request"
        moment = follow.created_at
        notices.append(Notice(notice_id(moment, kind, follow.id), kind, moment, actor))
    return notices


async def _interactions(
    session: AsyncSession, coop: LocalActor, upper: datetime | None, limit: int
) -> list[Notice]:
    query = (
        select(Interaction, RemoteActor, Post)
        .join(RemoteActor, RemoteActor.id == Interaction.remote_actor_id)
        .join(Post, Post.id == Interaction.post_id)
        .where(Post.local_actor_id == coop.id, Post.deleted_at.is_(None))
    )
    rows = await _newest(session, query, Interaction.created_at, upper, limit)
    notices = []
    for row, actor, post in rows:
        kind = "favourite" if row.kind == InteractionKind.like else "reblog"
        moment = row.created_at
        notices.append(Notice(notice_id(moment, kind, row.id), kind, moment, actor, post=post))
    return notices


async def _replies(
    session: AsyncSession, coop: LocalActor, upper: datetime | None, limit: int
) -> list[Notice]:
    query = (
        select(RemoteNote, RemoteActor)
        .join(RemoteActor, RemoteActor.id == RemoteNote.remote_actor_id)
        .join(Post, Post.id == RemoteNote.in_reply_to_post_id)
        .where(Post.local_actor_id == coop.id, RemoteNote.deleted_at.is_(None))
    )
    rows = await _newest(session, query, RemoteNote.published_at, upper, limit)
    return [
        Notice(notice_id(note.published_at, "mention", note.id), "mention", note.published_at,
               actor, note=note)
        for note, actor in rows
    ]  # fmt: skip


async def _newest(
    session: AsyncSession, query: Any, column: Any, upper: datetime | None, limit: int
) -> list[Any]:
    if upper is not None:
        query = query.where(column < upper)
    return list((await session.execute(query.order_by(column.desc()).limit(limit))).all())
