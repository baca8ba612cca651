"""What remote actors do with our posts: replies, mentions, likes, boosts, edits, deletions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import network
from hub.activitypub.readers import MAX_LIST, as_list, id_of, ids, is_public, same_origin, text
from hub.actors.local import find_actor
from hub.actors.remote import Fetcher, cached_actor, get_actor
from hub.follows import drop_actor
from hub.moderation import replies
from hub.moderation.policy import is_limited
from hub.store.models import (
    ActorKind,
    Interaction,
    InteractionKind,
    LocalActor,
    Post,
    RemoteNote,
    Visibility,
)
from hub.store.types import utcnow
from hub.text import html_to_text, sanitize_html
from hub.timeline import media_links
from hub.uris import Uris

MAX_CONTENT = 100_000  # characters of remote HTML considered at all (H9)
MAX_SUMMARY = 1000
MAX_NAME = 200
ACTOR_DELETED = "actor deleted with its follows, notes and interactions"


async def on_create_note(
    session: AsyncSession, fetcher: Fetcher, uris: Uris, activity: dict[str, Any], note: Any
) -> str:
    """Store a reply to our posts, a note mentioning our actors, or a member coop's post."""
    if not isinstance(note, dict):
        return "ignored: the Create does not embed its Note"
    problem = _origin_problem(activity, note, uris)
    if problem:
        return problem
    if await _existing_note(session, note["id"]) is not None:
        return "ignored: a note with this id exists already"  # never re-address it (O4)
    reply_to = await _our_post(session, uris, id_of(note.get("inReplyTo")))
    member = await network.member_of(session, activity["actor"])
    addressed = reply_to is not None or await _mentions_us(session, uris, note)
    if not addressed and member is None:
        return "ignored: neither a reply to us, a mention of us nor a member's post"
    policy = await replies.policy_for(session, reply_to) if reply_to else "open"
    if policy == "closed" and member is None:
        return "ignored: replies to this post are closed"
    author = member or await get_actor(session, fetcher, activity["actor"])
    visibility = _visibility(note, author.followers_uri)
    if not addressed and visibility not in (Visibility.public, Visibility.unlisted):
        return "ignored: a member's followers-only or direct note is not kept"
    session.add(
        RemoteNote(
            uri=note["id"],
            remote_actor_id=author.id,
            in_reply_to_uri=id_of(note.get("inReplyTo")),
            in_reply_to_post_id=reply_to.id if reply_to else None,
            visibility=visibility,
            # Never in the future: a wrong clock must not pin a note to the timeline's top.
            published_at=min(_time(note.get("published")) or utcnow(), utcnow()),
            state=replies.STATE_FOR.get(policy, "shown") if reply_to else "shown",
            limited=await is_limited(session, author),
            **_note_content(note),
        )
    )
    if member is not None and visibility == Visibility.public:
        # Only members are re-shared (a gated network), whoever else they mention.
        await network.reshare(session, uris, author.uri, note["id"], activity)
        return "member's post stored and re-shared"
    if reply_to is not None:
        return "reply stored"
    return "mention stored" if addressed else "member's post stored"


async def on_update_note(
    session: AsyncSession, uris: Uris, activity: dict[str, Any], note: Any
) -> str:
    """Apply an edit to a stored remote note, only by its author (O5)."""
    if not isinstance(note, dict) or _origin_problem(activity, note, uris):
        return "ignored: the Update's note does not belong to its actor"
    stored = await _existing_note(session, note["id"])
    author = await cached_actor(session, activity["actor"])
    if stored is None or author is None or stored.remote_actor_id != author.id:
        return "ignored: no such note of this actor"
    for name, value in _note_content(note).items():
        setattr(stored, name, value)
    stored.updated_at = _time(note.get("updated")) or utcnow()
    return await _forward_if_shared(session, uris, activity, stored, "note updated")


async def on_update_actor(
    session: AsyncSession, fetcher: Fetcher, activity: dict[str, Any], actor: Any
) -> str:
    """Refresh an actor from its own server; the body is never trusted (O6, O7, O8)."""
    if id_of(actor) != activity["actor"]:
        return "ignored: an actor may only update itself"
    if await cached_actor(session, activity["actor"]) is None:
        return "ignored: unknown actor"
    await get_actor(session, fetcher, activity["actor"], refresh=True)
    return "actor refreshed from its origin"


async def on_delete(session: AsyncSession, uris: Uris, activity: dict[str, Any]) -> str:
    """Delete of the actor itself, or of one of its notes; nothing of others (O10, O11)."""
    target = id_of(activity.get("object"))
    author = await cached_actor(session, activity["actor"])
    if author is None or target is None:
        return "ignored: unknown actor"
    if target == author.uri:
        author.gone_at = utcnow()
        await drop_actor(session, author)
        await session.execute(delete(Interaction).where(Interaction.remote_actor_id == author.id))
        await session.execute(delete(RemoteNote).where(RemoteNote.remote_actor_id == author.id))
        return ACTOR_DELETED  # O12
    stored = await _existing_note(session, target)
    if stored is None or stored.remote_actor_id != author.id:
        return "ignored: no such note of this actor"
    stored.deleted_at = utcnow()
    return await _forward_if_shared(session, uris, activity, stored, "note deleted")


async def _forward_if_shared(
    session: AsyncSession, uris: Uris, activity: dict[str, Any], stored: RemoteNote, done: str
) -> str:
    """A member's edit or deletion of a re-shared note is announced by the network too."""
    if stored.visibility != Visibility.public:
        return done
    if await network.member_of(session, activity["actor"]) is None:
        return done
    await network.forward(session, uris, activity["actor"], activity)
    return f"{done} and forwarded by the network"


async def on_like_or_announce(
    session: AsyncSession,
    fetcher: Fetcher,
    uris: Uris,
    activity: dict[str, Any],
    kind: InteractionKind,
) -> str:
    """Count a like or boost of one of our posts; embedded copies are never trusted (O18)."""
    post = await _our_post(session, uris, id_of(activity.get("object")))
    if post is None or post.visibility not in (Visibility.public, Visibility.unlisted):
        return "ignored: not about one of our public posts"
    author = await get_actor(session, fetcher, activity["actor"])
    exists = await session.execute(
        select(Interaction.id).where(
            Interaction.kind == kind,
            Interaction.remote_actor_id == author.id,
            Interaction.post_id == post.id,
        )
    )
    if exists.first() is None:
        session.add(
            Interaction(
                kind=kind, activity_uri=activity["id"], remote_actor_id=author.id, post_id=post.id
            )
        )
    return f"{kind.value} stored"


async def on_undo_interaction(session: AsyncSession, activity: dict[str, Any], inner: Any) -> str:
    """Undo of a like or boost, only by the actor who made it (O15)."""
    author = await cached_actor(session, activity["actor"])
    inner_id = id_of(inner)
    if author is None or inner_id is None:
        return "ignored: unknown actor"
    if isinstance(inner, dict) and id_of(inner.get("actor")) not in (None, activity["actor"]):
        return "ignored: the undone activity is someone else's"
    await session.execute(
        delete(Interaction).where(
            Interaction.activity_uri == inner_id, Interaction.remote_actor_id == author.id
        )
    )
    return "interaction undone"


def _origin_problem(activity: dict[str, Any], note: dict[str, Any], uris: Uris) -> str | None:
    note_id = id_of(note)
    if note_id is None or not same_origin(note_id, activity["actor"]):
        return "ignored: the note is not on its actor's host"  # O1
    if ids(note.get("attributedTo"), 8) != [activity["actor"]]:
        # A one-element list naming the actor is the actor (seen in the wild); any other is not.
        return "ignored: the note is attributed to someone else"  # O2
    if note_id.startswith(uris.base + "/"):
        return "ignored: the note claims to be ours"  # O3
    return None


async def _existing_note(session: AsyncSession, uri: str) -> RemoteNote | None:
    return (
        await session.execute(select(RemoteNote).where(RemoteNote.uri == uri))
    ).scalar_one_or_none()


async def _our_post(session: AsyncSession, uris: Uris, uri: str | None) -> Post | None:
    found = uris.post_id_of(uri)
    if found is None:
        return None
    owner = await find_actor(session, found[0])
    if owner is None or owner.deleted_at is not None:
        return None
    post = await session.get(Post, found[1])
    if post is None or post.local_actor_id != owner.id or post.deleted_at is not None:
        return None
    return post


async def _mentions_us(session: AsyncSession, uris: Uris, note: dict[str, Any]) -> bool:
    mentioned = [
        id_of(tag.get("href"))
        for tag in as_list(note.get("tag"), 50)
        if isinstance(tag, dict) and tag.get("type") == "Mention"
    ]
    audience = ids(note.get("to"), MAX_LIST) + ids(note.get("cc"), MAX_LIST)
    names = {name.lower() for uri in mentioned + audience if (name := uris.username_of(uri))}
    if not names:
        return False
    query = select(LocalActor.id).where(
        LocalActor.username.in_(names),
        LocalActor.kind != ActorKind.instance,
        LocalActor.deleted_at.is_(None),
    )
    return (await session.execute(query.limit(1))).first() is not None  # one query (P2)


def _note_content(note: dict[str, Any]) -> dict[str, Any]:
    found = note.get("contentMap")
    content_map: dict[str, Any] = found if isinstance(found, dict) else {}
    language = next(iter(content_map), None)
    # Some servers send only contentMap: take its first text when `content` is missing.
    fallback = content_map.get(language) if language is not None else None
    raw = note.get("content") if isinstance(note.get("content"), str) else fallback
    content = text(raw, MAX_CONTENT) or ""
    url = id_of(note.get("url"))
    kept: dict[str, Any] = {
        "id": note["id"],
        "url": url if same_origin(url, note["id"]) else note["id"],  # O9
        "type": "Note",
        # Links and alt text only: pages show remote media as links, never fetch it (privacy).
        "attachment": [
            {
                "type": "Document",
                "url": media.url,
                "name": media.description,
                "mediaType": media.media_type,
            }
            for media in media_links(note)
        ],
    }
    if name := html_to_text(text(note.get("name"), MAX_NAME) or ""):
        kept["name"] = name  # the title of an event or article
    if starts := _time(note.get("startTime")):
        kept["startTime"] = starts.isoformat()  # an event's start, checked and in UTC
    return {
        "content_html": sanitize_html(content),
        "summary": html_to_text(text(note.get("summary"), MAX_SUMMARY) or "") or None,
        "language": text(language, 16),
        "ap_json": kept,
    }


def _visibility(note: dict[str, Any], followers: str | None) -> Visibility:
    to = ids(note.get("to"))
    if is_public({"to": to}):
        return Visibility.public
    if is_public(note):
        return Visibility.unlisted
    if followers and followers in to + ids(note.get("cc")):
        return Visibility.private
    return Visibility.direct


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None or not 1 <= moment.year <= 9999:
        return None
    return moment.astimezone(UTC)
