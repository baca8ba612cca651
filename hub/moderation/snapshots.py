"""What a report is about, resolved to rows and copied as it was when reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.actors.local import find_actor
from hub.store.models import ActorKind, Event, LocalActor, Post, RemoteActor, RemoteNote
from hub.uris import Uris


@dataclass
class Targets:
    """The reported account (ours or remote) and its reported statuses, as snapshots."""

    local: LocalActor | None = None
    remote: RemoteActor | None = None
    status_uris: list[str] = field(default_factory=list)
    snapshot: list[dict[str, Any]] = field(default_factory=list)

    @property
    def account_uri(self) -> str | None:
        """The reported account's id."""
        return self.remote.uri if self.remote else None


async def local_account(session: AsyncSession, uris: Uris, uri: str) -> LocalActor | None:
    """One of our coops (or the network) by its actor URI."""
    username = uris.username_of(uri)
    found = await find_actor(session, username) if username else None
    if found is None or found.kind == ActorKind.instance:
        return None
    return found


async def local_status(
    session: AsyncSession, uris: Uris, uri: str, owner: LocalActor
) -> dict[str, Any] | None:
    """A snapshot of a post or event of `owner` by its URI; None for anything else (O19)."""
    post_ref, event_ref = uris.post_id_of(uri), uris.event_id_of(uri)
    if post_ref is not None and post_ref[0] == owner.username:
        post = await session.get(Post, post_ref[1])
        if post is not None and post.local_actor_id == owner.id:
            return _snapshot(uri, "Note", post.content_html, post.summary, post.published_at)
    if event_ref is not None and event_ref[0] == owner.username:
        event = await session.get(Event, event_ref[1])
        if event is not None and event.local_actor_id == owner.id:
            return _snapshot(uri, "Event", event.description_html, event.title, event.published_at)
    return None


async def remote_note(session: AsyncSession, uri: str) -> tuple[RemoteNote, RemoteActor] | None:
    """A stored remote note with its author."""
    query = (
        select(RemoteNote, RemoteActor)
        .join(RemoteActor, RemoteActor.id == RemoteNote.remote_actor_id)
        .where(RemoteNote.uri == uri)
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row else None


def note_snapshot(note: RemoteNote) -> dict[str, Any]:
    """A remote note as it was when reported."""
    return _snapshot(note.uri, "Note", note.content_html, note.summary, note.published_at)


def _snapshot(
    uri: str, kind: str, content: str, summary: str | None, published: datetime
) -> dict[str, Any]:
    return {"uri": uri, "type": kind, "content": content, "summary": summary,
            "published": published.isoformat()}  # fmt: skip


async def resolve_target(session: AsyncSession, uris: Uris, uri: str) -> Targets:
    """What a person reports by one URI: our coop, post or event, or a remote note or actor."""
    found = Targets()
    if (owner := await local_account(session, uris, uri)) is not None:
        found.local = owner
        return found
    ref = uris.post_id_of(uri) or uris.event_id_of(uri)
    if ref is not None and (owner := await local_account(session, uris, uris.actor(ref[0]))):
        snapshot = await local_status(session, uris, uri, owner)
        if snapshot is not None:
            found.local, found.status_uris, found.snapshot = owner, [uri], [snapshot]
        return found
    if (note := await remote_note(session, uri)) is not None:
        found.remote, found.status_uris, found.snapshot = note[1], [uri], [note_snapshot(note[0])]
        return found
    query = select(RemoteActor).where(RemoteActor.uri == uri)
    found.remote = (await session.execute(query)).scalar_one_or_none()
    return found
