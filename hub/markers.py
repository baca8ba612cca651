"""Timeline markers: where a person acting as a coop stopped reading home and notifications."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import LocalActor, Marker, Person
from hub.store.types import utcnow

TIMELINES = ("home", "notifications")


class MarkerError(Exception):
    """A marker cannot be set as asked; one readable line."""


async def markers(
    session: AsyncSession, coop: LocalActor, person: Person | None, timelines: Sequence[str]
) -> list[Marker]:
    """The person's markers for those timelines (all of them when none is named)."""
    wanted = [name for name in timelines if name in TIMELINES] or list(TIMELINES)
    query = select(Marker).where(
        Marker.local_actor_id == coop.id,
        Marker.person_id == person.id if person else Marker.person_id.is_(None),
        Marker.timeline.in_(wanted),
    )
    return list((await session.execute(query)).scalars())


async def save(
    session: AsyncSession, coop: LocalActor, person: Person | None, positions: Mapping[str, str]
) -> list[Marker]:
    """Set the last read ids; each change raises the marker's version."""
    for name, last_read in positions.items():
        if name not in TIMELINES:
            raise MarkerError(f"unknown timeline {name[:20]!r}; use home or notifications")
        if not last_read.isdigit() or len(last_read) > 30:
            raise MarkerError("last_read_id must be a status or notification id")
    found = {m.timeline: m for m in await markers(session, coop, person, list(positions))}
    for name, last_read in positions.items():
        marker = found.get(name)
        if marker is None:
            marker = Marker(local_actor_id=coop.id, person_id=person.id if person else None,
                            timeline=name, last_read_id=last_read, version=0)  # fmt: skip
            session.add(marker)
        marker.last_read_id = last_read
        marker.version += 1
        marker.updated_at = utcnow()
    await session.flush()
    return await markers(session, coop, person, list(positions))
