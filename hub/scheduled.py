"""Scheduled statuses: kept with their draft, published by the worker when they are due."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub import media, statuses
from hub.media import MediaError
from hub.posts import Draft, PostError
from hub.store.models import LocalActor, Person, ScheduledStatus, Visibility
from hub.store.types import MAX_ID
from hub.uris import Uris

log = logging.getLogger(__name__)
MIN_DELAY = timedelta(minutes=5)  # like Mastodon: sooner is simply posting
MAX_PER_RUN = 20


class ScheduleError(Exception):
    """A status cannot be scheduled as asked; one readable line."""


async def schedule(
    session: AsyncSession,
    coop: LocalActor,
    person: Person | None,
    draft: Draft,
    media_ids: Sequence[int],
    when: datetime,
    now: datetime,
) -> ScheduledStatus:
    """Keep a checked draft (and the coop's own unattached images) for publishing at `when`."""
    if when < now + MIN_DELAY:
        raise ScheduleError("scheduled_at must be at least 5 minutes in the future")
    try:
        await media.claim(session, coop, media_ids)
    except MediaError as error:
        raise ScheduleError(str(error)) from error
    params = {
        "text": draft.text,
        "visibility": draft.visibility.value,
        "spoiler_text": draft.summary,
        "language": draft.language,
        "in_reply_to_uri": draft.in_reply_to_uri,
        "media_ids": list(media_ids),
    }
    item = ScheduledStatus(
        local_actor_id=coop.id, person_id=person.id if person else None, params=params,
        scheduled_at=when,
    )  # fmt: skip
    session.add(item)
    await session.flush()
    return item


async def pending(session: AsyncSession, coop: LocalActor) -> Sequence[ScheduledStatus]:
    """The coop's statuses still waiting, soonest first."""
    query = (
        select(ScheduledStatus)
        .where(ScheduledStatus.local_actor_id == coop.id, ScheduledStatus.published_at.is_(None))
        .order_by(ScheduledStatus.scheduled_at, ScheduledStatus.id)
    )
    return (await session.execute(query)).scalars().all()


async def cancel(session: AsyncSession, coop: LocalActor, item_id: int) -> bool:
    """Drop one of the coop's waiting statuses; False when there is none with that id."""
    item = await session.get(ScheduledStatus, item_id) if 0 < item_id <= MAX_ID else None
    if item is None or item.local_actor_id != coop.id or item.published_at is not None:
        return False
    await session.delete(item)
    await session.flush()
    return True


async def publish_due(session: AsyncSession, uris: Uris, now: datetime) -> int:
    """Publish every status whose time has come; a failing one is kept with its error."""
    query = (
        select(ScheduledStatus, LocalActor)
        .join(LocalActor, LocalActor.id == ScheduledStatus.local_actor_id)
        .where(
            ScheduledStatus.published_at.is_(None),
            ScheduledStatus.last_error.is_(None),
            ScheduledStatus.scheduled_at <= now,
            LocalActor.deleted_at.is_(None),
        )
        .order_by(ScheduledStatus.scheduled_at)
        .limit(MAX_PER_RUN)
    )
    published = 0
    for item, coop in (await session.execute(query)).all():
        person = await session.get(Person, item.person_id) if item.person_id else None
        try:
            async with session.begin_nested():
                await _publish(session, uris, coop, person, item.params)
        except (PostError, MediaError) as error:
            log.warning("scheduled status %s not published: %s", item.id, error)
            item.last_error = str(error)[:500]
            continue
        item.published_at = now
        published += 1
    await session.flush()
    return published


async def _publish(
    session: AsyncSession, uris: Uris, coop: LocalActor, person: Person | None, params: Any
) -> None:
    draft = Draft(
        params["text"], Visibility(params["visibility"]), params.get("spoiler_text"),
        params.get("language"), params.get("in_reply_to_uri"),
    )  # fmt: skip
    ids = [int(i) for i in params.get("media_ids") or []]
    if ids:
        draft = dataclasses.replace(draft, attachments=({"pending": True},))
    await statuses.post_status(session, uris, coop, person, draft, None, ids)
