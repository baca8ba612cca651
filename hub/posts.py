"""Posts of our coops: publish, edit and delete, with their deliveries in the same transaction."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import network
from hub.activitypub.vocab import (
    create_activity,
    delete_activity,
    update_activity,
    with_context,
)
from hub.actors.collections import note_json
from hub.actors.remote import ActorUnavailable, Fetcher, resolve_handle
from hub.delivery import enqueue, follower_inboxes
from hub.store.db import Database
from hub.store.models import LocalActor, Post, Visibility
from hub.store.types import MAX_ID, utcnow
from hub.text import find_mentions, render_post
from hub.uris import Uris

log = logging.getLogger(__name__)
MAX_CHARACTERS = 5000
MAX_MENTIONS = 20
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


class PostError(Exception):
    """A post cannot be made as asked; one readable line."""


class PostNotFound(PostError):
    """No such post of this coop."""


@dataclass(frozen=True)
class MentionTarget:
    """A mentioned remote actor, resolved beforehand by WebFinger."""

    handle: str
    actor_uri: str
    inbox: str | None


@dataclass(frozen=True)
class Draft:
    """What someone wants to post."""

    text: str
    visibility: Visibility = Visibility.public
    summary: str | None = None
    language: str | None = None
    in_reply_to_uri: str | None = None
    mentions: Sequence[MentionTarget] = field(default_factory=tuple)
    attachments: Sequence[dict[str, Any]] = ()  # image Documents (see hub.media.document)


def check_draft(draft: Draft) -> Draft:
    """Validate text, content warning and language; raise PostError on the first problem."""
    text = draft.text.replace("\x00", "").strip()
    if not text and not draft.attachments:
        raise PostError("the post has no text")
    if len(text) > MAX_CHARACTERS:
        raise PostError(f"the post is longer than {MAX_CHARACTERS} characters")
    if draft.language is not None and not _LANGUAGE.match(draft.language):
        raise PostError(f"invalid language code {draft.language!r}; use e.g. de or en")
    summary = (draft.summary or "").replace("\x00", "").strip() or None
    if summary is not None and len(summary) > 500:
        raise PostError("the content warning is longer than 500 characters")
    return dataclasses.replace(draft, text=text, summary=summary)


async def resolve_mentions(db: Database, fetcher: Fetcher, text: str) -> list[MentionTarget]:
    """Look up every @user@host in the text by WebFinger; unknown ones stay plain text."""
    targets = []
    for handle in find_mentions(text)[:MAX_MENTIONS]:
        try:
            async with db.begin() as session:
                actor = await resolve_handle(session, fetcher, handle)
                targets.append(MentionTarget(handle, actor.uri, actor.inbox_uri))
        except ActorUnavailable as error:
            log.info("mention %s not resolved: %s", handle, error)
    return targets


async def publish(session: AsyncSession, uris: Uris, coop: LocalActor, draft: Draft) -> Post:
    """Store a post and its Create, with one delivery per follower or mentioned inbox."""
    draft = check_draft(draft)
    post = Post(local_actor_id=coop.id, visibility=draft.visibility, source_text=draft.text)
    _apply(post, draft, uris)
    session.add(post)
    await session.flush()
    note = note_json(post, coop, uris)
    activity = with_context(create_activity(uris.create_activity(coop.username, post.id), note))
    await enqueue(session, coop, activity, await _inboxes(session, coop, draft))
    if post.visibility == Visibility.public:
        await network.reshare(session, uris, uris.actor(coop.username), str(note["id"]), activity)
    return post


async def edit(
    session: AsyncSession, uris: Uris, coop: LocalActor, post_id: int, draft: Draft
) -> Post:
    """Change a post's text; followers receive an Update (visibility cannot change)."""
    post = await _live_post(session, coop, post_id)
    draft = check_draft(
        Draft(draft.text, post.visibility, draft.summary, draft.language, post.in_reply_to_uri,
              draft.mentions, draft.attachments or post.attachments)
    )  # fmt: skip
    _apply(post, draft, uris)
    post.updated_at = utcnow()
    await session.flush()
    note = note_json(post, coop, uris)
    stamp = int(post.updated_at.timestamp() * 1000)
    activity_id = uris.update_activity(coop.username, post.id, stamp)
    activity = with_context(update_activity(activity_id, note))
    inboxes = await _shared_inboxes(session, uris, coop, draft, activity)
    await enqueue(session, coop, activity, inboxes)
    return post


async def delete(session: AsyncSession, uris: Uris, coop: LocalActor, post_id: int) -> Post:
    """Delete a post: it answers 410 from now on, and followers receive a Delete."""
    post = await _live_post(session, coop, post_id)
    note = note_json(post, coop, uris)
    post.deleted_at = utcnow()
    await session.flush()
    draft = Draft(post.source_text or "-", post.visibility, mentions=_mentioned(post))
    activity = with_context(delete_activity(uris.delete_activity(coop.username, post.id), note))
    inboxes = await _shared_inboxes(session, uris, coop, draft, activity)
    await enqueue(session, coop, activity, inboxes)
    return post


async def find_post(session: AsyncSession, owner: LocalActor, post_id: int) -> Post | None:
    """A post of this actor by id, deleted or not."""
    if not 0 < post_id <= MAX_ID:
        return None
    query = select(Post).where(Post.id == post_id, Post.local_actor_id == owner.id)
    return (await session.execute(query)).scalar_one_or_none()


async def owner_of(session: AsyncSession, post_id: int) -> LocalActor:
    """The coop that wrote a live post, or PostNotFound."""
    query = (
        select(LocalActor)
        .join(Post, Post.local_actor_id == LocalActor.id)
        .where(Post.id == post_id, Post.deleted_at.is_(None), LocalActor.deleted_at.is_(None))
    )
    owner = (await session.execute(query)).scalar_one_or_none()
    if owner is None:
        raise PostNotFound(f"no post with the id {post_id}")
    return owner


def _apply(post: Post, draft: Draft, uris: Uris) -> None:
    resolved = {target.handle: target.actor_uri for target in draft.mentions}
    rendered = render_post(draft.text, resolved, uris.tag)
    post.source_text = draft.text
    post.content_html = rendered.html
    post.summary = draft.summary
    post.language = draft.language
    post.in_reply_to_uri = draft.in_reply_to_uri
    post.attachments = [dict(document) for document in draft.attachments]
    post.tags = [
        {"type": "Mention", "href": href, "name": f"@{handle}"}
        for handle, href in rendered.mentions
    ] + [
        {"type": "Hashtag", "href": uris.tag(name), "name": f"#{name}"}
        for name in rendered.hashtags
    ]


def _mentioned(post: Post) -> tuple[MentionTarget, ...]:
    return tuple(
        MentionTarget(tag["name"].lstrip("@"), tag["href"], None)
        for tag in post.tags
        if tag.get("type") == "Mention"
    )


async def _inboxes(session: AsyncSession, coop: LocalActor, draft: Draft) -> list[str]:
    mentioned = [target.inbox for target in draft.mentions if target.inbox]
    if draft.visibility == Visibility.direct:
        return mentioned
    return await follower_inboxes(session, coop) + mentioned


async def _shared_inboxes(
    session: AsyncSession, uris: Uris, coop: LocalActor, draft: Draft, activity: dict[str, Any]
) -> list[str]:
    """The usual inboxes; for a public post also the network's followers, who saw it re-shared."""
    inboxes = await _inboxes(session, coop, draft)
    if draft.visibility != Visibility.public:
        return inboxes
    return inboxes + await network.forward(session, uris, uris.actor(coop.username), activity)


async def _live_post(session: AsyncSession, coop: LocalActor, post_id: int) -> Post:
    post = await find_post(session, coop, post_id)
    if post is None or post.deleted_at is not None:
        raise PostNotFound(f"no post {post_id} of {coop.username}")
    return post
