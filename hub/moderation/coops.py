"""Member coops: suspend (410, Delete to followers, purged after 30 days) or limit them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.vocab import with_context
from hub.actors.documents import actor_json
from hub.actors.local import find_actor
from hub.delivery import enqueue, follower_inboxes
from hub.moderation import ModerationError, audit
from hub.store.models import (
    ActorKind,
    Delivery,
    DeliveryState,
    Event,
    Follow,
    LocalActor,
    OutgoingActivity,
    Post,
)
from hub.store.types import utcnow
from hub.uris import Uris

KEEP_FOR = timedelta(days=30)
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def find_coop(session: AsyncSession, username: str) -> LocalActor:
    """A coop by username, suspended or not (not a purged or deleted one)."""
    coop = await find_actor(session, username)
    if coop is None or coop.kind != ActorKind.coop:
        raise ModerationError(f"no coop with the username {username.strip().lower()!r}")
    if coop.deleted_at is not None and coop.suspended_at is None:
        raise ModerationError(f"the coop {coop.username!r} was deleted")
    return coop


async def suspend(
    session: AsyncSession, uris: Uris, username: str, moderator: str, reason: str = "",
    private: bool = False,
) -> LocalActor:  # fmt: skip
    """Suspend: every URL answers 410, followers receive Delete{actor}; data kept 30 days."""
    coop = await find_coop(session, username)
    if coop.suspended_at is not None:
        raise ModerationError(f"the coop {coop.username!r} is suspended already")
    now = utcnow()
    await _tell_followers(session, uris, coop, "Delete", now)
    coop.suspended_at = coop.deleted_at = now
    await audit.record(session, moderator, "coop.suspend", coop.username, reason, private)
    await session.flush()
    return coop


async def unsuspend(
    session: AsyncSession, uris: Uris, username: str, moderator: str, reason: str = "",
    private: bool = False,
) -> LocalActor:  # fmt: skip
    """Restore a suspended coop before it is purged; followers receive Update{actor}."""
    coop = await find_coop(session, username)
    if coop.suspended_at is None:
        raise ModerationError(f"the coop {coop.username!r} is not suspended")
    coop.suspended_at = coop.deleted_at = None
    await _tell_followers(session, uris, coop, "Update", utcnow())
    await audit.record(session, moderator, "coop.unsuspend", coop.username, reason, private)
    await session.flush()
    return coop


async def limit(
    session: AsyncSession, username: str, moderator: str, limited: bool = True,
    reason: str = "", private: bool = False,
) -> LocalActor:  # fmt: skip
    """Limit (or unlimit) a coop: not re-shared by the network, hidden from the timeline."""
    coop = await find_coop(session, username)
    if (coop.limited_at is not None) == limited:
        state = "limited" if limited else "not limited"
        raise ModerationError(f"the coop {coop.username!r} is {state} already")
    coop.limited_at = utcnow() if limited else None
    action = "coop.limit" if limited else "coop.unlimit"
    await audit.record(session, moderator, action, coop.username, reason, private)
    await session.flush()
    return coop


async def purge_suspended(session: AsyncSession, now: datetime) -> int:
    """Delete the content of coops suspended more than 30 days ago; they stay 410 for good."""
    query = select(LocalActor).where(LocalActor.suspended_at < now - KEEP_FOR)
    coops = (await session.execute(query)).scalars().all()
    for coop in coops:
        await session.execute(delete(Post).where(Post.local_actor_id == coop.id))
        await session.execute(delete(Event).where(Event.local_actor_id == coop.id))
        await session.execute(delete(Follow).where(Follow.local_actor_id == coop.id))
        done = select(OutgoingActivity.id).where(OutgoingActivity.local_actor_id == coop.id)
        await session.execute(
            delete(Delivery).where(
                Delivery.activity_id.in_(done), Delivery.state != DeliveryState.pending
            )
        )
        coop.suspended_at = None  # from now on it is simply deleted
        coop.summary, coop.fields, coop.website = "", [], None
        await audit.record(session, "worker", "coop.purge", coop.username, "after 30 days")
    return len(coops)


async def _tell_followers(
    session: AsyncSession, uris: Uris, coop: LocalActor, kind: str, now: datetime
) -> None:
    inboxes = await follower_inboxes(session, coop)
    actor_id = uris.actor(coop.username)
    stamp = int(now.timestamp() * 1000)
    activity: dict[str, object] = {
        "id": f"{actor_id}#{kind.lower()}s/{stamp}",
        "type": kind,
        "actor": actor_id,
        "object": actor_id,
        "to": [PUBLIC],
        "cc": [uris.actor_urls(coop.username).followers],
    }
    if kind == "Update":
        activity["object"] = {k: v for k, v in actor_json(coop, uris).items() if k != "@context"}
    await enqueue(session, coop, with_context(activity), inboxes)
    if kind == "Delete":
        # Nothing the coop queued earlier goes out once it is suspended.
        queued = select(OutgoingActivity.id).where(
            OutgoingActivity.local_actor_id == coop.id, OutgoingActivity.uri != activity["id"]
        )
        await session.execute(
            update(Delivery)
            .where(Delivery.activity_id.in_(queued), Delivery.state == DeliveryState.pending)
            .values(state=DeliveryState.failed, last_error="coop suspended", finished_at=now)
        )


async def list_coops(session: AsyncSession) -> list[LocalActor]:
    """Every coop managers can act on (suspended ones included, deleted ones not), by username."""
    query = (
        select(LocalActor)
        .where(
            LocalActor.kind == ActorKind.coop,
            (LocalActor.deleted_at.is_(None)) | (LocalActor.suspended_at.is_not(None)),
        )
        .order_by(LocalActor.username)
    )
    return list((await session.execute(query)).scalars())
