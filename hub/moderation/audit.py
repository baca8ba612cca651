"""The audit log: every moderation action with who, what, when and why; its public part."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import DomainBlock, ModerationAction

MAX_REASON = 5000
# Actions against coops that the public page lists (domain blocks are listed as they stand).
PUBLIC_ACTIONS = ("coop.suspend", "coop.unsuspend", "coop.limit", "coop.unlimit", "coop.purge")


@dataclass(frozen=True)
class PublicEntry:
    """One line of the public record: what, against whom, when, and the reason if public."""

    action: str
    target: str
    reason: str
    when: datetime
    private: bool = False


async def record(
    session: AsyncSession,
    moderator: str,
    action: str,
    target: str,
    reason: str = "",
    private: bool = False,
    report_id: int | None = None,
) -> ModerationAction:
    """Write one audit line (in the caller's transaction)."""
    row = ModerationAction(
        moderator=moderator,
        action=action,
        target=target,
        reason=reason.strip()[:MAX_REASON],
        reason_private=private,
        report_id=report_id,
    )
    session.add(row)
    await session.flush()
    return row


async def list_actions(session: AsyncSession, limit: int = 100) -> Sequence[ModerationAction]:
    """The newest audit lines first."""
    query = select(ModerationAction).order_by(ModerationAction.id.desc()).limit(limit)
    return (await session.execute(query)).scalars().all()


async def actions_on(
    session: AsyncSession, target: str, limit: int = 50
) -> Sequence[ModerationAction]:
    """The newest audit lines about one target (a coop's username, a domain, an actor URI)."""
    query = (
        select(ModerationAction)
        .where(ModerationAction.target == target)
        .order_by(ModerationAction.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def public_blocks(session: AsyncSession) -> list[PublicEntry]:
    """Domain blocks as they stand, with their public comment (obfuscated names hidden)."""
    query = select(DomainBlock).where(DomainBlock.severity != "allow").order_by(DomainBlock.domain)
    return [
        PublicEntry(block.severity, obfuscated(block.domain) if block.obfuscate else block.domain,
                    block.public_comment, block.created_at)
        for block in (await session.execute(query)).scalars()
    ]  # fmt: skip


async def public_coop_actions(session: AsyncSession, limit: int = 200) -> list[PublicEntry]:
    """Actions against coops, newest first; a reason marked private is left out."""
    query = (
        select(ModerationAction)
        .where(ModerationAction.action.in_(PUBLIC_ACTIONS))
        .order_by(ModerationAction.id.desc())
        .limit(limit)
    )
    return [
        PublicEntry(row.action, row.target, "" if row.reason_private else row.reason,
                    row.created_at, row.reason_private)
        for row in (await session.execute(query)).scalars()
    ]  # fmt: skip


def obfuscated(domain: str) -> str:
    """Mastodon's way of naming a domain without spelling it out: every other letter a star."""
    return "".join(
        char if index % 2 == 0 or char == "." else "*" for index, char in enumerate(domain)
    )
