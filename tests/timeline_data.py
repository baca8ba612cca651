"""Builders for timeline test data: posts through hub.posts, replies as the inbox stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hub.config import Settings
from hub.posts import Draft, publish
from hub.store.db import Database
from hub.store.models import LocalActor, Post, RemoteActor, RemoteNote, Visibility
from hub.uris import Uris

START = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


async def make_post(
    db: Database,
    settings: Settings,
    coop: LocalActor,
    text: str,
    *,
    minute: int = 0,
    visibility: Visibility = Visibility.public,
    summary: str | None = None,
) -> Post:
    """Publish a post and date it `minute` minutes after START."""
    async with db.begin() as session:
        post = await publish(
            session, Uris(settings), coop, Draft(text, visibility=visibility, summary=summary)
        )
        post.published_at = START + timedelta(minutes=minute)
    return post


async def make_reply(
    db: Database,
    post: Post,
    author: str,
    content_html: str,
    *,
    attachments: list[dict[str, Any]] | None = None,
    visibility: Visibility = Visibility.public,
) -> RemoteNote:
    """Store a reply from a remote author at remote.test, as the inbox worker would."""
    uri = f"http://remote.test/users/{author}"
    async with db.begin() as session:
        actor = RemoteActor(uri=uri, domain="remote.test", username=author, name=author.title())
        session.add(actor)
        await session.flush()
        note = RemoteNote(
            uri=f"{uri}/statuses/{post.id}-{author}",
            remote_actor_id=actor.id,
            in_reply_to_post_id=post.id,
            content_html=content_html,
            visibility=visibility,
            published_at=post.published_at + timedelta(minutes=5),
            ap_json={"type": "Note", "attachment": attachments or []},
        )
        session.add(note)
    return note
