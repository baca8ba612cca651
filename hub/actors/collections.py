"""Pages of an actor's collections: followers, following, outbox and featured (keyset)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.vocab import NoteFields, create_activity, note_document
from hub.store.models import (
    Follow,
    FollowDirection,
    FollowState,
    LocalActor,
    Post,
    RemoteActor,
    Visibility,
)
from hub.uris import Uris

PAGE_SIZE = 20
PUBLIC_VISIBILITIES = (Visibility.public, Visibility.unlisted)


class CollectionName(StrEnum):
    """The collections every actor has."""

    followers = "followers"
    following = "following"
    outbox = "outbox"
    featured = "featured"


@dataclass(frozen=True)
class Page:
    """A page of items, newest first, and the keyset cursor for the next one."""

    items: list[Any]
    next_before: int | None


async def collection_size(session: AsyncSession, actor: LocalActor, name: CollectionName) -> int:
    """How many items the collection has."""
    query = _base_query(actor, name).with_only_columns(func.count()).order_by(None)
    return int((await session.execute(query)).scalar_one())


async def collection_page(
    session: AsyncSession,
    actor: LocalActor,
    name: CollectionName,
    uris: Uris,
    before: int | None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page, starting after the keyset cursor `before` (exclusive)."""
    query = _base_query(actor, name)
    key = _key_column(name)
    if before is not None:
        query = query.where(key < before)
    rows = (await session.execute(query.order_by(key.desc()).limit(size + 1))).all()
    more = len(rows) > size
    rows = rows[:size]
    items = [_item(name, row, actor, uris) for row in rows]
    return Page(items=items, next_before=int(rows[-1][1]) if more else None)


def _base_query(actor: LocalActor, name: CollectionName) -> Select[Any, Any]:
    if name in (CollectionName.followers, CollectionName.following):
        direction = (
            FollowDirection.inbound
            if name == CollectionName.followers
            else FollowDirection.outbound
        )
        return (
            select(RemoteActor.uri, Follow.id)
            .join(Follow, Follow.remote_actor_id == RemoteActor.id)
            .where(
                Follow.local_actor_id == actor.id,
                Follow.direction == direction,
                Follow.state == FollowState.accepted,
            )
        )
    query = select(Post, Post.id).where(
        Post.local_actor_id == actor.id,
        Post.deleted_at.is_(None),
        Post.visibility.in_(PUBLIC_VISIBILITIES),
    )
    if name == CollectionName.featured:
        # Featured shows pinned public posts only (never unlisted ones).
        query = query.where(Post.pinned_at.is_not(None), Post.visibility == Visibility.public)
    return query


def _key_column(name: CollectionName) -> Any:
    if name in (CollectionName.followers, CollectionName.following):
        return Follow.id
    return Post.id


def _item(name: CollectionName, row: Any, actor: LocalActor, uris: Uris) -> Any:
    if name in (CollectionName.followers, CollectionName.following):
        return row[0]
    note = note_json(row[0], actor, uris)
    if name == CollectionName.featured:
        return note
    return create_activity(uris.create_activity(actor.username, row[0].id), note)


def note_json(post: Post, actor: LocalActor, uris: Uris) -> dict[str, object]:
    """A post of ours as a Note."""
    urls = uris.actor_urls(actor.username)
    return note_document(
        NoteFields(
            id=uris.note(actor.username, post.id),
            attributed_to=urls.id,
            followers=urls.followers,
            content_html=post.content_html,
            published=post.published_at,
            visibility=post.visibility.value,
            summary=post.summary,
            language=post.language,
            in_reply_to=post.in_reply_to_uri,
            updated=post.updated_at,
            mentions=[tag["href"] for tag in post.tags if tag.get("type") == "Mention"],
            tags=post.tags,
            audience=uris.network() if post.visibility == Visibility.public else None,
            attachments=[
                {key: value for key, value in document.items() if key != "media_id"}
                for document in post.attachments
            ],
        )
    )
