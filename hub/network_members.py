"""Member coops on other servers: the network Group follows them and re-shares their posts."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.vocab import AS_CONTEXT
from hub.actors.remote import ActorUnavailable, Fetcher, resolve_handle
from hub.config import ConfigError, normalize_host
from hub.delivery import enqueue
from hub.network import group_actor
from hub.store.models import (
    Follow,
    FollowDirection,
    FollowState,
    LocalActor,
    NetworkMember,
    RemoteActor,
)
from hub.store.types import utcnow
from hub.uris import Uris

_HANDLE = re.compile(r"@?([A-Za-z0-9_.~-]{1,64})@([A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?)")


class MemberError(Exception):
    """A member cannot be added or removed as asked; one readable line."""


@dataclass(frozen=True)
class Member:
    """A remote member coop as listed: its handle, actor and whether it accepted our follow."""

    handle: str
    actor_uri: str
    state: str


def check_handle(raw: str) -> str:
    """A fediverse handle as `user@host` (host lowercased), or MemberError."""
    found = _HANDLE.fullmatch(raw.strip().removeprefix("acct:"))
    if found is None:
        raise MemberError(f"{raw!r} is not a fediverse handle like @coop@mastodon.example")
    try:
        host = normalize_host(found.group(2))
    except ConfigError:
        raise MemberError(f"{raw!r} has an invalid host name") from None
    return f"{found.group(1)}@{host}"


async def add_member(
    session: AsyncSession, fetcher: Fetcher, uris: Uris, handle: str
) -> NetworkMember:
    """Resolve a handle by WebFinger, record the member and send it the Group's Follow."""
    handle = check_handle(handle)
    if await _find(session, handle) is not None:
        raise MemberError(f"{handle} is already a member of the network")
    try:
        remote = await resolve_handle(session, fetcher, handle)
    except ActorUnavailable as error:
        raise MemberError(f"cannot add {handle}: {error}") from error
    taken = select(NetworkMember.id).where(NetworkMember.remote_actor_id == remote.id)
    if (await session.execute(taken)).first() is not None:
        raise MemberError(f"{handle} is already a member under another handle")
    member = NetworkMember(remote_actor_id=remote.id, handle=handle)
    session.add(member)
    await _follow(session, uris, await group_actor(session), remote)
    await session.flush()
    return member


async def remove_member(session: AsyncSession, uris: Uris, handle: str) -> NetworkMember:
    """Forget a member and send it Undo of the Group's Follow."""
    handle = check_handle(handle)
    found = await _find(session, handle)
    if found is None:
        raise MemberError(f"{handle} is not a member of the network")
    member, remote = found
    group = await group_actor(session)
    follow = await _outgoing(session, group, remote)
    if follow is not None and follow.activity_uri:
        await _undo(session, uris, group, remote, follow.activity_uri)
        await session.delete(follow)
    await session.delete(member)
    await session.flush()
    return member


async def list_members(session: AsyncSession) -> Sequence[Member]:
    """Every remote member, by handle, with the state of the Group's follow."""
    query = (
        select(NetworkMember.handle, RemoteActor.uri, Follow.state)
        .join(RemoteActor, RemoteActor.id == NetworkMember.remote_actor_id)
        .outerjoin(
            Follow,
            (Follow.remote_actor_id == RemoteActor.id)
            & (Follow.direction == FollowDirection.outbound),
        )
        .order_by(NetworkMember.handle)
    )
    return [
        Member(handle, uri, FollowState(state).value if state else "not followed")
        for handle, uri, state in (await session.execute(query)).all()
    ]


async def _find(session: AsyncSession, handle: str) -> tuple[NetworkMember, RemoteActor] | None:
    query = (
        select(NetworkMember, RemoteActor)
        .join(RemoteActor, RemoteActor.id == NetworkMember.remote_actor_id)
        .where(NetworkMember.handle == handle)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


async def _outgoing(session: AsyncSession, group: LocalActor, remote: RemoteActor) -> Follow | None:
    query = select(Follow).where(
        Follow.local_actor_id == group.id,
        Follow.remote_actor_id == remote.id,
        Follow.direction == FollowDirection.outbound,
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _follow(
    session: AsyncSession, uris: Uris, group: LocalActor, remote: RemoteActor
) -> None:
    await session.execute(
        delete(Follow).where(
            Follow.local_actor_id == group.id,
            Follow.remote_actor_id == remote.id,
            Follow.direction == FollowDirection.outbound,
        )
    )
    stamp = int(utcnow().timestamp() * 1000)
    follow_id = uris.follow_activity(group.username, remote.id, stamp)
    session.add(
        Follow(
            local_actor_id=group.id,
            remote_actor_id=remote.id,
            direction=FollowDirection.outbound,
            state=FollowState.pending,  # until the member's Accept arrives
            activity_uri=follow_id,
        )
    )
    activity = {
        "@context": AS_CONTEXT,
        "id": follow_id,
        "type": "Follow",
        "actor": uris.actor(group.username),
        "object": remote.uri,
    }
    await enqueue(session, group, activity, [remote.inbox_uri] if remote.inbox_uri else [])


async def _undo(
    session: AsyncSession, uris: Uris, group: LocalActor, remote: RemoteActor, follow_id: str
) -> None:
    group_uri = uris.actor(group.username)
    activity = {
        "@context": AS_CONTEXT,
        "id": f"{follow_id}/undo",
        "type": "Undo",
        "actor": group_uri,
        "to": [remote.uri],
        "object": {"id": follow_id, "type": "Follow", "actor": group_uri, "object": remote.uri},
    }
    await enqueue(session, group, activity, [remote.inbox_uri] if remote.inbox_uri else [])
