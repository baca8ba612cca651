"""Moderation checks the worker makes with a query (never on the inbox's hot path)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.moderation.gate import bare_host, suffixes
from hub.store.models import DomainBlock, LocalActor, RemoteActor
from hub.uris import Uris


async def domain_block(session: AsyncSession, uri_or_host: str) -> DomainBlock | None:
    """The block (not an allow entry) that covers this server, the most specific one."""
    names = suffixes(bare_host(uri_or_host))
    if not names or names == [""]:
        return None
    query = select(DomainBlock).where(
        DomainBlock.domain.in_(names), DomainBlock.severity != "allow"
    )
    found = sorted((await session.execute(query)).scalars(), key=lambda b: -len(b.domain))
    return found[0] if found else None


async def is_limited(session: AsyncSession, remote: RemoteActor) -> bool:
    """True when the actor or its server is limited."""
    if remote.limited_at is not None:
        return True
    block = await domain_block(session, remote.uri)
    return block is not None and block.severity == "silence"


async def actor_suspended(session: AsyncSession, actor_uri: str) -> bool:
    """True when the actor is suspended (its items stored before the suspension are dropped)."""
    query = select(RemoteActor.suspended_at).where(RemoteActor.uri == actor_uri)
    return (await session.execute(query)).scalar_one_or_none() is not None


async def rejects_reports(session: AsyncSession, actor_uri: str) -> bool:
    """True when reports from this server are ignored."""
    block = await domain_block(session, actor_uri)
    return block is not None and (block.reject_reports or block.severity == "suspend")


async def may_reshare(session: AsyncSession, uris: Uris, owner_uri: str) -> bool:
    """False for a limited coop, or a limited remote member or server."""
    username = uris.username_of(owner_uri)
    if username is not None:
        query = select(LocalActor.limited_at).where(LocalActor.username == username)
        return (await session.execute(query)).scalar_one_or_none() is None
    remote = (
        await session.execute(select(RemoteActor).where(RemoteActor.uri == owner_uri))
    ).scalar_one_or_none()
    return remote is None or not await is_limited(session, remote)
