"""Numbers for the dashboards: federation health and reach, straight from the database."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.store.models import (
    ActorKind,
    Delivery,
    DeliveryState,
    Follow,
    FollowDirection,
    FollowerCount,
    FollowState,
    InboxItem,
    InboxState,
    LocalActor,
    OutgoingActivity,
    Post,
    RemoteHost,
    Report,
)
from hub.uris import Uris

HOSTS_SHOWN = 20
DAYS_SHOWN = 30
POSTS_SHOWN = 10


@dataclass(frozen=True)
class Point:
    """One data point of a chart: what it is (a day, a server, a post) and its number."""

    label: str
    value: int


@dataclass(frozen=True)
class HostDeliveries:
    """Deliveries to one remote server by state; failed counts gone actors too."""

    host: str
    done: int
    failed: int
    pending: int
    unavailable_since: datetime | None


@dataclass(frozen=True)
class Health:
    """How federation goes: per server, the unavailable ones, and what waits in the queues."""

    hosts: list[HostDeliveries]
    unavailable: list[tuple[str, datetime]]
    deliveries_pending: int
    deliveries_due: int
    inbox_pending: int


@dataclass(frozen=True)
class CoopSeries:
    """A coop's followers on the days we know (daily snapshots, today counted live)."""

    username: str
    name: str
    points: list[Point]


async def federation_health(session: AsyncSession, now: datetime) -> Health:
    """Deliveries per server (the busiest first), unavailable servers and queue depths."""
    rows = (
        await session.execute(
            select(Delivery.host, Delivery.state, func.count()).group_by(
                Delivery.host, Delivery.state
            )
        )
    ).all()
    by_host: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for host, state, number in rows:
        key = "failed" if state == DeliveryState.gone else str(state)
        by_host[host][key] += int(number)
    down = dict(
        (await session.execute(
            select(RemoteHost.host, RemoteHost.unavailable_since)
            .where(RemoteHost.unavailable_since.is_not(None))
            .order_by(RemoteHost.unavailable_since, RemoteHost.host)
        )).all()
    )  # fmt: skip
    busiest = sorted(by_host.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    hosts = [
        HostDeliveries(host, c["done"], c["failed"], c["pending"], down.get(host))
        for host, c in busiest[:HOSTS_SHOWN]
    ]
    pending = Delivery.state == DeliveryState.pending
    return Health(
        hosts=hosts,
        unavailable=[(host, since) for host, since in down.items() if since is not None],
        deliveries_pending=await _count(session, Delivery, pending),
        deliveries_due=await _count(session, Delivery, pending, Delivery.next_attempt_at <= now),
        inbox_pending=await _count(session, InboxItem, InboxItem.state == InboxState.pending),
    )


async def _count(session: AsyncSession, model: type, *where: object) -> int:
    query = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    return int((await session.execute(query)).scalar_one())


async def follower_counts_now(session: AsyncSession) -> dict[int, int]:
    """Accepted followers of every local actor that has any, by actor id."""
    query = (
        select(Follow.local_actor_id, func.count())
        .where(Follow.direction == FollowDirection.inbound, Follow.state == FollowState.accepted)
        .group_by(Follow.local_actor_id)
    )
    return {actor_id: int(n) for actor_id, n in (await session.execute(query))}


async def snapshot_followers(session: AsyncSession, day: date) -> int:
    """Write (or refresh) each coop's and the network's follower count for the day."""
    actors = await _shown_actors(session, None)
    now = await follower_counts_now(session)
    query = select(FollowerCount).where(FollowerCount.day == day.isoformat())
    stored = {row.local_actor_id: row for row in (await session.execute(query)).scalars()}
    for actor in actors:
        row = stored.get(actor.id)
        if row is None:
            row = FollowerCount(local_actor_id=actor.id, day=day.isoformat(), followers=0)
            session.add(row)
        row.followers = now.get(actor.id, 0)
    await session.flush()
    return len(actors)


async def followers_over_time(
    session: AsyncSession, today: date, actor_ids: Sequence[int] | None = None,
    days: int = DAYS_SHOWN,
) -> list[CoopSeries]:  # fmt: skip
    """Per coop, its followers on each snapshot day of the window, and today's live count."""
    actors = await _shown_actors(session, actor_ids)
    first = (today - timedelta(days=days - 1)).isoformat()
    query = (
        select(FollowerCount.local_actor_id, FollowerCount.day, FollowerCount.followers)
        .where(FollowerCount.day >= first, FollowerCount.day < today.isoformat())
        .order_by(FollowerCount.day)
    )
    history: dict[int, list[Point]] = defaultdict(list)
    for actor_id, day, followers in await session.execute(query):
        history[actor_id].append(Point(day, followers))
    now = await follower_counts_now(session)
    return [
        CoopSeries(actor.username, actor.name,
                   [*history[actor.id], Point(today.isoformat(), now.get(actor.id, 0))])
        for actor in actors
    ]  # fmt: skip


async def _shown_actors(
    session: AsyncSession, actor_ids: Sequence[int] | None
) -> Sequence[LocalActor]:
    query = select(LocalActor).where(
        LocalActor.kind.in_((ActorKind.coop, ActorKind.network)),
        LocalActor.deleted_at.is_(None),
    )
    if actor_ids is not None:
        query = query.where(LocalActor.id.in_(actor_ids))
    return (await session.execute(query.order_by(LocalActor.username))).scalars().all()


async def servers_reached(
    session: AsyncSession, uris: Uris, actor_ids: Sequence[int] | None = None,
    limit: int = POSTS_SHOWN,
) -> list[Point]:  # fmt: skip
    """The newest posts, each with how many servers received it (its Create and the Group's
    Announce, delivered), labelled `username #id`."""
    query = (
        select(Post.id, LocalActor.username)
        .join(LocalActor, LocalActor.id == Post.local_actor_id)
        .where(Post.deleted_at.is_(None))
    )
    if actor_ids is not None:
        query = query.where(Post.local_actor_id.in_(actor_ids))
    posts = (await session.execute(query.order_by(Post.id.desc()).limit(limit))).all()
    group = await _group_username(session)
    activity_of: dict[str, int] = {}
    for post_id, username in posts:
        activity_of[uris.create_activity(username, post_id)] = post_id
        if group is not None:
            activity_of[uris.announce(group, uris.note(username, post_id))] = post_id
    reached: dict[int, set[str]] = defaultdict(set)
    if activity_of:
        delivered = (
            select(OutgoingActivity.uri, Delivery.host)
            .join(Delivery, Delivery.activity_id == OutgoingActivity.id)
            .where(OutgoingActivity.uri.in_(activity_of), Delivery.state == DeliveryState.done)
        )
        for uri, host in await session.execute(delivered):
            reached[activity_of[uri]].add(host)
    return [Point(f"{username} #{post_id}", len(reached[post_id]))
            for post_id, username in reversed(posts)]  # fmt: skip


async def _group_username(session: AsyncSession) -> str | None:
    query = select(LocalActor.username).where(LocalActor.kind == ActorKind.network)
    return (await session.execute(query)).scalar_one_or_none()


async def reports_over_time(
    session: AsyncSession, today: date, days: int = DAYS_SHOWN
) -> list[Point]:
    """Reports received on each day of the window (UTC), oldest day first."""
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC)
    query = select(Report.created_at).where(Report.created_at >= start)
    per_day: dict[str, int] = defaultdict(int)
    for (created,) in await session.execute(query):
        per_day[created.astimezone(UTC).date().isoformat()] += 1
    return [
        Point(day.isoformat(), per_day[day.isoformat()])
        for day in (first + timedelta(days=n) for n in range(days))
    ]
