"""Posts of our actors (the posting service grows here with the federation issue)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import LocalActor, Post


async def find_post(session: AsyncSession, owner: LocalActor, post_id: int) -> Post | None:
    """A post of this actor by id, deleted or not."""
    query = select(Post).where(Post.id == post_id, Post.local_actor_id == owner.id)
    return (await session.execute(query)).scalar_one_or_none()
