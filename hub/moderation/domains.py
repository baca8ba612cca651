"""Domain blocks with Mastodon's severities; a suspension severs follows and stops deliveries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.config import ConfigError, normalize_host
from hub.moderation import ModerationError, audit
from hub.moderation.paging import keyset
from hub.statuses import Cursor
from hub.store.models import (
    Delivery,
    DeliveryState,
    DomainBlock,
    Follow,
    RemoteActor,
    RemoteNote,
)
from hub.store.types import utcnow

SEVERITIES = ("silence", "suspend", "noop")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
MAX_COMMENT = 1000


@dataclass(frozen=True)
class BlockDraft:
    """A domain block as asked for (by the CLI, the web or a CSV line)."""

    domain: str
    severity: str = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    private_comment: str = ""
    obfuscate: bool = False


def check_domain(raw: str) -> str:
    """A bare host name, lowercased and IDNA-encoded, or ModerationError."""
    try:
        host = normalize_host(raw)
    except ConfigError:
        raise ModerationError(f"{raw!r} is not a domain name") from None
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels):
        raise ModerationError(f"{raw!r} is not a domain name like example.org")
    return host


def check_draft(draft: BlockDraft) -> BlockDraft:
    """The draft with its domain normalised, or ModerationError."""
    if draft.severity not in SEVERITIES:
        raise ModerationError(f"severity must be one of {', '.join(SEVERITIES)}")
    if len(draft.public_comment) > MAX_COMMENT or len(draft.private_comment) > MAX_COMMENT:
        raise ModerationError(f"a comment may have at most {MAX_COMMENT} characters")
    return BlockDraft(**{**draft.__dict__, "domain": check_domain(draft.domain)})


def on_domain(column: InstrumentedAttribute[str], domain: str) -> ColumnElement[bool]:
    """A `host[:port]` column is the domain or one of its subdomains."""
    return or_(
        column == domain,
        column.like(f"{domain}:%"),
        column.like(f"%.{domain}"),
        column.like(f"%.{domain}:%"),
    )


async def block_domain(session: AsyncSession, draft: BlockDraft, moderator: str) -> DomainBlock:
    """Add or change a block; a suspension severs follows and cancels what waits for them."""
    draft = check_draft(draft)
    query = select(DomainBlock).where(DomainBlock.domain == draft.domain)
    block = (await session.execute(query)).scalar_one_or_none()
    if block is None:
        block = DomainBlock(domain=draft.domain)
        session.add(block)
    for name, value in draft.__dict__.items():
        setattr(block, name, value)
    if draft.severity == "suspend":
        await sever_domain(session, draft.domain)
    await _mark_notes(session, draft.domain, draft.severity in ("suspend", "silence"))
    reason = draft.private_comment or draft.public_comment
    await audit.record(session, moderator, f"domain.{draft.severity}", draft.domain, reason,
                       private=not draft.public_comment)  # fmt: skip
    await session.flush()
    return block


async def unblock_domain(session: AsyncSession, raw: str, moderator: str, reason: str = "") -> None:
    """Lift a block (follows severed before stay severed, as in Mastodon)."""
    domain = check_domain(raw)
    found = await session.execute(
        delete(DomainBlock).where(DomainBlock.domain == domain, DomainBlock.severity != "allow")
    )
    if not found.rowcount:  # type: ignore[attr-defined]
        raise ModerationError(f"{domain} is not blocked")
    await _mark_notes(session, domain, False)
    await audit.record(session, moderator, "domain.unblock", domain, reason)


async def allow_domain(session: AsyncSession, raw: str, moderator: str, allow: bool = True) -> None:
    """Add a server to (or remove it from) the allow-list used with HUB_FEDERATION_ALLOWLIST."""
    domain = check_domain(raw)
    await session.execute(
        delete(DomainBlock).where(DomainBlock.domain == domain, DomainBlock.severity == "allow")
    )
    if allow:
        taken = select(DomainBlock.id).where(DomainBlock.domain == domain)
        if (await session.execute(taken)).first() is not None:
            raise ModerationError(f"{domain} is blocked; unblock it first")
        session.add(DomainBlock(domain=domain, severity="allow"))
    await audit.record(session, moderator, "domain.allow" if allow else "domain.disallow", domain)
    await session.flush()


async def list_blocks(session: AsyncSession, allows: bool = False) -> Sequence[DomainBlock]:
    """Every block (or every allowed server), by domain."""
    kind = DomainBlock.severity == "allow" if allows else DomainBlock.severity != "allow"
    query = select(DomainBlock).where(kind).order_by(DomainBlock.domain)
    return (await session.execute(query)).scalars().all()


async def page_blocks(session: AsyncSession, allows: bool, cursor: Cursor) -> list[DomainBlock]:
    """One page of blocks (or allow-list entries), newest first, for the admin API."""
    kind = DomainBlock.severity == "allow" if allows else DomainBlock.severity != "allow"
    return list(await keyset(session, select(DomainBlock).where(kind), DomainBlock.id, cursor))


async def find_block(session: AsyncSession, block_id: int, allow: bool) -> DomainBlock | None:
    """A block (or with `allow`, an allow-list entry) by id."""
    found = await session.get(DomainBlock, block_id)
    if found is None or (found.severity == "allow") != allow:
        return None
    return found


async def find_block_of(session: AsyncSession, domain: str) -> DomainBlock | None:
    """The block of exactly this domain, if any."""
    query = select(DomainBlock).where(DomainBlock.domain == domain, DomainBlock.severity != "allow")
    return (await session.execute(query)).scalar_one_or_none()


async def find_allow(session: AsyncSession, domain: str) -> DomainBlock:
    """The allow-list entry of a domain, or ModerationError."""
    query = select(DomainBlock).where(DomainBlock.domain == domain, DomainBlock.severity == "allow")
    found = (await session.execute(query)).scalar_one_or_none()
    if found is None:
        raise ModerationError(f"{domain} is not allow-listed")
    return found


async def sever_domain(session: AsyncSession, domain: str) -> None:
    """Drop follows both ways with the server's actors; cancel deliveries waiting for it."""
    actors = select(RemoteActor.id).where(on_domain(RemoteActor.domain, domain))
    await session.execute(delete(Follow).where(Follow.remote_actor_id.in_(actors)))
    await session.execute(
        update(Delivery)
        .where(Delivery.state == DeliveryState.pending, on_domain(Delivery.host, domain))
        .values(state=DeliveryState.failed, last_error="domain suspended", finished_at=utcnow())
    )


async def _mark_notes(session: AsyncSession, domain: str, limited: bool) -> None:
    """Keep the server's stored notes off the timeline (or bring back those of unlimited actors)."""
    actors = select(RemoteActor.id).where(on_domain(RemoteActor.domain, domain))
    if not limited:
        actors = actors.where(RemoteActor.limited_at.is_(None))
    await session.execute(
        update(RemoteNote).where(RemoteNote.remote_actor_id.in_(actors)).values(limited=limited)
    )
