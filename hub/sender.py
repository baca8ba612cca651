"""Sending due deliveries: claim with a lease, sign at send time, POST, classify, record."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.client import ClientPolicy, FetchError, post
from hub.activitypub.signatures import sign_post
from hub.activitypub.vocab import rsa_key_id
from hub.delivery import Outcome, Verdict, classify, record_host_results
from hub.store.db import Database
from hub.store.models import Delivery, DeliveryState, LocalActor, OutgoingActivity, RemoteActor
from hub.store.types import utcnow
from hub.uris import Uris

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=10)  # a claimed row is retried after this if its worker died
BATCH = 1000
PER_HOST = 4
TOTAL = 128


@dataclass(frozen=True)
class Job:
    """One claimed delivery with what signing it needs."""

    id: int
    inbox: str
    host: str
    body: bytes
    key_id: str
    private_key_pem: str
    attempts: int
    created: datetime


@dataclass(frozen=True)
class Sent:
    """What happened to a job: an HTTP status (None: no answer) and a reason."""

    job: Job
    status: int | None
    headers: dict[str, str]
    error: str | None


async def deliver_due(
    db: Database,
    http: aiohttp.ClientSession,
    policy: ClientPolicy,
    uris: Uris,
    limit: int = BATCH,
    lease: timedelta = LEASE,
) -> int:
    """Send every due delivery (up to `limit`); return how many were attempted."""
    jobs = await _claim(db, uris, limit, lease, policy)
    if not jobs:
        return 0
    results = await _send_all(http, policy, uris, jobs)
    await _record(db, results)
    return len(jobs)


async def _claim(
    db: Database, uris: Uris, limit: int, lease: timedelta, policy: ClientPolicy
) -> list[Job]:
    now = utcnow()
    query = (
        select(Delivery, OutgoingActivity.ap_json, LocalActor)
        .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
        .join(LocalActor, LocalActor.id == OutgoingActivity.local_actor_id)
        .where(Delivery.state == DeliveryState.pending, Delivery.next_attempt_at <= now)
        .order_by(Delivery.id)
        .limit(limit)
    )
    async with db.begin() as session:
        if not db.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=Delivery)
        rows = (await session.execute(query)).all()
        bodies: dict[int, bytes] = {}
        jobs = []
        for delivery, activity, actor in rows:
            if policy.refuse_host is not None and policy.refuse_host(delivery.host):
                # Blocked since it was queued: never sent (A9).
                delivery.state, delivery.finished_at = DeliveryState.failed, now
                delivery.last_error = "the server is blocked"
                continue
            body = bodies.setdefault(delivery.activity_id, json.dumps(activity).encode())
            delivery.next_attempt_at = now + lease
            jobs.append(
                Job(
                    id=delivery.id,
                    inbox=delivery.inbox_uri,
                    host=delivery.host,
                    body=body,
                    key_id=rsa_key_id(_actor_id(uris, actor)),
                    private_key_pem=actor.rsa_private_pem,
                    attempts=delivery.attempts,
                    created=delivery.created_at,
                )
            )
    return jobs


def _actor_id(uris: Uris, actor: LocalActor) -> str:
    return uris.instance_actor() if actor.kind == "instance" else uris.actor(actor.username)


async def _send_all(
    http: aiohttp.ClientSession, policy: ClientPolicy, uris: Uris, jobs: list[Job]
) -> list[Sent]:
    hosts: dict[str, asyncio.Semaphore] = defaultdict(lambda: asyncio.Semaphore(PER_HOST))
    total = asyncio.Semaphore(TOTAL)

    async def send(job: Job) -> Sent:
        async with hosts[job.host], total:
            return await _send(http, policy, uris, job)

    return list(await asyncio.gather(*(send(job) for job in jobs)))


async def _send(http: aiohttp.ClientSession, policy: ClientPolicy, uris: Uris, job: Job) -> Sent:
    headers = sign_post(job.inbox, job.body, job.key_id, job.private_key_pem)
    try:
        answer = await post(http, policy, job.inbox, job.body, headers, own_host=uris.domain)
    except (FetchError, OSError, aiohttp.ClientError, TimeoutError) as error:
        return Sent(job, None, {}, f"{type(error).__name__}: {error}"[:500])
    return Sent(job, answer.status, dict(answer.headers), None)


async def _record(db: Database, results: list[Sent]) -> None:
    now = utcnow()
    done: dict[int | None, list[int]] = defaultdict(list)
    reached: dict[str, bool] = {}
    async with db.begin() as session:
        for result in results:
            job = result.job
            verdict = classify(result.status, result.headers, job.attempts + 1, job.created, now)
            if verdict.outcome == Outcome.done:
                done[result.status].append(job.id)
            else:
                await _record_other(session, result, verdict, now)
            ok = result.status is not None and result.status < 500
            reached[job.host] = reached.get(job.host, False) or ok
        for status, ids in done.items():
            # The common case in one statement per status, not one per row (fan-out speed).
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids))
                .values(
                    state=DeliveryState.done,
                    finished_at=now,
                    attempts=Delivery.attempts + 1,
                    last_status=status,
                    last_error=None,
                )
            )
        await record_host_results(session, reached, now)


async def _record_other(
    session: AsyncSession, result: Sent, verdict: Verdict, now: datetime
) -> None:
    job = result.job
    values: dict[str, Any] = {
        "attempts": job.attempts + 1,
        "last_status": result.status,
        "last_error": result.error,
    }
    match verdict.outcome:
        case Outcome.gone:
            values.update(state=DeliveryState.gone, finished_at=now)
            await session.execute(
                update(RemoteActor).where(RemoteActor.inbox_uri == job.inbox).values(gone_at=now)
            )
        case Outcome.final:
            values.update(state=DeliveryState.failed, finished_at=now)
        case _:
            values.update(next_attempt_at=verdict.retry_at)
    await session.execute(update(Delivery).where(Delivery.id == job.id).values(**values))
    log.info("delivery %s to %s: %s %s", job.id, job.inbox, result.status, result.error or "")
