"""The worker's side of the inbox: claim stored activities and route each with one `match`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import follows, interactions
from hub.activitypub.readers import id_of, types_of
from hub.actors.remote import ActorUnavailable, Fetcher
from hub.delivery import backoff
from hub.events import attendance, rsvp
from hub.host_health import host_name, host_reached_us
from hub.moderation import reports
from hub.moderation.policy import actor_suspended
from hub.store.db import Database
from hub.store.models import InboxItem, InboxState, InteractionKind
from hub.store.types import utcnow
from hub.uris import Uris

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CLAIM_BATCH = 25  # items per transaction: fewer commits, yet a short hold of SQLite's lock
NOTE_TYPES = {"Note", "Article", "Page", "Question", "Event"}
ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}
WITHDRAWN_BY_UNDO = {"Follow", "Like", "Announce", "Block", "Join"}
KNOWN_TYPES = (
    {"Undo", "Create", "Update", "Delete", "Leave", "Invite", "Flag"}
    | attendance.ANSWERS
    | (WITHDRAWN_BY_UNDO | NOTE_TYPES | ACTOR_TYPES)
)


async def route(
    session: AsyncSession, fetcher: Fetcher, uris: Uris, activity: dict[str, Any]
) -> str:
    """Call the service for an activity; say in one line what happened."""
    obj = activity.get("object")
    refuse = fetcher.policy.refuse_host  # the in-memory gate: no query for server blocks
    if (refuse is not None and refuse(activity["actor"])) or await actor_suspended(
        session, activity["actor"]
    ):
        return "ignored: the actor or its server is blocked"  # stored before the block
    if await _withdrawn(session, activity):
        return "ignored: its actor already undid or deleted it"
    match (_kind(activity), _kind(obj)):
        case ("Follow", _):
            return await follows.on_follow(session, fetcher, uris, activity)
        case ("Undo", "Follow") if isinstance(obj, dict):
            return await follows.on_undo_follow(session, uris, activity, obj)
        case ("Join", _):
            return await rsvp.on_join(session, fetcher, uris, activity)
        case ("Leave", _):
            return await rsvp.on_leave(session, uris, activity)
        case ("Undo", "Join") if isinstance(obj, dict):
            return await rsvp.on_undo_join(session, uris, activity, obj)
        case ("Undo", "Accept" | "TentativeAccept" | "Reject") if isinstance(
            obj, dict
        ) and attendance.names_our_event(uris, obj):
            return await attendance.on_undo_attendance(session, uris, activity, obj)
        case ("Undo", "Like" | "Announce") | ("Undo", None):
            return await interactions.on_undo_interaction(session, activity, obj)
        case ("Undo", "Block"):
            return await follows.on_undo_block(session, uris, activity)
        case ("Accept" | "TentativeAccept" | "Reject", _) if attendance.names_our_event(
            uris, activity
        ):
            return await attendance.on_attendance(session, fetcher, uris, activity)
        case ("Accept" | "Reject", _):
            return await follows.on_answer(session, activity)
        case ("Flag", _):
            return await reports.on_flag(session, uris, activity)
        case ("Block", _):
            return await follows.on_block(session, uris, activity)
        case ("Create", kind) if kind in NOTE_TYPES:
            return await interactions.on_create_note(session, fetcher, uris, activity, obj)
        case ("Update", kind) if kind in NOTE_TYPES:
            return await interactions.on_update_note(session, uris, activity, obj)
        case ("Update", kind) if kind in ACTOR_TYPES:
            return await interactions.on_update_actor(session, fetcher, activity, obj)
        case ("Delete", _):
            return await interactions.on_delete(session, uris, activity)
        case ("Like", _):
            return await interactions.on_like_or_announce(
                session, fetcher, uris, activity, InteractionKind.like
            )
        case ("Announce", _):
            return await interactions.on_like_or_announce(
                session, fetcher, uris, activity, InteractionKind.announce
            )
        case (kind, object_kind):
            return f"ignored: {kind} of {object_kind} is not handled"


def _kind(document: Any) -> str | None:
    """A document's type we handle, else any of its types; None for a bare id (P6)."""
    found = types_of(document)
    ranked = sorted(found & KNOWN_TYPES) or sorted(found)
    return ranked[0] if ranked else None


async def _withdrawn(session: AsyncSession, activity: dict[str, Any]) -> bool:
    """True when the actor's own Undo or Delete of this activity arrived before it."""
    # A late Follow, Like, Announce, Block or Create stays dead (O24, Mastodon's
    # delete_arrived_first?); the Undo or Delete is found among the stored inbox items.
    kind = _kind(activity)
    if kind in WITHDRAWN_BY_UNDO:
        target, withdrawal = activity["id"], "Undo"
    elif kind == "Create":
        target, withdrawal = id_of(activity.get("object")), "Delete"
    else:
        return False
    if target is None:
        return False
    stored = InboxItem.ap_json
    query = select(InboxItem.id).where(
        InboxItem.actor_uri == activity["actor"],
        stored["type"].as_string() == withdrawal,
        or_(stored["object"].as_string() == target, stored[("object", "id")].as_string() == target),
    )
    return (await session.execute(query.limit(1))).first() is not None


async def process_one(
    db: Database, fetcher: Fetcher, uris: Uris, on_gone: Callable[[str], None] | None = None
) -> bool:
    """Claim one due inbox item and process it; False when none was due."""
    return await process_batch(db, fetcher, uris, on_gone, limit=1) > 0


async def process_batch(
    db: Database,
    fetcher: Fetcher,
    uris: Uris,
    on_gone: Callable[[str], None] | None = None,
    limit: int = CLAIM_BATCH,
) -> int:
    """Claim up to `limit` due inbox items and process them in one transaction; how many.

    Each item runs in its own savepoint, so one bad activity fails alone. `on_gone` hears of
    every actor that deleted itself (to drop cached keys at once).
    """
    gone: list[str] = []
    async with db.begin() as session:
        items = await _claim(session, db.is_sqlite, limit)
        for item in items:
            if await _process(session, fetcher, uris, item) == interactions.ACTOR_DELETED:
                gone.append(item.actor_uri)
    for actor_uri in gone:
        if on_gone is not None:
            on_gone(actor_uri)
    return len(items)


async def _process(session: AsyncSession, fetcher: Fetcher, uris: Uris, item: InboxItem) -> str:
    if host := host_name(item.actor_uri):
        await host_reached_us(session, host)  # before routing: answers may go out now
    try:
        async with session.begin_nested():
            outcome = await route(session, fetcher, uris, item.ap_json)
    except ActorUnavailable as error:  # gone, or not a valid actor: retrying will not help
        outcome = f"ignored: {error}"
    except Exception as error:  # the worker must survive any input
        _failed(item, error)
        return "failed"
    item.state = InboxState.ignored if outcome.startswith("ignored") else InboxState.done
    item.last_error = outcome[:500]
    item.processed_at = utcnow()
    log.info("inbox %s %s: %s", item.id, item.activity_uri, outcome)
    return outcome


async def _claim(session: AsyncSession, is_sqlite: bool, limit: int) -> Sequence[InboxItem]:
    query = (
        select(InboxItem)
        .where(InboxItem.state == InboxState.pending, InboxItem.next_attempt_at <= utcnow())
        .order_by(InboxItem.id)
        .limit(limit)
    )
    if not is_sqlite:
        # Several workers on PostgreSQL never take the same row.
        query = query.with_for_update(skip_locked=True)
    return (await session.execute(query)).scalars().all()


def _failed(item: InboxItem, error: Exception) -> None:
    item.attempts += 1
    item.last_error = f"{type(error).__name__}: {error}"[:500]
    if item.attempts >= MAX_ATTEMPTS:
        item.state = InboxState.failed
        item.processed_at = utcnow()
    else:
        item.next_attempt_at = utcnow() + backoff(item.attempts)
    log.warning("inbox %s %s failed: %s", item.id, item.activity_uri, item.last_error)
