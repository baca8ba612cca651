"""Facts about this hub as a whole: usage figures for NodeInfo."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.discovery import NodeUsage
from hub.actors.local import count_coops
from hub.store.models import ActorKind, LocalActor, Post
from hub.store.types import utcnow


async def usage(session: AsyncSession) -> NodeUsage:
    """Live coops, coops that posted in the last 30 and 180 days, and local posts."""
    now = utcnow()
    posts = await session.execute(
        select(func.count()).select_from(Post).where(Post.deleted_at.is_(None))
    )
    return NodeUsage(
        users_total=await count_coops(session),
        active_month=await _active_since(session, now - timedelta(days=30)),
        active_halfyear=await _active_since(session, now - timedelta(days=180)),
        local_posts=int(posts.scalar_one()),
    )


async def _active_since(session: AsyncSession, since: object) -> int:
    query = (
        select(func.count(distinct(Post.local_actor_id)))
        .join(LocalActor, LocalActor.id == Post.local_actor_id)
        .where(
            Post.published_at >= since,
            Post.deleted_at.is_(None),
            LocalActor.kind == ActorKind.coop,
            LocalActor.deleted_at.is_(None),
        )
    )
    return int((await session.execute(query)).scalar_one())
