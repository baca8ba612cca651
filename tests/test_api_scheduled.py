"""Scheduled statuses: kept, listed, cancelled, and published by the worker when due."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from hub import worker
from hub.config import Settings
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import Delivery, Post, ScheduledStatus
from hub.store.types import utcnow
from tests.apikit import count, person_with_coop, token_for
from tests.federation_data import add_follower
from tests.test_api_media import png, upload


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def mia(db: Database, settings: Settings) -> tuple[str, int]:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write"), person.id


async def make_due(db: Database) -> None:
    """Let the scheduled time pass (the worker compares it with the clock)."""
    async with db.begin() as session:
        past = utcnow() - timedelta(seconds=1)
        await session.execute(update(ScheduledStatus).values(scheduled_at=past))


async def test_scheduled_status_waits_then_the_worker_publishes_it_with_its_image(
    client: Any, db: Database, federation: Federation, mia: tuple[str, int]
) -> None:
    token, person_id = mia
    await add_follower(db, "fairbnb", "http://remote.test/users/ada")
    image = await (await upload(client, token, png(), description="Plakat")).json()
    when = (utcnow() + timedelta(hours=2)).isoformat()
    body = {"status": "Später", "scheduled_at": when, "media_ids": [image["id"]]}
    created = await client.post("/api/v1/statuses", json=body, headers=auth(token))
    scheduled = await created.json()
    assert created.status == 200 and scheduled["params"]["text"] == "Später"
    listed = await (await client.get("/api/v1/scheduled_statuses", headers=auth(token))).json()
    assert [item["id"] for item in listed] == [scheduled["id"]]
    await worker.run_once(federation)
    assert await count(db, Post) == 0
    await make_due(db)
    await worker.run_once(federation)
    async with db.read() as session:
        post = (await session.execute(Post.__table__.select())).one()
    assert post.source_text == "Später" and post.person_id == person_id
    assert post.attachments[0]["name"] == "Plakat"
    assert await count(db, Delivery, Delivery.inbox_uri == "http://remote.test/users/ada/inbox")
    assert await (await client.get("/api/v1/scheduled_statuses", headers=auth(token))).json() == []


async def test_cancelled_or_foreign_scheduled_statuses(
    client: Any, db: Database, settings: Settings, federation: Federation, mia: tuple[str, int]
) -> None:
    token = mia[0]
    when = (utcnow() + timedelta(days=1)).isoformat()
    created = await client.post(
        "/api/v1/statuses", json={"status": "Nie", "scheduled_at": when}, headers=auth(token)
    )
    path = f"/api/v1/scheduled_statuses/{(await created.json())['id']}"
    person, coop = await person_with_coop(db, settings, "jo@ecoop.example", "ecoop")
    other = await token_for(db, person, coop, "read write")
    assert (await client.get(path, headers=auth(other))).status == 404
    assert (await client.delete(path, headers=auth(other))).status == 404
    assert (await client.get(path, headers=auth(token))).status == 200
    assert (await client.delete(path, headers=auth(token))).status == 200
    assert (await client.delete(path, headers=auth(token))).status == 404
    await make_due(db)
    await worker.run_once(federation)
    assert await count(db, Post) == 0


async def test_scheduling_with_another_coops_image_is_422_and_nothing_kept(
    client: Any, db: Database, settings: Settings, mia: tuple[str, int]
) -> None:
    person, coop = await person_with_coop(db, settings, "jo@ecoop.example", "ecoop")
    other = await token_for(db, person, coop, "read write")
    theirs = await (await upload(client, other, png())).json()
    when = (utcnow() + timedelta(hours=1)).isoformat()
    body = {"status": "x", "scheduled_at": when, "media_ids": [theirs["id"]]}
    response = await client.post("/api/v1/statuses", json=body, headers=auth(mia[0]))
    assert response.status == 422
    assert await count(db, ScheduledStatus) == 0
