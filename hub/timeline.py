"""The network timeline: public posts of member coops, local and remote, newest first, in keyset
pages.

Local coops' posts and remote members' notes live in two tables; each page reads one indexed,
limited slice of each and merges them in one total order: (published, local before remote, id).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVarTuple

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.activitypub.readers import as_list, host_of, text
from hub.store.models import (
    ActorKind,
    LocalActor,
    NetworkMember,
    Post,
    RemoteActor,
    RemoteNote,
    Visibility,
)
from hub.store.types import UTCDateTime

PAGE_SIZE = 20
MAX_REPLIES = 200
MAX_MEDIA = 8
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CURSOR = re.compile(r"(\d{1,17})-(r?)(\d{1,18})")
REPLY_VISIBILITIES = (Visibility.public, Visibility.unlisted)


Row = TypeVarTuple("Row")
ReplyNote = aliased(RemoteNote, name="reply")  # a stored reply to a remote member's note
_BEFORE_AT = bindparam("before_at", type_=UTCDateTime())
_BEFORE_ID = bindparam("before_id", type_=Integer())


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
class Item:
    """What a timeline shows of one of our posts or of a remote member's note."""

    id: int
    published_at: datetime
    updated_at: datetime | None
    content_html: str
    summary: str | None
    language: str | None


@dataclass(frozen=True)
class Entry:
    """One post on a timeline (ours, or a remote member's note), its coop and reply count.

    A remote entry links to its `original_url` on the coop's server; an event has a `title`
    and `starts_at`.
    """

    post: Item
    coop: Author
    replies: int
    media: tuple[MediaLink, ...] = ()
    images: tuple[dict[str, Any], ...] = ()  # our own attachments, shown embedded
    remote: bool = False
    original_url: str = ""
    title: str = ""
    starts_at: datetime | None = None

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

    One query: each table gives at most `size + 1` rows older than the cursor through its own
    index, and UNION ALL keeps the newest `size + 1` of both, so the page is exact and the next
    page starts where this one ends.
    """
    query = _page_query(None if before is None else before.remote, size, coop is not None)
    values: dict[str, Any] = {"coop_id": coop.id if coop is not None else None}
    if before is not None:
        values |= {"before_at": before.published, "before_id": before.id}
    entries = [_entry(row) for row in (await session.execute(query, values)).all()]
    if len(entries) <= size:
        return TimelinePage(entries, None)
    return TimelinePage(entries[:size], entries[size - 1].cursor)


@lru_cache(maxsize=16)
def _page_query(before_remote: bool | None, size: int, one_coop: bool) -> Select[Any]:
    """The page query for one shape of cursor, built once (building it costs more than running
    it); the cursor and the coop are bound parameters."""
    parts = [_local_rows(before_remote, size + 1, one_coop)]
    if not one_coop:
        parts.append(_remote_rows(before_remote, size + 1))
    both = union_all(*(select(part.subquery()) for part in parts)).subquery()
    return (
        select(both)
        .order_by(both.c.published_at.desc(), both.c.local.desc(), both.c.id.desc())
        .limit(size + 1)
    )


def _local_rows(before_remote: bool | None, limit: int, one_coop: bool) -> Select[Any]:
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
    query = public_posts(
        select(
            literal_column("1").label("local"),
            *_shown(Post),
            Post.attachments.label("document"),
            LocalActor.username,
            LocalActor.name,
            literal_column("''").label("handle"),
            literal_column("''").label("actor_uri"),
            literal_column("''").label("uri"),
            replies.label("replies"),
        )
    )
    if one_coop:
        query = query.where(Post.local_actor_id == bindparam("coop_id"))
    if before_remote is not None:
        query = query.where(_older_posts(before_remote))
    return query.order_by(Post.published_at.desc(), Post.id.desc()).limit(limit)


def _remote_rows(before_remote: bool | None, limit: int) -> Select[Any]:
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
    query = member_notes(
        select(
            literal_column("0").label("local"),
            *_shown(RemoteNote),
            RemoteNote.ap_json.label("document"),
            RemoteActor.username,
            RemoteActor.name,
            NetworkMember.handle,
            RemoteActor.uri.label("actor_uri"),
            RemoteNote.uri,
            replies.label("replies"),
        )
    )
    if before_remote is not None:
        query = query.where(_older_notes(before_remote))
    return query.order_by(RemoteNote.published_at.desc(), RemoteNote.id.desc()).limit(limit)


def _shown(table: type[Post] | type[RemoteNote]) -> tuple[Any, ...]:
    """The columns both kinds share, in the order of Item."""
    return (
        table.id,
        table.published_at,
        table.updated_at,
        table.content_html,
        table.summary,
        table.language,
    )


def _entry(row: Any) -> Entry:
    item = Item(
        row.id, row.published_at, row.updated_at, row.content_html, row.summary, row.language
    )
    if row.local:
        media = media_links({"attachment": row.document})
        images = tuple(d for d in row.document or () if isinstance(d, dict))
        return Entry(item, Author(row.username, row.name), row.replies, tuple(media), images)
    document = row.document if isinstance(row.document, dict) else {}
    username = row.username or row.handle.split("@")[0]
    author = Author(username, row.name or username, row.handle, row.actor_uri)
    url = document.get("url")
    starts = document.get("startTime")
    return Entry(
        item,
        author,
        row.replies,
        tuple(media_links(document)),
        remote=True,
        original_url=url if isinstance(url, str) else row.uri,
        title=str(document.get("name") or ""),
        starts_at=datetime.fromisoformat(starts) if isinstance(starts, str) else None,
    )


def _older_posts(before_remote: bool) -> ColumnElement[bool]:
    if before_remote:  # local posts of the same instant rank above it: all shown already
        return Post.published_at < _BEFORE_AT
    return tuple_(Post.published_at, Post.id) < tuple_(_BEFORE_AT, _BEFORE_ID)


def _older_notes(before_remote: bool) -> ColumnElement[bool]:
    if not before_remote:  # remote notes of the same instant rank below a local post
        return RemoteNote.published_at <= _BEFORE_AT
    return tuple_(RemoteNote.published_at, RemoteNote.id) < tuple_(_BEFORE_AT, _BEFORE_ID)


def _newer_posts(after: Cursor) -> ColumnElement[bool]:
    if after.remote:
        return Post.published_at >= after.published
    return tuple_(Post.published_at, Post.id) > tuple_(after.published, after.id)


def _newer_notes(after: Cursor) -> ColumnElement[bool]:
    if not after.remote:
        return RemoteNote.published_at > after.published
    return tuple_(RemoteNote.published_at, RemoteNote.id) > tuple_(after.published, after.id)


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


def mention_pattern(coop_uri: str) -> str:
    """The LIKE pattern (escape "!") that finds a Mention of the actor in a post's stored tags."""
    needle = '"href": ' + json.dumps(coop_uri)
    return "%" + needle.replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"


def home_posts(
    query: Select[*Row], coop_id: int | ColumnElement[int], pattern: str | ColumnElement[str]
) -> Select[*Row]:
    """Restrict a query on posts to a coop's home: its own posts (every visibility), the public
    and unlisted posts of the other member coops (as if it followed each of them, so limited
    coops stay out), and their posts that mention it (followers-only and direct included);
    `pattern` is the coop's `mention_pattern`."""
    mentions = cast(Post.tags, Text).like(pattern, escape="!")
    others = and_(
        LocalActor.kind == ActorKind.coop,
        LocalActor.limited_at.is_(None),
        or_(Post.visibility.in_(REPLY_VISIBILITIES), mentions),
    )
    return query.join(LocalActor, LocalActor.id == Post.local_actor_id + 0).where(
        Post.deleted_at.is_(None),
        LocalActor.deleted_at.is_(None),
        or_(Post.local_actor_id == coop_id, others),
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
