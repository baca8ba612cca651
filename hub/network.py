"""The network Group actor re-shares what members publish (FEP-1b12), in the same transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.vocab import announce_activity, with_context
from hub.delivery import enqueue, follower_inboxes
from hub.moderation.policy import may_reshare
from hub.store.models import (
    ActorKind,
    LocalActor,
    NetworkMember,
    OutgoingActivity,
    RemoteActor,
)
from hub.store.types import utcnow
from hub.uris import Uris


async def group_actor(session: AsyncSession) -> LocalActor:
    """The network Group actor (created on start)."""
    query = select(LocalActor).where(LocalActor.kind == ActorKind.network)
    return (await session.execute(query)).scalar_one()


async def reshare(
    session: AsyncSession,
    uris: Uris,
    owner_uri: str,
    object_uri: str,
    create: dict[str, Any] | None = None,
) -> None:
    """Announce a member's public object to the Group's followers.

    Mastodon understands only `Announce{object id}`; with HUB_NETWORK_ANNOUNCE_CREATE the
    Group also announces the `Create` itself for FEP-1b12 readers (Lemmy, ...).
    """
    if not await may_reshare(session, uris, owner_uri):
        return  # a limited coop, member or server
    group = await group_actor(session)
    inboxes = await follower_inboxes(session, group)
    await _announce(session, uris, group, object_uri, owner_uri, inboxes)
    if create is not None and uris.announce_create:
        await _announce(session, uris, group, _bare(create), owner_uri, inboxes)


async def forward(
    session: AsyncSession, uris: Uris, owner_uri: str, activity: dict[str, Any]
) -> list[str]:
    """Announce a member's Update or Delete of a re-shared object (FEP-1b12).

    Returns the Group's follower inboxes, so that our own coops can also send their signed
    activity there: Mastodon applies an Update or Delete only from the object's author.
    """
    group = await group_actor(session)
    inboxes = await follower_inboxes(session, group)
    await _announce(session, uris, group, _bare(activity), owner_uri, inboxes)
    return inboxes


async def member_of(session: AsyncSession, actor_uri: str) -> RemoteActor | None:
    """The remote actor if it is a member coop of the network, else None."""
    query = (
        select(RemoteActor)
        .join(NetworkMember, NetworkMember.remote_actor_id == RemoteActor.id)
        .where(RemoteActor.uri == actor_uri, RemoteActor.gone_at.is_(None))
    )
    return (await session.execute(query)).scalar_one_or_none()


async def _announce(
    session: AsyncSession,
    uris: Uris,
    group: LocalActor,
    obj: str | dict[str, Any],
    owner_uri: str,
    inboxes: list[str],
) -> None:
    if not inboxes:
        return  # nobody follows the network: nothing to store or send
    target = obj if isinstance(obj, str) else str(obj["id"])
    announce_id = uris.announce(group.username, target)
    known = select(OutgoingActivity.id).where(OutgoingActivity.uri == announce_id)
    if (await session.execute(known)).first() is not None:
        return  # announced once already (a repeated remote activity)
    group_uri = uris.actor(group.username)
    announce = announce_activity(announce_id, group_uri, obj, owner_uri, utcnow())
    await enqueue(session, group, with_context(announce), inboxes)


def _bare(activity: dict[str, Any]) -> dict[str, Any]:
    """An embedded activity without its own context or signatures (they sign nothing here)."""
    dropped = {"@context", "signature", "proof"}
    return {name: value for name, value in activity.items() if name not in dropped}
