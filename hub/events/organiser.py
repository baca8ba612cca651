"""For the coop's people: who is registered, approval decisions, wiping personal data later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from hub.events import rsvp
from hub.events.validation import EventError, EventNotFound
from hub.store.models import (
    Event,
    EventParticipant,
    EventStatus,
    EventWithdrawal,
    LocalActor,
    ParticipationState,
    RemoteActor,
    WebRegistration,
)
from hub.uris import Uris

KEEP_PERSONAL_DATA = timedelta(days=30)
KEEP_UNCONFIRMED = timedelta(days=7)
PURGE_BATCH = 200
Series = aliased(Event, name="series")


@dataclass(frozen=True)
class Participant:
    """One registration as the organisers see it (`withdrawn`: cancelled or rejected)."""

    id: int
    state: ParticipationState | None
    name: str
    email: str | None
    source: str
    registered_at: datetime
    message: str | None
    withdrawn: str | None = None

    @property
    def status(self) -> str:
        """accepted, pending, waiting, tentative, cancelled or rejected."""
        return self.withdrawn or (self.state.value if self.state else "")


async def participants(session: AsyncSession, event_id: int) -> list[Participant]:
    """Everyone registered for one date, in order of arrival."""
    query = (
        select(EventParticipant, RemoteActor, WebRegistration)
        .outerjoin(RemoteActor, RemoteActor.id == EventParticipant.remote_actor_id)
        .outerjoin(WebRegistration, WebRegistration.id == EventParticipant.web_registration_id)
        .where(EventParticipant.event_id == event_id)
        .order_by(EventParticipant.id)
    )
    return [_row(*row) for row in (await session.execute(query)).all()]


async def withdrawals(session: AsyncSession, event_id: int) -> list[Participant]:
    """Registrations for one date that were cancelled or rejected, in order of withdrawal."""
    query = (
        select(EventWithdrawal, RemoteActor, WebRegistration)
        .outerjoin(RemoteActor, RemoteActor.id == EventWithdrawal.remote_actor_id)
        .outerjoin(WebRegistration, WebRegistration.id == EventWithdrawal.web_registration_id)
        .where(EventWithdrawal.event_id == event_id)
        .order_by(EventWithdrawal.id)
    )
    rows = []
    for withdrawal, remote, web in (await session.execute(query)).all():
        name, source, email = _who(remote, web)
        rows.append(Participant(withdrawal.id, None, name, email, source,
                                withdrawal.registered_at, None, withdrawal.reason))  # fmt: skip
    return rows


async def roster(session: AsyncSession, event_id: int) -> list[Participant]:
    """Everyone registered for one date, then those who cancelled or were turned down."""
    return [*await participants(session, event_id), *await withdrawals(session, event_id)]


def _row(
    participant: EventParticipant, remote: RemoteActor | None, web: WebRegistration | None
) -> Participant:
    name, source, email = _who(remote, web)
    return Participant(participant.id, participant.state, name, email, source,
                       participant.created_at, participant.message)  # fmt: skip


def _who(remote: RemoteActor | None, web: WebRegistration | None) -> tuple[str, str, str | None]:
    if remote is not None:
        name = f"@{remote.username}@{remote.domain}" if remote.username else remote.uri
        return name, "fediverse", None
    return (web.name if web else None) or "(gelöscht)", "web", web.email if web else None


async def decide(
    session: AsyncSession, uris: Uris, event_id: int, participant_id: int, approve: bool
) -> ParticipationState | None:
    """Approve (a seat) or reject a pending registration; the person is told either way."""
    event = await rsvp.lock_event(session, event_id)
    coop = await session.get(LocalActor, event.local_actor_id) if event else None
    if event is None or coop is None:
        raise EventNotFound(f"no event with the id {event_id}")
    participant = await session.get(EventParticipant, participant_id)
    if participant is None or participant.event_id != event_id:
        raise EventNotFound(f"no participant {participant_id} for event {event_id}")
    if participant.state not in (ParticipationState.pending, ParticipationState.waiting):
        raise EventError(f"participant {participant_id} is {participant.state.value}, not pending")
    remote = await session.get(RemoteActor, participant.remote_actor_id or 0)
    if not approve:
        participant.state = ParticipationState.pending
        await rsvp.answer_decision(session, uris, coop, event, remote, participant)
        await rsvp.release(session, uris, coop, event, participant, reason="rejected")
        return None
    taken = await rsvp.seats_taken(session, event)
    if event.capacity is not None and taken >= event.capacity:
        raise EventError(f"event {event_id} is full ({taken} of {event.capacity} seats)")
    participant.state = ParticipationState.accepted
    await rsvp.answer_decision(session, uris, coop, event, remote, participant)
    return participant.state


async def purge_personal_data(session: AsyncSession, now: datetime) -> int:
    """Wipe names, emails, messages and tokens 30 days after the end; how many events."""
    cutoff = now - KEEP_PERSONAL_DATA
    ended = select(Event.id).where(
        Event.rrule.is_(None), Event.ends_at < cutoff, Event.personal_data_purged_at.is_(None)
    )
    ids = list((await session.execute(ended.limit(PURGE_BATCH))).scalars())
    if ids:
        await session.execute(
            update(EventParticipant).where(EventParticipant.event_id.in_(ids)).values(message=None)
        )
        await _stamp(session, ids, now)
    await _stamp(session, await _finished_series(session, cutoff), now)
    await _wipe_registrations(session, now)
    await session.execute(
        delete(WebRegistration).where(
            WebRegistration.confirmed_at.is_(None),
            WebRegistration.created_at < now - KEEP_UNCONFIRMED,
        )
    )
    return len(ids)


async def _finished_series(session: AsyncSession, cutoff: datetime) -> Sequence[int]:
    # A series is over when it no longer runs and its last date ended 30 days ago.
    later = exists().where(Event.series_id == Series.id, Event.ends_at >= cutoff)
    query = select(Series.id).where(
        Series.rrule.is_not(None),
        Series.personal_data_purged_at.is_(None),
        (Series.status == EventStatus.cancelled) | Series.deleted_at.is_not(None),
        ~later,
    )
    return (await session.execute(query.limit(PURGE_BATCH))).scalars().all()


async def _stamp(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    if ids:
        await session.execute(
            update(Event).where(Event.id.in_(ids)).values(personal_data_purged_at=now)
        )


WIPED = dict.fromkeys(("name", "email", "confirm_hash", "manage_hash", "ip_hash"))


async def _wipe_registrations(session: AsyncSession, now: datetime) -> None:
    done = select(Event.id).where(Event.personal_data_purged_at.is_not(None))
    await session.execute(
        update(WebRegistration)
        .where(WebRegistration.purged_at.is_(None), WebRegistration.event_id.in_(done))
        .values(**WIPED, whole_series=False, purged_at=now)
    )
