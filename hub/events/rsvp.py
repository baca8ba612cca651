"""Registrations from the fediverse: Join and Leave (Mobilizon, FEP-8a8e), seats, waiting list."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.readers import id_of, types_of
from hub.activitypub.vocab import AS_CONTEXT
from hub.actors.local import find_actor
from hub.actors.remote import Fetcher, get_actor
from hub.delivery import enqueue
from hub.events import notices
from hub.store.models import (
    ActorKind,
    Event,
    EventParticipant,
    EventStatus,
    EventWithdrawal,
    LocalActor,
    ParticipationState,
    RegistrationMode,
    RemoteActor,
)
from hub.store.types import utcnow
from hub.text import html_to_text
from hub.uris import Uris


async def on_join(
    session: AsyncSession, fetcher: Fetcher, uris: Uris, activity: dict[str, Any]
) -> str:
    """Register the actor: Accept a free seat; Reject when closed, over or full (then queue)."""
    found = await our_event(session, uris, id_of(activity.get("object")))
    if found is None:
        return "ignored: the Join is not for one of our events"
    coop, event = found
    remote = await get_actor(session, fetcher, activity["actor"])
    participant = await find_participant(session, event, remote)
    if participant is not None:  # its answer is already queued (and retried) once
        return f"ignored: already registered ({participant.state.value})"
    participant = EventParticipant(
        event_id=event.id, remote_actor_id=remote.id, join_uri=str(activity["id"]),
        by_join=True, state=ParticipationState.accepted, message=message_of(activity),
    )  # fmt: skip
    return await register(session, uris, coop, event, remote, participant)


async def register(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    remote: RemoteActor | None,
    participant: EventParticipant,
) -> str:
    """Give a new registration a seat, the approval queue or the waiting list; answer a Join."""
    refusal = refusal_of(event)
    if refusal is not None:
        if participant.by_join and remote is not None:
            await _answer(session, uris, coop, event, remote, participant, accept=False)
        return f"rejected: {refusal}"
    if event.registration_mode == RegistrationMode.approval:
        participant.state = ParticipationState.pending
    elif event.capacity is not None and await seats_taken(session, event) >= event.capacity:
        participant.state = ParticipationState.waiting
    session.add(participant)
    await session.flush()
    if participant.state == ParticipationState.pending:
        return "pending: waits for the coop's approval"
    accept = participant.state == ParticipationState.accepted
    if participant.by_join and remote is not None:
        await _answer(session, uris, coop, event, remote, participant, accept=accept)
    return "accepted" if accept else "rejected: full; on the waiting list"


async def on_leave(session: AsyncSession, uris: Uris, activity: dict[str, Any]) -> str:
    """Withdraw a registration (Leave of the event); the first in line gets the seat."""
    target = activity.get("object")
    if isinstance(target, dict) and "Join" in types_of(target):
        target = target.get("object")  # some servers leave the Join rather than the event
    return await withdraw(session, uris, activity["actor"], id_of(target))


async def on_undo_join(
    session: AsyncSession, uris: Uris, activity: dict[str, Any], join: dict[str, Any]
) -> str:
    """Undo of a Join: like a Leave, valid only from the Join's own actor."""
    if id_of(join.get("actor")) != activity["actor"]:
        return "ignored: the undone Join is someone else's"
    return await withdraw(session, uris, activity["actor"], id_of(join.get("object")))


async def seats_taken(session: AsyncSession, event: Event) -> int:
    """How many registrations hold a seat."""
    query = select(func.count()).where(
        EventParticipant.event_id == event.id,
        EventParticipant.state == ParticipationState.accepted,
    )
    return int((await session.execute(query)).scalar_one())


async def seats_by_event(session: AsyncSession, event_ids: Sequence[int]) -> dict[int, int]:
    """Seats held per event, for many events in one query (events without any are left out)."""
    if not event_ids:
        return {}
    query = (
        select(EventParticipant.event_id, func.count())
        .where(
            EventParticipant.event_id.in_(event_ids),
            EventParticipant.state == ParticipationState.accepted,
        )
        .group_by(EventParticipant.event_id)
    )
    return {event_id: int(taken) for event_id, taken in (await session.execute(query)).all()}


async def withdraw(session: AsyncSession, uris: Uris, actor_uri: str, event_uri: str | None) -> str:
    """Drop an actor's registration for an event; a freed seat goes to the first in line."""
    found = await our_event(session, uris, event_uri)
    remote = await cached_remote(session, actor_uri)
    if found is None or remote is None:
        return "ignored: no such registration"
    coop, event = found
    participant = await find_participant(session, event, remote)
    if participant is None:
        return "ignored: no such registration"
    if await release(session, uris, coop, event, participant):
        return "left; the first on the waiting list got the seat"
    return "left"


async def release(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    participant: EventParticipant,
    reason: str = "cancelled",
) -> bool:
    """Delete a registration (noted as cancelled or rejected); True when the seat moved on."""
    had_seat = participant.state == ParticipationState.accepted
    session.add(
        EventWithdrawal(
            event_id=participant.event_id, remote_actor_id=participant.remote_actor_id,
            web_registration_id=participant.web_registration_id, reason=reason,
            registered_at=participant.created_at,
        )
    )  # fmt: skip
    await session.delete(participant)
    await session.flush()
    if had_seat and event.ends_at > utcnow():
        return await _promote(session, uris, coop, event)
    return False


async def _promote(session: AsyncSession, uris: Uris, coop: LocalActor, event: Event) -> bool:
    query = (
        select(EventParticipant, RemoteActor)
        .outerjoin(RemoteActor, RemoteActor.id == EventParticipant.remote_actor_id)
        .where(
            EventParticipant.event_id == event.id,
            EventParticipant.state == ParticipationState.waiting,
        )
        .order_by(EventParticipant.id)
        .limit(1)
    )
    row = (await session.execute(query)).first()
    if row is None:
        return False
    participant, remote = row
    participant.state = ParticipationState.accepted
    await answer_decision(session, uris, coop, event, remote, participant)
    return True


async def answer_decision(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    remote: RemoteActor | None,
    participant: EventParticipant,
) -> None:
    """Tell a participant of a decision: Accept/Reject of their Join, or a mail on the web."""
    accept = participant.state == ParticipationState.accepted
    if participant.web_registration_id is not None:
        await notices.decided(session, uris, coop, event, participant, accept)
    elif participant.by_join and remote is not None:
        await _answer(session, uris, coop, event, remote, participant, accept=accept)


def refusal_of(event: Event) -> str | None:
    """Why a registration for this event cannot be taken, or None."""
    now = utcnow()
    if event.status == EventStatus.cancelled:
        return "the event is cancelled"
    if event.ends_at <= now:
        return "the event is over"
    if event.rrule is not None:
        return "join one date of the series, not the series"
    if event.registration_mode in (RegistrationMode.closed, RegistrationMode.external):
        return f"registration is {event.registration_mode.value}"
    if event.registration_deadline is not None and event.registration_deadline < now:
        return "the registration deadline has passed"
    if event.registration_opens_at is not None and event.registration_opens_at > now:
        return "registration has not opened yet"
    return None


async def _answer(
    session: AsyncSession,
    uris: Uris,
    coop: LocalActor,
    event: Event,
    remote: RemoteActor,
    participant: EventParticipant,
    accept: bool,
) -> None:
    """Accept or Reject of the participant's Join, sent to their inbox from the coop actor."""
    event_uri = uris.event(coop.username, event.id)
    join = {"id": participant.join_uri, "type": "Join", "actor": remote.uri, "object": event_uri}
    answer = {
        "@context": AS_CONTEXT,
        "id": uris.answer_join(coop.username, _answer_key(participant), accept),
        "type": "Accept" if accept else "Reject",
        "actor": uris.actor(coop.username),
        "to": [remote.uri],
        "object": join,
    }
    await enqueue(session, coop, answer, [remote.inbox_uri] if remote.inbox_uri else [])


def _answer_key(participant: EventParticipant) -> str:
    # A refused Join has no row: its answer is named after the Join. A registration may be
    # answered twice (Reject while waiting, Accept when promoted), so the state is in the name.
    if participant.id is None:
        return hashlib.sha256((participant.join_uri or "").encode()).hexdigest()[:24]
    return f"{participant.id}-{participant.state.value}"


async def our_event(
    session: AsyncSession, uris: Uris, uri: str | None
) -> tuple[LocalActor, Event] | None:
    """The live coop and live event a URI names, the event row locked for counting seats."""
    parts = uris.event_id_of(uri)
    if parts is None:
        return None
    coop = await find_actor(session, parts[0])
    if coop is None or coop.kind != ActorKind.coop or coop.deleted_at is not None:
        return None
    event = await lock_event(session, parts[1])
    return None if event is None or event.local_actor_id != coop.id else (coop, event)


async def lock_event(session: AsyncSession, event_id: int) -> Event | None:
    """A live event, its row locked for counting seats."""
    query = select(Event).where(Event.id == event_id, Event.deleted_at.is_(None))
    # Two Joins for the last seat on two PostgreSQL workers: one waits for the other.
    return (await session.execute(query.with_for_update())).scalar_one_or_none()


async def find_participant(
    session: AsyncSession, event: Event, remote: RemoteActor
) -> EventParticipant | None:
    """The actor's registration for the event, if any."""
    query = select(EventParticipant).where(
        EventParticipant.event_id == event.id, EventParticipant.remote_actor_id == remote.id
    )
    return (await session.execute(query)).scalar_one_or_none()


async def cached_remote(session: AsyncSession, uri: str) -> RemoteActor | None:
    """A remote actor we already know, without fetching."""
    query = select(RemoteActor).where(RemoteActor.uri == uri)
    return (await session.execute(query)).scalar_one_or_none()


def message_of(activity: dict[str, Any]) -> str | None:
    """The participant's note to the organisers (Mobilizon's participationMessage), as text."""
    raw = activity.get("participationMessage") or activity.get("content")
    return html_to_text(raw)[:1000] if isinstance(raw, str) and raw.strip() else None
