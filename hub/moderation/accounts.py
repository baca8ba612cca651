"""Remote accounts: suspend (block) or limit one actor, and lift it again."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.moderation import ModerationError, audit
from hub.store.models import Follow, RemoteActor, RemoteNote
from hub.store.types import utcnow

ACTIONS = ("suspend", "unsuspend", "limit", "unlimit")


async def find_remote(session: AsyncSession, target: str) -> RemoteActor:
    """A known remote actor by its URI or its handle user@host, or ModerationError."""
    target = target.strip().removeprefix("acct:").removeprefix("@")
    if target.startswith(("https://", "http://")):
        query = select(RemoteActor).where(RemoteActor.uri == target)
    elif target.count("@") == 1:
        user, host = target.split("@")
        query = select(RemoteActor).where(
            RemoteActor.username == user, RemoteActor.domain == host.lower()
        )
    else:
        raise ModerationError(f"{target!r} is neither an actor URL nor a handle user@host")
    found = (await session.execute(query.limit(1))).scalar_one_or_none()
    if found is None:
        raise ModerationError(f"no known remote account {target!r}")
    return found


async def moderate_actor(
    session: AsyncSession, remote: RemoteActor, action: str, moderator: str, reason: str = ""
) -> None:
    """Suspend, unsuspend, limit or unlimit a remote actor, and log it."""
    if action not in ACTIONS:
        raise ModerationError(f"the action must be one of {', '.join(ACTIONS)}")
    now = utcnow()
    if action == "suspend":
        remote.suspended_at = now
        # No follows either way; its inbox items are refused from now on (S28).
        await session.execute(delete(Follow).where(Follow.remote_actor_id == remote.id))
    elif action == "unsuspend":
        remote.suspended_at = None
    elif action == "limit":
        remote.limited_at = now
        await _mark_notes(session, remote, True)
    else:
        remote.limited_at = None
        await _mark_notes(session, remote, False)
    await audit.record(session, moderator, f"actor.{action}", remote.uri, reason)
    await session.flush()


async def _mark_notes(session: AsyncSession, remote: RemoteActor, limited: bool) -> None:
    await session.execute(
        update(RemoteNote).where(RemoteNote.remote_actor_id == remote.id).values(limited=limited)
    )


async def moderated_actors(session: AsyncSession, limit: int = 500) -> list[RemoteActor]:
    """Remote accounts that are suspended or limited now, by domain and name."""
    query = (
        select(RemoteActor)
        .where(RemoteActor.suspended_at.is_not(None) | RemoteActor.limited_at.is_not(None))
        .order_by(RemoteActor.domain, RemoteActor.username)
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())
