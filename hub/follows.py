"""Follows between remote actors and ours: Follow, Undo, Accept, Reject and Block."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.readers import id_of, types_of
from hub.activitypub.vocab import AS_CONTEXT
from hub.actors.local import find_actor
from hub.actors.remote import Fetcher, get_actor
from hub.delivery import enqueue
from hub.store.models import (
    ActorKind,
    Follow,
    FollowDirection,
    FollowState,
    LocalActor,
    RemoteActor,
    RemoteBlock,
)
from hub.uris import Uris


async def local_target(session: AsyncSession, uris: Uris, uri: str | None) -> LocalActor | None:
    """Our live coop or network actor that a URI names, if any."""
    username = uris.username_of(uri)
    actor = await find_actor(session, username) if username else None
    if actor is None or actor.deleted_at is not None or actor.kind == ActorKind.instance:
        return None
    return actor


async def on_follow(
    session: AsyncSession, fetcher: Fetcher, uris: Uris, activity: dict[str, Any]
) -> str:
    """Record a follow; accept it at once unless the coop approves followers by hand."""
    local = await local_target(session, uris, id_of(activity.get("object")))
    if local is None:
        return "ignored: the Follow is not for one of our actors"
    remote = await get_actor(session, fetcher, activity["actor"])
    follow = await _follow(session, local, remote, FollowDirection.inbound)
    if follow is None:
        manual = local.manually_approves_followers and local.kind == ActorKind.coop
        follow = Follow(
            local_actor_id=local.id,
            remote_actor_id=remote.id,
            direction=FollowDirection.inbound,
            state=FollowState.pending if manual else FollowState.accepted,
        )
        session.add(follow)
    follow.activity_uri = activity["id"]
    await session.flush()
    if follow.state == FollowState.pending:
        return "pending: waits for the coop's approval"
    await answer_follow(session, uris, local, remote, follow, accept=True)
    return "accepted"


async def answer_follow(
    session: AsyncSession,
    uris: Uris,
    local: LocalActor,
    remote: RemoteActor,
    follow: Follow,
    accept: bool,
) -> None:
    """Send Accept (or Reject) of the follower's Follow to their inbox."""
    follow_activity = {
        "id": follow.activity_uri,
        "type": "Follow",
        "actor": remote.uri,
        "object": uris.actor(local.username),
    }
    answer_id = (uris.accept_follow if accept else uris.reject_follow)(local.username, follow.id)
    answer = {
        "@context": AS_CONTEXT,
        "id": answer_id,
        "type": "Accept" if accept else "Reject",
        "actor": uris.actor(local.username),
        "to": [remote.uri],
        "object": follow_activity,
    }
    await enqueue(session, local, answer, [remote.inbox_uri] if remote.inbox_uri else [])


async def on_undo_follow(
    session: AsyncSession, uris: Uris, activity: dict[str, Any], follow: dict[str, Any]
) -> str:
    """Remove a follow; only its own author may undo it (O14)."""
    if id_of(follow.get("actor")) != activity["actor"]:
        return "ignored: the undone Follow is someone else's"
    local = await local_target(session, uris, id_of(follow.get("object")))
    remote = await _cached(session, activity["actor"])
    if local is None or remote is None:
        return "ignored: no such follow"
    await _remove(session, local, remote, FollowDirection.inbound)
    return "follow removed"


async def on_answer(session: AsyncSession, activity: dict[str, Any]) -> str:
    """Accept or Reject of a Follow we sent, valid only from the actor we followed (O16)."""
    remote = await _cached(session, activity["actor"])
    follow_id = id_of(activity.get("object"))
    if remote is None or follow_id is None:
        return "ignored: not an answer to one of our Follows"
    query = select(Follow).where(
        Follow.remote_actor_id == remote.id,
        Follow.direction == FollowDirection.outbound,
        Follow.activity_uri == follow_id,
    )
    ours = (await session.execute(query)).scalar_one_or_none()
    if ours is None:
        return "ignored: we sent no such Follow to this actor"
    if "Accept" in types_of(activity):
        ours.state = FollowState.accepted
        return "our follow was accepted"
    await session.delete(ours)
    return "our follow was rejected"


async def on_block(session: AsyncSession, uris: Uris, activity: dict[str, Any]) -> str:
    """A remote actor blocks one of ours: drop follows both ways and stop delivering to them."""
    local = await local_target(session, uris, id_of(activity.get("object")))
    remote = await _cached(session, activity["actor"])
    if local is None or remote is None:
        return "ignored: not a block of one of our actors"
    await _remove(session, local, remote, FollowDirection.inbound)
    await _remove(session, local, remote, FollowDirection.outbound)
    session.add(
        RemoteBlock(remote_actor_id=remote.id, local_actor_id=local.id, activity_uri=activity["id"])
    )
    return "blocked"


async def on_undo_block(session: AsyncSession, uris: Uris, activity: dict[str, Any]) -> str:
    """Lift a block its author placed."""
    remote = await _cached(session, activity["actor"])
    if remote is None:
        return "ignored: unknown actor"
    block_id = id_of(activity.get("object"))
    await session.execute(
        delete(RemoteBlock).where(
            RemoteBlock.remote_actor_id == remote.id, RemoteBlock.activity_uri == block_id
        )
    )
    return "block lifted"


async def drop_actor(session: AsyncSession, remote: RemoteActor) -> None:
    """Forget every follow of an actor that was deleted."""
    await session.execute(delete(Follow).where(Follow.remote_actor_id == remote.id))


async def _cached(session: AsyncSession, uri: str) -> RemoteActor | None:
    query = select(RemoteActor).where(RemoteActor.uri == uri)
    return (await session.execute(query)).scalar_one_or_none()


async def _follow(
    session: AsyncSession, local: LocalActor, remote: RemoteActor, direction: FollowDirection
) -> Follow | None:
    query = select(Follow).where(
        Follow.local_actor_id == local.id,
        Follow.remote_actor_id == remote.id,
        Follow.direction == direction,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _remove(
    session: AsyncSession, local: LocalActor, remote: RemoteActor, direction: FollowDirection
) -> None:
    await session.execute(
        delete(Follow).where(
            Follow.local_actor_id == local.id,
            Follow.remote_actor_id == remote.id,
            Follow.direction == direction,
        )
    )
