"""The delivery queue: one row per inbox, pure backoff and answer classification."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.proofs import sign_document
from hub.activitypub.vocab import ed25519_key_id
from hub.host_health import host_name
from hub.store.models import (
    Delivery,
    DeliveryState,
    DomainBlock,
    Follow,
    FollowDirection,
    FollowState,
    LocalActor,
    OutgoingActivity,
    RemoteActor,
    RemoteBlock,
    RemoteHost,
)
from hub.store.types import utcnow

GIVE_UP_AFTER = timedelta(days=2)
MAX_DELAY = timedelta(hours=12)
FIRST_DELAY = timedelta(minutes=1)
MAX_RETRY_AFTER = timedelta(days=1)
UNAVAILABLE_AFTER_DAYS = 7


class Outcome(enum.StrEnum):
    """What an answer means for a delivery."""

    done = "done"
    retry = "retry"
    gone = "gone"
    final = "final"


@dataclass(frozen=True)
class Verdict:
    """An outcome, and for retries when to try again."""

    outcome: Outcome
    retry_at: datetime | None = None


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after `attempts` failures: 1, 2, 4 ... minutes, at most 12 h."""
    if attempts <= 0:
        return timedelta(0)
    delay: timedelta = FIRST_DELAY * 2 ** min(attempts - 1, 20)
    return min(delay, MAX_DELAY)


def classify(
    status: int | None, headers: Mapping[str, str], attempts: int, created: datetime, now: datetime
) -> Verdict:
    """Map an answer (None: timeout or connection error) to done, retry, gone or final."""
    if status is not None and 200 <= status < 300:
        return Verdict(Outcome.done)
    if status == 410:
        return Verdict(Outcome.gone)
    if status is not None and 400 <= status < 500 and status not in (408, 429):
        return Verdict(Outcome.final)
    retry_at = now + backoff(attempts)
    if status in (429, 503):
        retry_at = max(retry_at, _retry_after(headers.get("Retry-After"), now) or retry_at)
    if retry_at - created > GIVE_UP_AFTER:
        return Verdict(Outcome.final)
    return Verdict(Outcome.retry, retry_at)


def _retry_after(value: str | None, now: datetime) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + min(timedelta(seconds=int(value)), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return min(moment, now + MAX_RETRY_AFTER)


async def follower_inboxes(session: AsyncSession, actor: LocalActor) -> list[str]:
    """Inboxes of the actor's accepted followers: shared inbox preferred, no duplicates."""
    query = (
        select(RemoteActor.shared_inbox_uri, RemoteActor.inbox_uri)
        .join(Follow, Follow.remote_actor_id == RemoteActor.id)
        .where(
            Follow.local_actor_id == actor.id,
            Follow.direction == FollowDirection.inbound,
            Follow.state == FollowState.accepted,
            RemoteActor.gone_at.is_(None),
            ~select(RemoteBlock.id)
            .where(
                RemoteBlock.remote_actor_id == RemoteActor.id,
                RemoteBlock.local_actor_id == actor.id,
            )
            .exists(),
        )
    )
    rows = (await session.execute(query)).all()
    return unique_inboxes(shared or inbox for shared, inbox in rows)


def unique_inboxes(inboxes: Iterable[str | None]) -> list[str]:
    """Drop empty and repeated inboxes, keeping the first order."""
    return list(dict.fromkeys(inbox for inbox in inboxes if inbox))


async def enqueue(
    session: AsyncSession, actor: LocalActor, activity: dict[str, Any], inboxes: Iterable[str]
) -> OutgoingActivity:
    """Store the activity (with its FEP-8b32 proof) and one pending delivery per inbox.

    The HTTP signature is made at send time; nothing is committed here.
    """
    key_id = ed25519_key_id(str(activity["actor"]))
    activity = sign_document(activity, key_id, actor.ed25519_private_multibase)
    stored = OutgoingActivity(uri=str(activity["id"]), local_actor_id=actor.id, ap_json=activity)
    session.add(stored)
    await session.flush()
    unavailable = await _unavailable_hosts(session)
    suspended = await _suspended_domains(session)
    now = utcnow()
    for inbox in unique_inboxes(inboxes):
        host = host_name(inbox)
        if host and host not in unavailable and not _covered(host, suspended):
            session.add(
                Delivery(
                    activity_id=stored.id,
                    inbox_uri=inbox,
                    host=host,
                    state=DeliveryState.pending,
                    next_attempt_at=now,
                )
            )
    await session.flush()
    return stored


async def _unavailable_hosts(session: AsyncSession) -> set[str]:
    query = select(RemoteHost.host).where(RemoteHost.unavailable_since.is_not(None))
    return set((await session.execute(query)).scalars().all())


async def _suspended_domains(session: AsyncSession) -> frozenset[str]:
    query = select(DomainBlock.domain).where(DomainBlock.severity == "suspend")
    return frozenset((await session.execute(query)).scalars().all())


def _covered(host: str, domains: frozenset[str]) -> bool:
    """True when the host or one of its parent domains is in the set."""
    if not domains:
        return False
    parts = host.split(".")
    return any(".".join(parts[index:]) in domains for index in range(len(parts)))


async def record_host_result(session: AsyncSession, host: str, ok: bool, now: datetime) -> None:
    """Count distinct failing days per host; a success makes it available again."""
    await record_host_results(session, {host: ok}, now)


async def record_host_results(
    session: AsyncSession, results: Mapping[str, bool], now: datetime
) -> None:
    """Record a batch of per-host outcomes; healthy hosts we never saw fail cost no write."""
    rows = {
        row.host: row
        for row in (
            await session.execute(select(RemoteHost).where(RemoteHost.host.in_(list(results))))
        ).scalars()
    }
    today = now.date().isoformat()
    for host, ok in results.items():
        row = rows.get(host)
        if ok:
            if row is not None:
                row.failure_days, row.last_failure_day = 0, None
                row.unavailable_since, row.last_success_at = None, now
            continue
        if row is None:
            row = RemoteHost(host=host, failure_days=0)
            session.add(row)
        if row.last_failure_day != today:
            row.failure_days += 1
            row.last_failure_day = today
        if row.failure_days >= UNAVAILABLE_AFTER_DAYS and row.unavailable_since is None:
            row.unavailable_since = now


async def queue_counts(session: AsyncSession) -> dict[str, int]:
    """How many deliveries are in each state."""
    query = select(Delivery.state, func.count()).group_by(Delivery.state)
    counts = {state.value: 0 for state in DeliveryState}
    for state, count in (await session.execute(query)).all():
        counts[DeliveryState(state).value] = int(count)
    return counts
