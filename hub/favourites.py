"""A coop favourites or boosts a status: ours are recorded; remote ones get a Like/Announce."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.vocab import PUBLIC, announce_activity, with_context
from hub.delivery import enqueue, follower_inboxes
from hub.statuses import REMOTE_ID_OFFSET, find_remote_note, find_status
from hub.store.models import (
    CoopInteraction,
    InteractionKind,
    LocalActor,
    Post,
    RemoteActor,
    RemoteNote,
)
from hub.store.types import utcnow
from hub.uris import Uris


class TargetNotFound(Exception):
    """No status with that id the coop may see."""


@dataclass(frozen=True)
class Target:
    """The status acted on: one of ours (post, owner) or a remote note (note, author)."""

    local: tuple[Post, LocalActor] | None = None
    remote: tuple[RemoteNote, RemoteActor] | None = None


async def find_target(session: AsyncSession, coop: LocalActor, status_id: int) -> Target:
    """The status behind a client API id (remote ones are above REMOTE_ID_OFFSET)."""
    if status_id <= REMOTE_ID_OFFSET:
        found = await find_status(session, status_id, coop)
        if found is None:
            raise TargetNotFound(status_id)
        return Target(local=found)
    note = await find_remote_note(session, status_id)
    if note is None:
        raise TargetNotFound(status_id)
    return Target(remote=note)


async def act(
    session: AsyncSession, uris: Uris, coop: LocalActor, target: Target, kind: InteractionKind
) -> None:
    """Favourite or boost once; a remote author (and for a boost our followers) hears of it."""
    if await _existing(session, coop, target, kind) is not None:
        return
    row = CoopInteraction(
        kind=kind,
        local_actor_id=coop.id,
        post_id=target.local[0].id if target.local else None,
        remote_note_id=target.remote[0].id if target.remote else None,
    )
    session.add(row)
    await session.flush()
    if target.remote is None:
        return
    note, author = target.remote
    actor = uris.actor(coop.username)
    row.activity_uri = f"{actor}#{'likes' if kind == InteractionKind.like else 'boosts'}/{row.id}"
    if kind == InteractionKind.like:
        activity: dict[str, object] = {
            "id": row.activity_uri, "type": "Like", "actor": actor, "object": note.uri,
            "to": [author.uri],
        }  # fmt: skip
        inboxes = _inbox(author)
    else:
        activity = announce_activity(row.activity_uri, actor, note.uri, author.uri, utcnow())
        inboxes = _inbox(author) + await follower_inboxes(session, coop)
    await enqueue(session, coop, with_context(activity), inboxes)


async def undo(
    session: AsyncSession, uris: Uris, coop: LocalActor, target: Target, kind: InteractionKind
) -> None:
    """Take a favourite or boost back; the remote author (and followers) receive an Undo."""
    row = await _existing(session, coop, target, kind)
    if row is None:
        return
    await session.delete(row)
    await session.flush()
    if target.remote is None or row.activity_uri is None:
        return
    note, author = target.remote
    actor = uris.actor(coop.username)
    inner = {"id": row.activity_uri, "type": "Like" if kind == InteractionKind.like else "Announce",
             "actor": actor, "object": note.uri}  # fmt: skip
    audience = [author.uri] if kind == InteractionKind.like else [PUBLIC]
    activity: dict[str, object] = {"id": f"{row.activity_uri}/undo", "type": "Undo",
                                   "actor": actor, "object": inner, "to": audience}  # fmt: skip
    inboxes = _inbox(author)
    if kind == InteractionKind.announce:
        inboxes += await follower_inboxes(session, coop)
    await enqueue(session, coop, with_context(activity), inboxes)


async def done_by(session: AsyncSession, coop: LocalActor, target: Target) -> set[InteractionKind]:
    """What the coop did to the status: favourited, boosted, both or neither."""
    query = select(CoopInteraction.kind).where(
        CoopInteraction.local_actor_id == coop.id, _about(target)
    )
    return set((await session.execute(query)).scalars())


async def _existing(
    session: AsyncSession, coop: LocalActor, target: Target, kind: InteractionKind
) -> CoopInteraction | None:
    query = select(CoopInteraction).where(
        CoopInteraction.local_actor_id == coop.id, CoopInteraction.kind == kind, _about(target)
    )
    return (await session.execute(query.limit(1))).scalar_one_or_none()


def _about(target: Target) -> ColumnElement[bool]:
    if target.local is not None:
        return CoopInteraction.post_id == target.local[0].id
    assert target.remote is not None
    return CoopInteraction.remote_note_id == target.remote[0].id


def _inbox(author: RemoteActor) -> list[str]:
    inbox = author.shared_inbox_uri or author.inbox_uri
    return [inbox] if inbox and author.gone_at is None else []
