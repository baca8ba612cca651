"""The coop favourites and boosts: remote notes get signed Like/Announce/Undo, ours are recorded."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub import worker
from hub.config import Settings
from hub.federation import Federation
from hub.statuses import REMOTE_ID_OFFSET
from hub.store.db import Database
from hub.store.models import CoopInteraction, Delivery, RemoteNote
from tests.apikit import count, person_with_coop, token_for
from tests.fakeremote import FakeRemote
from tests.inboxkit import deliver, note_of


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def writer(db: Database, settings: Settings) -> str:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write")


async def remote_reply(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, token: str
) -> str:
    """A reply by alice@remote.test to a post of ours; its client API id."""
    created = await client.post("/api/v1/statuses", json={"status": "Frage"}, headers=auth(token))
    parent = (await created.json())["uri"]
    reply = note_of(remote, "alice", 1, inReplyTo=parent)
    assert (await deliver(client, remote, "alice", reply)).status == 202
    await worker.run_once(federation)
    remote.received.clear()
    async with db.read() as session:
        note = (await session.execute(select(RemoteNote))).scalar_one()
    return str(REMOTE_ID_OFFSET + note.id)


async def test_favouriting_a_remote_reply_sends_a_signed_like_and_its_undo(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, writer: str
) -> None:
    status_id = await remote_reply(client, db, federation, remote, writer)
    for _ in range(2):
        liked = await client.post(f"/api/v1/statuses/{status_id}/favourite", headers=auth(writer))
        body = await liked.json()
        assert liked.status == 200 and body["favourited"] is True and body["id"] == status_id
    await worker.run_once(federation)
    assert [r.activity["type"] for r in remote.received] == ["Like"]
    like = remote.received[0]
    assert "Signature" in like.headers or "Signature-Input" in like.headers
    assert like.activity["object"].endswith("/users/alice/statuses/1")
    undone = await client.post(f"/api/v1/statuses/{status_id}/unfavourite", headers=auth(writer))
    assert (await undone.json())["favourited"] is False
    await worker.run_once(federation)
    undo = remote.received[1].activity
    assert undo["type"] == "Undo" and undo["object"]["id"] == like.activity["id"]
    assert await count(db, CoopInteraction) == 0


async def test_boosting_a_remote_reply_sends_an_announce_and_undo(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, writer: str
) -> None:
    status_id = await remote_reply(client, db, federation, remote, writer)
    boosted = await client.post(f"/api/v1/statuses/{status_id}/reblog", headers=auth(writer))
    assert (await boosted.json())["reblogged"] is True
    await client.post(f"/api/v1/statuses/{status_id}/unreblog", headers=auth(writer))
    await worker.run_once(federation)
    kinds = [r.activity["type"] for r in remote.received]
    assert kinds == ["Announce", "Undo"]
    assert remote.received[0].activity["to"] == ["https://www.w3.org/ns/activitystreams#Public"]


async def test_favouriting_our_own_post_is_only_recorded(
    client: Any, db: Database, writer: str
) -> None:
    created = await client.post("/api/v1/statuses", json={"status": "Wir"}, headers=auth(writer))
    status_id = (await created.json())["id"]
    deliveries = await count(db, Delivery)
    for action in ("favourite", "reblog"):
        response = await client.post(f"/api/v1/statuses/{status_id}/{action}", headers=auth(writer))
        assert response.status == 200
    body = await response.json()
    assert body["favourited"] is True and body["reblogged"] is True
    assert await count(db, CoopInteraction) == 2
    assert await count(db, Delivery) == deliveries


async def test_unknown_hidden_or_out_of_scope_targets_are_refused(
    client: Any, db: Database, settings: Settings, writer: str
) -> None:
    missing = await client.post("/api/v1/statuses/424242/favourite", headers=auth(writer))
    assert missing.status == 404 and await missing.json() == {"error": "Record not found"}
    remote_missing = f"/api/v1/statuses/{REMOTE_ID_OFFSET + 5}/reblog"
    assert (await client.post(remote_missing, headers=auth(writer))).status == 404
    person, coop = await person_with_coop(db, settings, "jo@ecoop.example", "ecoop")
    other = await token_for(db, person, coop, "read write")
    secret = await client.post(
        "/api/v1/statuses", json={"status": "Intern", "visibility": "private"}, headers=auth(other)
    )
    hidden = f"/api/v1/statuses/{(await secret.json())['id']}/favourite"
    assert (await client.post(hidden, headers=auth(writer))).status == 404
    reader = await token_for(db, person, coop, "read")
    assert (await client.post(hidden, headers=auth(reader))).status == 403
    assert await count(db, CoopInteraction) == 0


async def test_statuses_count_replies_boosts_and_favourites_and_show_the_viewers_own(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, writer: str
) -> None:
    await remote_reply(client, db, federation, remote, writer)
    home = await (await client.get("/api/v1/timelines/home", headers=auth(writer))).json()
    post_uri, status_id = home[0]["uri"], home[0]["id"]
    like = {"id": f"{remote.actor('bob')}#likes/1", "type": "Like",
            "actor": remote.actor("bob"), "object": post_uri}  # fmt: skip
    assert (await deliver(client, remote, "bob", like)).status == 202
    await worker.run_once(federation)
    await client.post(f"/api/v1/statuses/{status_id}/reblog", headers=auth(writer))
    mine = await (await client.get(f"/api/v1/statuses/{status_id}", headers=auth(writer))).json()
    assert (mine["replies_count"], mine["favourites_count"], mine["reblogs_count"]) == (1, 1, 1)
    assert mine["reblogged"] is True and mine["favourited"] is False
    anonymous = await (await client.get(f"/api/v1/statuses/{status_id}")).json()
    assert anonymous["reblogged"] is False and anonymous["reblogs_count"] == 1
    public = await (await client.get("/api/v1/timelines/public")).json()
    assert public[0]["favourites_count"] == 1 and public[0]["reblogged"] is False
