"""A coop's followers and follows, and its relationship to remote accounts, for client apps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.statuses import MAX_PAGE, REMOTE_ID_OFFSET, Cursor, bounded
from hub.store.models import Follow, FollowDirection, FollowState, LocalActor, RemoteActor
from hub.store.types import MAX_ID


@dataclass(frozen=True)
class Relationship:
    """How a coop and an account (by client API id) relate."""

    account_id: int
    following: bool = False
    followed_by: bool = False
    requested: bool = False
    requested_by: bool = False


async def follows_of(
    session: AsyncSession, coop: LocalActor, direction: FollowDirection, cursor: Cursor
) -> Sequence[tuple[Follow, RemoteActor]]:
    """Accepted followers (inbound) or follows (outbound), newest first, paged by follow id."""
    query = (
        select(Follow, RemoteActor)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(
            Follow.local_actor_id == coop.id,
            Follow.direction == direction,
            Follow.state == FollowState.accepted,
        )
    )
    cursor = bounded(cursor)
    if cursor.max_id is not None:
        query = query.where(Follow.id < cursor.max_id)
    if cursor.since_id is not None or cursor.min_id is not None:
        query = query.where(Follow.id > (cursor.min_id or cursor.since_id or 0))
    limit = max(1, min(cursor.limit, MAX_PAGE))
    rows = (await session.execute(query.order_by(Follow.id.desc()).limit(limit))).all()
    return [(follow, actor) for follow, actor in rows]


async def relationships(
    session: AsyncSession, coop: LocalActor, account_ids: Sequence[int]
) -> list[Relationship]:
    """The coop's relationship to each account; our own coops are never followed here."""
    remote_ids = [i - REMOTE_ID_OFFSET for i in account_ids
                  if REMOTE_ID_OFFSET < i <= REMOTE_ID_OFFSET + MAX_ID]  # fmt: skip
    query = select(Follow).where(
        Follow.local_actor_id == coop.id, Follow.remote_actor_id.in_(remote_ids)
    )
    follows = (await session.execute(query)).scalars().all() if remote_ids else []
    answers = []
    for account_id in account_ids:
        mine = [f for f in follows if f.remote_actor_id + REMOTE_ID_OFFSET == account_id]
        out = next((f for f in mine if f.direction == FollowDirection.outbound), None)
        inbound = next((f for f in mine if f.direction == FollowDirection.inbound), None)
        answers.append(
            Relationship(
                account_id,
                following=out is not None and out.state == FollowState.accepted,
                followed_by=inbound is not None and inbound.state == FollowState.accepted,
                requested=out is not None and out.state == FollowState.pending,
                requested_by=inbound is not None and inbound.state == FollowState.pending,
            )
        )
    return answers
