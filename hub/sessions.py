"""Logged-in browsers: random session tokens, stored only as hashes, ended on logout."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import Person, WebSession
from hub.store.types import utcnow

LIFETIME = timedelta(days=14)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def start(session: AsyncSession, person: Person) -> str:
    """Open a session for a person; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(token_hash=_hash(token), person_id=person.id, expires_at=utcnow() + LIFETIME)
    )
    await session.flush()
    return token


async def person_for(session: AsyncSession, token: str | None) -> Person | None:
    """The person of a live session token, or None."""
    if not token or len(token) > 100:
        return None
    query = (
        select(Person)
        .join(WebSession, WebSession.person_id == Person.id)
        .where(WebSession.token_hash == _hash(token), WebSession.expires_at > utcnow())
    )
    return (await session.execute(query)).scalar_one_or_none()


async def end(session: AsyncSession, token: str) -> None:
    """Log one session out."""
    await session.execute(delete(WebSession).where(WebSession.token_hash == _hash(token)))


async def end_others(session: AsyncSession, person_id: int, keep: str | None = None) -> None:
    """Log out every other session of a person (after a password change or reset)."""
    query = delete(WebSession).where(WebSession.person_id == person_id)
    if keep:
        query = query.where(WebSession.token_hash != _hash(keep))
    await session.execute(query)


async def purge_expired(session: AsyncSession) -> int:
    """Delete expired sessions; return how many."""
    result = await session.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
