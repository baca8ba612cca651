"""Team credit: who of a coop's people posted each of its posts (never federated)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import LocalActor, Person, Post

RECENT = 20


@dataclass(frozen=True)
class CreditedPost:
    """A post of the coop and the email of the person who posted it (None: CLI or unknown)."""

    post: Post
    person_email: str | None


async def recent_posts(
    session: AsyncSession, coop: LocalActor, limit: int = RECENT
) -> list[CreditedPost]:
    """The coop's newest live posts of every visibility, each with the person who posted it."""
    query = (
        select(Post, Person.email)
        .outerjoin(Person, Person.id == Post.person_id)
        .where(Post.local_actor_id == coop.id, Post.deleted_at.is_(None))
        .order_by(Post.id.desc())
        .limit(limit)
    )
    return [CreditedPost(post, email) for post, email in (await session.execute(query)).all()]


async def poster_email(session: AsyncSession, post: Post) -> str | None:
    """The email of the person who posted it, if one of the coop's people did."""
    if post.person_id is None:
        return None
    person = await session.get(Person, post.person_id)
    return person.email if person else None
