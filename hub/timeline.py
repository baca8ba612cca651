"""The network timeline: public posts of member coops, local and remote, newest first, in keyset
pages.

Local coops' posts and remote members' notes live in two tables; each page reads one indexed,
limited slice of each and merges them in one total order: (published, local before remote, id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.activitypub.readers import as_list, host_of, same_origin, text
from hub.store.models import (
    ActorKind,
    LocalActor,
    NetworkMember,
    Post,
    RemoteActor,
    RemoteNote,
    Visibility,
)

PAGE_SIZE = 20
MAX_REPLIES = 200
MAX_MEDIA = 8
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,17})-(r?)(\d{1,18})")
REPLY_VISIBILITIES = (Visibility.public, Visibility.unlisted)


Row = TypeVarTuple("Row")
ReplyNote = aliased(RemoteNote, name="reply")  # a stored reply to a remote member's note


class BadCursor(Exception):
    """A page cursor that this hub did not hand out; one readable line."""


@dataclass(frozen=True)
class Cursor:
    """Where a page ends: its last entry, exclusive; `remote` for a remote member's note."""

    published: datetime
    id: int
    remote: bool = False

    def encode(self) -> str:
        """The cursor as it appears in a URL: epoch microseconds, `r` if remote, and the id."""
        micros = (self.published - EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{'r' if self.remote else ''}{self.id}"

    @property
    def key(self) -> tuple[datetime, int, int]:
        """The timeline's total order, newest last: a local post ranks above a remote note."""
        return (self.published, 0 if self.remote else 1, self.id)

    @classmethod
    def parse(cls, raw: str | None) -> Cursor | None:
        """Read a cursor from a URL; None for the first page, BadCursor if malformed."""
        if raw is None or raw == "":
            return None
        match = _CURSOR.fullmatch(raw)
        if match is None:
            raise BadCursor("the page cursor must look like 1700000000000000-42")
        published = EPOCH + timedelta(microseconds=int(match.group(1)))
        return cls(published, int(match.group(3)), match.group(2) == "r")


@dataclass(frozen=True)
class Author:
    """The coop of a timeline post: what a page or feed shows of it.

    A remote member also has its `handle` (user@host) and `url` on its own server.
    """

    username: str
    name: str
    handle: str = ""
    url: str = ""


@dataclass(frozen=True)
class MediaLink:
    """A remote attachment, shown as a link with its description, never embedded."""

    url: str
    description: str
    media_type: str


@dataclass(frozen=True)
class Entry:
    """One post on a timeline (ours, or a remote member's note), its coop and reply count."""

    post: Post | RemoteNote
    coop: Author
    replies: int
    media: tuple[MediaLink, ...] = ()

    @property
    def remote(self) -> bool:
        """True for a remote member's note, whose page is on its own server."""
        return isinstance(self.post, RemoteNote)

    @property
    def original_url(self) -> str:
        """Where a remote note is shown on its own server (same origin, checked on arrival)."""
        if isinstance(self.post, RemoteNote):
            url = self.post.ap_json.get("url")
            return url if isinstance(url, str) else self.post.uri
        return ""

    @property
    def title(self) -> str:
        """An event's or article's name, if it has one."""
        if isinstance(self.post, RemoteNote):
            return str(self.post.ap_json.get("name") or "")
        return ""

    @property
    def starts_at(self) -> datetime | None:
        """When a remote member's event starts (stored as checked ISO time on arrival)."""
        if isinstance(self.post, RemoteNote) and isinstance(
            starts := self.post.ap_json.get("startTime"), str
        ):
            return datetime.fromisoformat(starts)
        return None

    @property
    def cursor(self) -> Cursor:
        """The cursor of a page that ends with this entry."""
        return Cursor(self.post.published_at, self.post.id, self.remote)


@dataclass(frozen=True)
class TimelinePage:
    """A page of entries and the cursor of the next (older) page, if any."""

    entries: list[Entry]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class Reply:
    """A reply from the fediverse to one of our posts."""

    note: RemoteNote
    author: RemoteActor
    media: list[MediaLink]


async def network_page(
    session: AsyncSession,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
    coop: LocalActor | None = None,
) -> TimelinePage:
    """Public posts of all member coops (or of one local coop), newest first, older than `before`.

    Each table gives at most `size + 1` entries older than the cursor; the merge keeps the
    newest `size + 1`, so the page is exact and the next page starts where this one ends.
    """
    found = await _local_entries(session, before, size + 1, coop)
    if coop is None:
        found += await _remote_entries(session, before, size + 1)
    entries = sorted(found, key=lambda entry: entry.cursor.key, reverse=True)[: size + 1]
    if len(entries) <= size:
        return TimelinePage(entries, None)
    return TimelinePage(entries[:size], entries[size - 1].cursor)


async def _local_entries(
    session: AsyncSession, before: Cursor | None, limit: int, coop: LocalActor | None
) -> list[Entry]:
    replies = (
        select(func.count(RemoteNote.id))
        .where(
            RemoteNote.in_reply_to_post_id == Post.id,
            RemoteNote.visibility.in_(REPLY_VISIBILITIES),
            *shown_replies(),
        )
        .correlate(Post)
        .scalar_subquery()
    )
    query = public_posts(select(Post, LocalActor.username, LocalActor.name, replies))
    if coop is not None:
        query = query.where(Post.local_actor_id == coop.id)
    if before is not None:
        query = query.where(_older_posts(before))
    query = query.order_by(Post.published_at.desc(), Post.id.desc()).limit(limit)
    rows = (await session.execute(query)).all()
    return [
        Entry(
            post,
            Author(username, name),
            count,
            tuple(media_links({"attachment": post.attachments})),
        )
        for post, username, name, count in rows
    ]


async def _remote_entries(session: AsyncSession, before: Cursor | None, limit: int) -> list[Entry]:
    replies = (
        select(func.count(ReplyNote.id))
        .where(
            ReplyNote.in_reply_to_uri == RemoteNote.uri,
            ReplyNote.visibility.in_(REPLY_VISIBILITIES),
            ReplyNote.deleted_at.is_(None),
            ReplyNote.state == "shown",
            ReplyNote.limited.is_(False),
        )
        .correlate(RemoteNote)
        .scalar_subquery()
    )
    query = member_notes(select(RemoteNote, RemoteActor, NetworkMember.handle, replies))
    if before is not None:
        query = query.where(_older_notes(before))
    query = query.order_by(RemoteNote.published_at.desc(), RemoteNote.id.desc()).limit(limit)
    rows = (await session.execute(query)).all()
    return [
        Entry(note, remote_author(actor, handle), count, tuple(media_links(note.ap_json)))
        for note, actor, handle, count in rows
    ]


def _older_posts(before: Cursor) -> ColumnElement[bool]:
    if before.remote:  # local posts of the same instant rank above it: all shown already
        return Post.published_at < before.published
    return tuple_(Post.published_at, Post.id) < tuple_(before.published, before.id)


def _older_notes(before: Cursor) -> ColumnElement[bool]:
    if not before.remote:  # remote notes of the same instant rank below a local post
        return RemoteNote.published_at <= before.published
    return tuple_(RemoteNote.published_at, RemoteNote.id) < tuple_(before.published, before.id)


def _newer_posts(after: Cursor) -> ColumnElement[bool]:
    if after.remote:
        return Post.published_at >= after.published
    return tuple_(Post.published_at, Post.id) > tuple_(after.published, after.id)


def _newer_notes(after: Cursor) -> ColumnElement[bool]:
    if not after.remote:
        return RemoteNote.published_at > after.published
    return tuple_(RemoteNote.published_at, RemoteNote.id) > tuple_(after.published, after.id)


def remote_author(actor: RemoteActor, handle: str) -> Author:
    """How a remote member coop is shown: its name, handle and profile on its own server."""
    profile = actor.ap_json.get("url") if isinstance(actor.ap_json, dict) else None
    url = profile if isinstance(profile, str) and same_origin(profile, actor.uri) else actor.uri
    username = actor.username or handle.split("@")[0]
    return Author(username, actor.name or username, handle, url)


def public_posts(query: Select[*Row]) -> Select[*Row]:
    """Restrict a query on posts to the network timeline: public, live, of coops not limited."""
    # "+ 0" keeps SQLite from walking each coop's posts and sorting them all: it must read
    # posts in ix_posts_timeline order and stop after one page (measured: 106 ms -> 4 ms).
    return query.join(LocalActor, LocalActor.id == Post.local_actor_id + 0).where(
        Post.visibility == Visibility.public,
        Post.deleted_at.is_(None),
        LocalActor.kind == ActorKind.coop,
        LocalActor.deleted_at.is_(None),
        LocalActor.limited_at.is_(None),
    )


def shown_replies() -> tuple[ColumnElement[bool], ...]:
    """What a stored reply needs to be shown: live, not held or rejected, not limited."""
    return (
        RemoteNote.deleted_at.is_(None),
        RemoteNote.state == "shown",
        RemoteNote.limited.is_(False),
    )


def member_notes(query: Select[*Row]) -> Select[*Row]:
    """Restrict a query on remote notes to the timeline: public notes of current members.

    Removing a member hides its notes at once (they stay stored: replies to our posts among
    them are still shown under those posts); limited or suspended actors and notes of blocked
    or limited servers (marked `limited`) stay off, and so do actors that deleted themselves.
    """
    # "+ 0" as in public_posts: walk ix_remote_notes_timeline newest first, never the members.
    return (
        query.join(NetworkMember, NetworkMember.remote_actor_id == RemoteNote.remote_actor_id + 0)
        .join(RemoteActor, RemoteActor.id == NetworkMember.remote_actor_id)
        .where(
            RemoteNote.visibility == Visibility.public,
            *shown_replies(),
            RemoteActor.gone_at.is_(None),
            RemoteActor.suspended_at.is_(None),
            RemoteActor.limited_at.is_(None),
        )
    )


async def replies_to(session: AsyncSession, post: Post) -> list[Reply]:
    """The visible fediverse replies to a post, oldest first."""
    query = (
        select(RemoteNote, RemoteActor)
        .join(RemoteActor, RemoteActor.id == RemoteNote.remote_actor_id)
        .where(
            RemoteNote.in_reply_to_post_id == post.id,
            RemoteNote.visibility.in_(REPLY_VISIBILITIES),
            RemoteActor.gone_at.is_(None),
            *shown_replies(),
        )
        .order_by(RemoteNote.published_at, RemoteNote.id)
        .limit(MAX_REPLIES)
    )
    rows = (await session.execute(query)).all()
    return [Reply(note, author, media_links(note.ap_json)) for note, author in rows]


def media_links(document: dict[str, Any]) -> list[MediaLink]:
    """The http(s) attachments of a remote note with their alt text (FEP-e232 aside)."""
    links = []
    for item in as_list(document.get("attachment"), MAX_MEDIA):
        if not isinstance(item, dict):
            continue
        url = item.get("url")
        if isinstance(url, list | dict):
            url = next((u.get("href") for u in as_list(url) if isinstance(u, dict)), None)
        if not isinstance(url, str) or host_of(url) is None:
            continue
        description = text(item.get("name"), 1500) or ""
        media_type = text(item.get("mediaType"), 100) or ""
        links.append(MediaLink(url, description, media_type))
    return links


async def newest_cursor(session: AsyncSession) -> Cursor | None:
    """The cursor of the newest entry on the network timeline, if any."""
    local = public_posts(select(Post.published_at, Post.id))
    local = local.order_by(Post.published_at.desc(), Post.id.desc()).limit(1)
    remote = member_notes(select(RemoteNote.published_at, RemoteNote.id))
    remote = remote.order_by(RemoteNote.published_at.desc(), RemoteNote.id.desc()).limit(1)
    found = [Cursor(row[0], row[1]) for row in (await session.execute(local)).all()]
    found += [Cursor(row[0], row[1], True) for row in (await session.execute(remote)).all()]
    return max(found, key=lambda cursor: cursor.key, default=None)


async def count_newer(session: AsyncSession, after: Cursor, cap: int = 100) -> int:
    """How many timeline entries are newer than `after`, counted up to `cap`."""
    total = 0
    for newer in (
        public_posts(select(Post.id)).where(_newer_posts(after)),
        member_notes(select(RemoteNote.id)).where(_newer_notes(after)),
    ):
        counted = select(func.count()).select_from(newer.limit(cap).subquery())
        total += int((await session.execute(counted)).scalar_one())
    return min(total, cap)
