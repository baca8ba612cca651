"""Who may read a non-public post: a signed GET from a follower or a mentioned actor."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from hub.activitypub.signatures import KeyLookup, SignatureError, verify_request
from hub.store.db import Database
from hub.store.models import (
    Follow,
    FollowDirection,
    FollowState,
    LocalActor,
    Post,
    RemoteActor,
    Visibility,
)


async def may_read(
    db: Database,
    lookup: KeyLookup,
    our_host: str,
    post: Post,
    owner: LocalActor,
    request: tuple[str, str, Mapping[str, str], bytes | None],
) -> bool:
    """Public and unlisted posts: anyone. Private: signed followers and mentioned actors.

    Direct: signed mentioned actors only (SECURITY-CHECKLIST A10).
    """
    if post.visibility in (Visibility.public, Visibility.unlisted):
        return True
    try:
        method, path_and_query, headers, body = request
        key = await verify_request(method, path_and_query, headers, body, our_host, lookup)
        reader = key.owner
    except SignatureError:
        return False
    mentioned = {tag.get("href") for tag in post.tags if tag.get("type") == "Mention"}
    if reader in mentioned:
        return True
    return post.visibility == Visibility.private and await _follows(db, owner, reader)


async def _follows(db: Database, owner: LocalActor, reader: str) -> bool:
    query = (
        select(Follow.id)
        .join(RemoteActor, RemoteActor.id == Follow.remote_actor_id)
        .where(
            Follow.local_actor_id == owner.id,
            Follow.direction == FollowDirection.inbound,
            Follow.state == FollowState.accepted,
            RemoteActor.uri == reader,
        )
    )
    async with db.read() as session:
        return (await session.execute(query)).first() is not None
