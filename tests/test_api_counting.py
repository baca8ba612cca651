"""Account counts in API entities: cached, and counted once when many requests need them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from hub import statuses
from hub.config import Settings
from hub.store.db import Database
from tests.helpers import make_coop
from web.api import counting


async def test_requests_needing_expired_counts_count_once(
    client: Any, db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    queries = 0
    count = statuses.counts

    async def counted(session: Any, actor: Any) -> statuses.Counts:
        nonlocal queries
        queries += 1
        await asyncio.sleep(0.01)  # others arrive while the database answers
        return await count(session, actor)

    monkeypatch.setattr(statuses, "counts", counted)
    request = make_mocked_request("GET", "/api/v1/timelines/public", app=client.app)

    async def one() -> statuses.Counts:
        async with db.read() as session:
            return await counting.counts(request, session, coop)

    found = await asyncio.gather(*(one() for _ in range(16)))
    assert queries == 1 and len(set(found)) == 1 and found[0].statuses == 0
    assert await one() == found[0] and queries == 1  # and kept for the next request
