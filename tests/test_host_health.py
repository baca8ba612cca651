"""Host health upkeep: hosts that reach us again get deliveries; failure rows expire, capped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from hub import worker
from hub.federation import Federation
from hub.host_health import prune_hosts
from hub.store.db import Database
from hub.store.models import RemoteHost
from hub.store.types import utcnow
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop
from tests.inboxkit import deliver, follow_of


def _day(days_ago: int) -> str:
    return (utcnow() - timedelta(days=days_ago)).date().isoformat()


async def _hosts(db: Database) -> dict[str, RemoteHost]:
    async with db.read() as session:
        return {row.host: row for row in (await session.execute(select(RemoteHost))).scalars()}


async def test_an_unavailable_host_that_reaches_us_gets_answers_again(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb")
    host = urlsplit(remote.base).hostname
    async with db.begin() as session:
        session.add(RemoteHost(host=host, failure_days=9, unavailable_since=utcnow()))
    assert (await deliver(client, remote, "alice", follow_of(remote))).status == 202
    await worker.run_once(federation)
    assert [item.activity["type"] for item in remote.received] == ["Accept"]
    assert str(host) not in await _hosts(db)  # available again, and nothing left to remember


async def test_old_failures_and_recovered_hosts_are_forgotten_by_the_worker(
    db: Database, federation: Federation
) -> None:
    async with db.begin() as session:
        session.add(RemoteHost(host="recent.test", failure_days=2, last_failure_day=_day(2)))
        session.add(RemoteHost(host="old.test", failure_days=3, last_failure_day=_day(40)))
        session.add(RemoteHost(host="recovered.test", failure_days=0, last_success_at=utcnow()))
        session.add(
            RemoteHost(
                host="down.test",
                failure_days=7,
                last_failure_day=_day(90),
                unavailable_since=utcnow() - timedelta(days=80),
            )
        )
    await worker.run_once(federation)
    assert sorted(await _hosts(db)) == ["down.test", "recent.test"]


async def test_failure_rows_are_capped_oldest_first_and_unavailable_hosts_last(
    db: Database,
) -> None:
    async with db.begin() as session:
        for number in range(5):
            session.add(
                RemoteHost(host=f"h{number}.test", failure_days=1, last_failure_day=_day(number))
            )
        session.add(
            RemoteHost(
                host="down.test",
                failure_days=7,
                last_failure_day=_day(20),
                unavailable_since=utcnow(),
            )
        )
    async with db.begin() as session:
        assert await prune_hosts(session, utcnow(), cap=3) == 3
    assert sorted(await _hosts(db)) == ["down.test", "h0.test", "h1.test"]
