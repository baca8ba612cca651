"""Test data for federation: remote actors that follow our coops."""

from __future__ import annotations

from hub.actors.local import get_coop
from hub.store.db import Database
from hub.store.models import Follow, FollowDirection, FollowState, RemoteActor


async def add_follower(
    db: Database,
    username: str,
    actor_uri: str,
    shared_inbox: str | None = None,
    state: FollowState = FollowState.accepted,
) -> RemoteActor:
    """A remote actor following one of our coops; its inbox is ACTOR/inbox."""
    host = actor_uri.split("/")[2]
    async with db.begin() as session:
        coop = await get_coop(session, username)
        remote = RemoteActor(
            uri=actor_uri,
            domain=host,
            inbox_uri=f"{actor_uri}/inbox",
            shared_inbox_uri=shared_inbox,
        )
        session.add(remote)
        await session.flush()
        session.add(
            Follow(
                local_actor_id=coop.id,
                remote_actor_id=remote.id,
                direction=FollowDirection.inbound,
                state=state,
            )
        )
    return remote
