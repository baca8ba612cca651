"""Statuses for client apps: idempotent posting with team credit, lookup, keyset listing."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Text, bindparam, cast, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import media, post_stats, posts
from hub.actors.collections import CollectionName, collection_size
from hub.post_stats import Stats
from hub.posts import Draft
from hub.store.models import (
    ActorKind,
    LocalActor,
    Person,
    Post,
    RemoteActor,
    RemoteNote,
    Visibility,
)
from hub.store.types import MAX_ID
from hub.timeline import home_posts, mention_pattern, public_posts
from hub.uris import Uris

MAX_PAGE = 40
# Remote accounts and statuses are shown with ids above this (see web/api/remote.py).
REMOTE_ID_OFFSET = 10**15
PUBLIC = (Visibility.public, Visibility.unlisted)
# A timeline entry: the post, its coop, and its counts as the viewer sees them.
TimelineRow = tuple[Post, LocalActor, Stats]


@dataclass(frozen=True)
class Cursor:
    """Mastodon's keyset paging parameters: max_id, since_id, min_id and limit."""

    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None
    limit: int = 20


@dataclass(frozen=True)
class Counts:
    """The numbers an Account entity shows."""

    followers: int
    following: int
    statuses: int


async def post_status(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    person: Person | None,
    draft: Draft,
    idempotency_key: str | None,
    media_ids: Sequence[int] = (),
) -> Post:
    """Publish for a coop with its images, crediting the person; the same key, the same post."""
    key = (idempotency_key or "").strip()[:128] or None
    if key is not None:
        query = select(Post).where(Post.local_actor_id == coop.id, Post.idempotency_key == key)
        existing = (await session.execute(query)).scalar_one_or_none()
        if existing is not None:
            return existing
    items = await media.claim(session, coop, media_ids)
    documents = tuple(media.document(item, uris) for item in items)
    draft = dataclasses.replace(draft, attachments=documents)
    post = await posts.publish(session, uris, coop, draft)
    for item in items:
        item.post_id = post.id
    post.person_id = person.id if person else None
    post.idempotency_key = key
    await session.flush()
    return post


async def find_status(
    session: AsyncSession, post_id: int, viewer: LocalActor | None
) -> tuple[Post, LocalActor] | None:
    """A live post and its coop, if the viewer may see it (others' private posts stay hidden)."""
    if not 0 < post_id <= MAX_ID:
        return None
    query = (
        select(Post, LocalActor)
        .join(LocalActor, LocalActor.id == Post.local_actor_id)
        .where(Post.id == post_id, Post.deleted_at.is_(None), LocalActor.deleted_at.is_(None))
    )
    row = (await session.execute(query)).first()
    if row is None:
        return None
    post, owner = row
    if post.visibility not in PUBLIC and (viewer is None or viewer.id != owner.id):
        return None
    return post, owner


async def statuses_of(
    session: AsyncSession, coop: LocalActor, viewer: LocalActor | None, cursor: Cursor
) -> Sequence[Post]:
    """A coop's live posts, newest first (or oldest first above min_id), keyset-paged."""
    query = select(Post).where(Post.local_actor_id == coop.id, Post.deleted_at.is_(None))
    if viewer is None or viewer.id != coop.id:
        query = query.where(Post.visibility.in_(PUBLIC))
    return [row[0] for row in await _page(session, query, cursor)]


async def public_timeline(
    session: AsyncSession, cursor: Cursor, viewer: LocalActor | None = None
) -> list[TimelineRow]:
    """The network timeline's posts (see hub.timeline), keyset-paged like statuses_of."""
    query = _public_select(viewer is not None)
    return await _timeline(session, query, cursor, _viewer(viewer))


async def home_timeline(
    session: AsyncSession, uris: Uris, coop: LocalActor, cursor: Cursor
) -> list[TimelineRow]:
    """A coop's home timeline (see hub.timeline.home_posts), keyset-paged like statuses_of."""
    params = {**_viewer(coop), "pattern": mention_pattern(uris.actor(coop.username))}
    return await _timeline(session, _home_select(), cursor, params)


async def tag_timeline(
    session: AsyncSession, name: str, cursor: Cursor, viewer: LocalActor | None = None
) -> list[TimelineRow]:
    """Public posts of our coops carrying a hashtag (matched in the stored tags, lowercased)."""
    needle = '"name": ' + json.dumps("#" + name.lower())
    escaped = needle.replace("!", "!!").replace("%", "!%").replace("_", "!_")
    query = _public_select(viewer is not None).where(
        cast(Post.tags, Text).like(f"%{escaped}%", escape="!")
    )
    return await _timeline(session, query, cursor, _viewer(viewer))


# The timeline statements are built once (building them cost as much as running them); the
# viewer and the home's coop are bound per request.
@cache
def _public_select(viewer: bool) -> Any:
    return public_posts(select(Post, LocalActor, *post_stats.columns(viewer)))


@cache
def _home_select() -> Any:
    query = select(Post, LocalActor, *post_stats.columns(True))
    return home_posts(query, bindparam("viewer_id"), bindparam("pattern"))


def _viewer(viewer: LocalActor | None) -> dict[str, Any]:
    return {} if viewer is None else {"viewer_id": viewer.id}


async def _timeline(
    session: AsyncSession, query: Any, cursor: Cursor, params: dict[str, Any]
) -> list[TimelineRow]:
    rows = await _page(session, query, cursor, params)
    return [(row[0], row[1], post_stats.from_columns(row[2:])) for row in rows]


async def _page(
    session: AsyncSession, query: Any, cursor: Cursor, params: dict[str, Any] | None = None
) -> Sequence[Any]:
    cursor = bounded(cursor)
    if cursor.since_id == MAX_ID or cursor.min_id == MAX_ID:
        return []
    if cursor.max_id is not None:
        query = query.where(Post.id < cursor.max_id)
    if cursor.since_id is not None:
        query = query.where(Post.id > cursor.since_id)
    limit = max(1, min(cursor.limit, MAX_PAGE))
    if cursor.min_id is not None:
        query = query.where(Post.id > cursor.min_id).order_by(Post.id.asc()).limit(limit)
        return list(reversed((await session.execute(query, params)).all()))
    return (await session.execute(query.order_by(Post.id.desc()).limit(limit), params)).all()


def bounded(cursor: Cursor) -> Cursor:
    """The cursor with ids past what the database stores clamped (nothing lies beyond them)."""

    def clamp(value: int | None) -> int | None:
        return None if value is None else min(value, MAX_ID)

    max_id = cursor.max_id if cursor.max_id is None or cursor.max_id <= MAX_ID else None
    return Cursor(max_id, clamp(cursor.since_id), clamp(cursor.min_id), cursor.limit)


async def find_account(session: AsyncSession, account_id: int) -> LocalActor | None:
    """A live coop or the network actor by id (the Account ids client apps use)."""
    actor = await session.get(LocalActor, account_id) if 0 < account_id <= MAX_ID else None
    if actor is None or actor.deleted_at is not None or actor.kind == ActorKind.instance:
        return None
    return actor


async def find_remote_note(
    session: AsyncSession, status_id: int
) -> tuple[RemoteNote, RemoteActor] | None:
    """A stored public or unlisted remote note and its author, by client API id."""
    if not REMOTE_ID_OFFSET < status_id <= REMOTE_ID_OFFSET + MAX_ID:
        return None
    query = (
        select(RemoteNote, RemoteActor)
        .join(RemoteActor, RemoteActor.id == RemoteNote.remote_actor_id)
        .where(RemoteNote.id == status_id - REMOTE_ID_OFFSET, RemoteNote.deleted_at.is_(None))
    )
    row = (await session.execute(query)).first()
    if row is None or row[0].visibility not in PUBLIC:
        return None
    return row[0], row[1]


async def find_remote_account(session: AsyncSession, account_id: int) -> RemoteActor | None:
    """A cached remote actor by client API id (above REMOTE_ID_OFFSET)."""
    if not REMOTE_ID_OFFSET < account_id <= REMOTE_ID_OFFSET + MAX_ID:
        return None
    return await session.get(RemoteActor, account_id - REMOTE_ID_OFFSET)


async def counts(session: AsyncSession, actor: LocalActor) -> Counts:
    """Followers, following and public statuses of an actor."""
    return Counts(
        followers=await collection_size(session, actor, CollectionName.followers),
        following=await collection_size(session, actor, CollectionName.following),
        statuses=await collection_size(session, actor, CollectionName.outbox),
    )
