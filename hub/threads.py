"""Conversations for client apps: a status's ancestors and its replies, ours and remote."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.statuses import PUBLIC, find_status
from hub.store.models import LocalActor, Post, RemoteActor, RemoteNote
from hub.timeline import shown_replies
from hub.uris import Uris

MAX_ANCESTORS = 40
MAX_DESCENDANTS = 60


@dataclass(frozen=True)
class Reply:
    """One status of a thread: ours (post, coop) or from another server (note, actor)."""

    local: tuple[Post, LocalActor] | None = None
    remote: tuple[RemoteNote, RemoteActor] | None = None

    @property
    def published_at(self) -> datetime:
        """When it was published, for ordering the thread."""
        if self.local is not None:
            return self.local[0].published_at
        assert self.remote is not None
        return self.remote[0].published_at


async def ancestors(
    session: AsyncSession, uris: Uris, post: Post, viewer: LocalActor | None
) -> list[tuple[Post, LocalActor]]:
    """Our posts above this one, oldest first (the chain stops at a remote or hidden parent)."""
    chain: list[tuple[Post, LocalActor]] = []
    parent = uris.post_id_of(post.in_reply_to_uri)
    while parent is not None and len(chain) < MAX_ANCESTORS:
        found = await find_status(session, parent[1], viewer)
        if found is None or found[1].username != parent[0] or found in chain:
            break
        chain.append(found)
        parent = uris.post_id_of(found[0].in_reply_to_uri)
    return list(reversed(chain))


async def descendants(
    session: AsyncSession, uris: Uris, root: tuple[Post, LocalActor], viewer: LocalActor | None
) -> list[Reply]:
    """Replies below a post, ours and remote ones, in the order they were published."""
    found: list[Reply] = []
    owner_views = viewer is not None and viewer.id == root[1].id
    frontier = [uris.note(root[1].username, root[0].id)]
    seen = set(frontier)
    while frontier and len(found) < MAX_DESCENDANTS:
        replies = await _local_replies(session, frontier, viewer)
        replies += await _remote_replies(session, frontier, owner_views)
        frontier = []
        for reply in replies:
            uri = _uri(reply, uris)
            if uri not in seen:
                seen.add(uri)
                frontier.append(uri)
                found.append(reply)
    return sorted(found[:MAX_DESCENDANTS], key=lambda reply: reply.published_at)


async def _local_replies(
    session: AsyncSession, parents: list[str], viewer: LocalActor | None
) -> list[Reply]:
    query = (
        select(Post, LocalActor)
        .join(LocalActor, LocalActor.id == Post.local_actor_id)
        .where(Post.in_reply_to_uri.in_(parents), Post.deleted_at.is_(None))
        .limit(MAX_DESCENDANTS)
    )
    rows = (await session.execute(query)).all()
    return [
        Reply(local=(post, actor))
        for post, actor in rows
        if post.visibility in PUBLIC or (viewer is not None and viewer.id == actor.id)
    ]


async def _remote_replies(
    session: AsyncSession, parents: list[str], everything: bool
) -> list[Reply]:
    query = (
        select(RemoteNote, RemoteActor)
        .join(RemoteActor, RemoteActor.id == RemoteNote.remote_actor_id)
        .where(RemoteNote.in_reply_to_uri.in_(parents), *shown_replies())
        .limit(MAX_DESCENDANTS)
    )
    if not everything:
        query = query.where(RemoteNote.visibility.in_(PUBLIC))
    return [Reply(remote=(note, actor)) for note, actor in (await session.execute(query)).all()]


def _uri(reply: Reply, uris: Uris) -> str:
    if reply.local is not None:
        return uris.note(reply.local[1].username, reply.local[0].id)
    assert reply.remote is not None
    return reply.remote[0].uri
