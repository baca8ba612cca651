"""Editing statuses, their source, and conversations with replies from the fediverse."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub import worker
from hub.config import Settings
from hub.federation import Federation
from hub.statuses import REMOTE_ID_OFFSET
from hub.store.db import Database
from hub.store.models import OutgoingActivity, Post
from tests.apikit import person_with_coop, token_for
from tests.fakeremote import FakeRemote
from tests.federation_data import add_follower
from tests.inboxkit import deliver, note_of


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def writer(db: Database, settings: Settings) -> str:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write")


async def post(client: Any, token: str, text: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/statuses", json={"status": text, **fields}, headers=auth(token)
    )
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


async def test_edit_changes_the_text_and_sends_an_update_to_followers(
    client: Any, db: Database, writer: str
) -> None:
    await add_follower(db, "fairbnb", "http://remote.test/users/ada")
    status = await post(client, writer, "Treffen am Montag", language="de")
    edited = await client.put(
        f"/api/v1/statuses/{status['id']}",
        json={"status": "Treffen am Dienstag", "language": "de"},
        headers=auth(writer),
    )
    body = await edited.json()
    assert edited.status == 200, body
    assert "Dienstag" in body["content"] and body["edited_at"] is not None
    source = await client.get(f"/api/v1/statuses/{status['id']}/source", headers=auth(writer))
    assert (await source.json())["text"] == "Treffen am Dienstag"
    async with db.read() as session:
        sent = (await session.execute(select(OutgoingActivity.ap_json))).scalars().all()
    assert [activity["type"] for activity in sent] == ["Create", "Update"]
    assert "Dienstag" in sent[1]["object"]["content"]


async def test_bad_edits_are_refused_and_change_nothing(
    client: Any, db: Database, settings: Settings, writer: str
) -> None:
    status = await post(client, writer, "Original")
    path = f"/api/v1/statuses/{status['id']}"
    empty = await client.put(path, json={"status": "  "}, headers=auth(writer))
    assert empty.status == 422 and "no text" in (await empty.json())["error"]
    person, coop = await person_with_coop(db, settings, "jo@ecoop.example", "ecoop")
    other = await token_for(db, person, coop, "read write")
    theirs = await client.put(path, json={"status": "Übernommen"}, headers=auth(other))
    assert theirs.status == 404 and await theirs.json() == {"error": "Record not found"}
    media = await client.put(path, json={"status": "x", "media_ids": ["7"]}, headers=auth(writer))
    assert media.status == 422
    async with db.read() as session:
        stored = await session.get(Post, int(status["id"]))
        assert stored is not None and stored.source_text == "Original"
        assert stored.updated_at is None


async def test_context_shows_our_thread_and_replies_from_the_fediverse(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, writer: str
) -> None:
    first = await post(client, writer, "Wer kommt zum Plenum?")
    second = await post(client, writer, "Nachtrag: 18 Uhr", in_reply_to_id=first["id"])
    reply = note_of(remote, "alice", 1, inReplyTo=second["uri"], content="<p>Ich komme!</p>")
    assert (await deliver(client, remote, "alice", reply)).status == 202
    await worker.run_once(federation)
    below = await (await client.get(f"/api/v1/statuses/{first['id']}/context")).json()
    assert [s["content"] for s in below["descendants"]][1] == "<p>Ich komme!</p>"
    assert below["ancestors"] == [] and below["descendants"][0]["id"] == second["id"]
    middle = await (await client.get(f"/api/v1/statuses/{second['id']}/context")).json()
    assert [s["id"] for s in middle["ancestors"]] == [first["id"]]
    remote_status = middle["descendants"][0]
    assert remote_status["account"]["acct"].startswith("alice@remote.test")
    assert int(remote_status["id"]) > REMOTE_ID_OFFSET
    assert int(remote_status["account"]["id"]) > REMOTE_ID_OFFSET
    assert remote_status["in_reply_to_id"] == second["id"]
    alone = await (await client.get(f"/api/v1/statuses/{remote_status['id']}")).json()
    assert alone["uri"] == reply["object"]["id"]
    account = await client.get(f"/api/v1/accounts/{remote_status['account']['id']}")
    assert (await account.json())["username"] == "alice"
    unknown = REMOTE_ID_OFFSET + 999
    assert (await client.get(f"/api/v1/statuses/{unknown}")).status == 404
    assert (await client.get(f"/api/v1/accounts/{unknown}")).status == 404


async def test_context_of_a_hidden_or_unknown_status_is_404(client: Any, writer: str) -> None:
    private = await post(client, writer, "Nur für Mitglieder", visibility="private")
    assert (await client.get(f"/api/v1/statuses/{private['id']}/context")).status == 404
    mine = await client.get(f"/api/v1/statuses/{private['id']}/context", headers=auth(writer))
    assert mine.status == 200
    assert (await client.get("/api/v1/statuses/999999/context")).status == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/v1/statuses/99999999999"),
        ("GET", "/api/v1/statuses/99999999999/context"),
        ("PUT", "/api/v1/statuses/99999999999"),
        ("DELETE", "/api/v1/statuses/99999999999"),
        ("POST", "/api/v1/statuses/99999999999/favourite"),
        ("GET", "/api/v1/accounts/99999999999"),
        ("GET", "/api/v1/accounts/99999999999/followers"),
        ("GET", "/api/v1/media/99999999999"),
        ("DELETE", "/api/v1/scheduled_statuses/99999999999"),
    ],
)
async def test_ids_beyond_what_the_database_stores_are_404(
    client: Any, writer: str, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"status": "x"}, headers=auth(writer))
    assert response.status == 404 and await response.json() == {"error": "Record not found"}


async def test_huge_paging_ids_and_media_ids_are_handled(client: Any, writer: str) -> None:
    await post(client, writer, "Eins")
    older = await client.get("/api/v1/timelines/public?max_id=999999999999999")
    assert len(await older.json()) == 1
    newer = await client.get("/api/v1/timelines/public?since_id=999999999999999")
    assert await newer.json() == []
    bad = {"status": "x", "media_ids": ["99999999999"]}
    response = await client.post("/api/v1/statuses", json=bad, headers=auth(writer))
    assert response.status == 422
