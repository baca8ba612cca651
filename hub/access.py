"""Who may read a non-public post: a signed GET from a follower or a mentioned actor."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from hub.activitypub.signatures import PublicKey, SignatureError, verify_request
from hub.actors.remote import Fetcher, find_key
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


async def verify_signed(
    db: Database,
    fetcher: Fetcher,
    our_host: str,
    request: tuple[str, str, Mapping[str, str], bytes | None],
) -> PublicKey:
    """Verify a request's signature (method, path with query, headers, body); SignatureError."""
    method, path_and_query, headers, body = request

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        return await find_key(db, fetcher, key_id, refresh)

    return await verify_request(method, path_and_query, headers, body, our_host, lookup)


async def may_read(
    db: Database,
    fetcher: Fetcher,
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
        reader = (await verify_signed(db, fetcher, our_host, request)).owner
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
