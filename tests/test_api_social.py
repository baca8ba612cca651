"""Notifications, followers, relationships, profile edits, emojis and preferences."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import select

from hub import worker
from hub.config import Settings
from hub.federation import Federation
from hub.statuses import REMOTE_ID_OFFSET
from hub.store.db import Database
from hub.store.models import LocalActor, OutgoingActivity
from tests.apikit import person_with_coop, token_for
from tests.fakeremote import FakeRemote
from tests.inboxkit import deliver, follow_of, note_of
from tests.test_api_media import jpeg_with_exif, png


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def mia(db: Database, settings: Settings) -> tuple[str, int]:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write follow"), coop.id


async def fediverse_activity(
    client: Any, federation: Federation, remote: FakeRemote, token: str
) -> str:
    """alice follows, then favourites a post of ours, then replies to it; returns its uri."""
    created = await client.post("/api/v1/statuses", json={"status": "Neu"}, headers=auth(token))
    post_uri = (await created.json())["uri"]
    steps = [
        follow_of(remote, "alice"),
        {"id": f"{remote.actor('alice')}#likes/1", "type": "Like",
         "actor": remote.actor("alice"), "object": post_uri},
        note_of(remote, "alice", 1, inReplyTo=post_uri),
    ]  # fmt: skip
    for step in steps:
        assert (await deliver(client, remote, "alice", step)).status == 202
        await worker.run_once(federation)
        await asyncio.sleep(0.01)  # distinct times, so the order is certain
    return str(post_uri)


async def test_notifications_show_follows_favourites_and_replies_newest_first(
    client: Any, federation: Federation, remote: FakeRemote, mia: tuple[str, int]
) -> None:
    token = mia[0]
    await fediverse_activity(client, federation, remote, token)
    response = await client.get("/api/v1/notifications", headers=auth(token))
    body = await response.json()
    assert [n["type"] for n in body] == ["mention", "favourite", "follow"]
    assert all(n["account"]["acct"].startswith("alice@remote.test") for n in body)
    assert int(body[0]["account"]["id"]) > REMOTE_ID_OFFSET
    assert body[1]["status"]["content"] == "<p>Neu</p>"
    assert 'rel="next"' in response.headers["Link"]
    older = await client.get(f"/api/v1/notifications?max_id={body[0]['id']}", headers=auth(token))
    assert [n["type"] for n in await older.json()] == ["favourite", "follow"]
    only = await client.get("/api/v1/notifications?types[]=follow", headers=auth(token))
    assert [n["type"] for n in await only.json()] == ["follow"]


async def test_followers_and_relationships_of_the_coop(
    client: Any, federation: Federation, remote: FakeRemote, mia: tuple[str, int]
) -> None:
    token, coop_id = mia
    await fediverse_activity(client, federation, remote, token)
    listed = await (await client.get(f"/api/v1/accounts/{coop_id}/followers")).json()
    assert [a["username"] for a in listed] == ["alice"]
    assert await (await client.get(f"/api/v1/accounts/{coop_id}/following")).json() == []
    alice = listed[0]["id"]
    answer = await client.get(
        f"/api/v1/accounts/relationships?id[]={alice}&id[]=1", headers=auth(token)
    )
    first, second = await answer.json()
    assert first == {**first, "id": alice, "followed_by": True, "following": False}
    assert second["followed_by"] is False
    assert (await client.get("/api/v1/accounts/999999/followers")).status == 404


async def test_profile_edit_reaches_followers_as_an_update(
    client: Any, db: Database, federation: Federation, remote: FakeRemote, mia: tuple[str, int]
) -> None:
    token = mia[0]
    await fediverse_activity(client, federation, remote, token)
    form = {
        "display_name": "Fairbnb eG",
        "note": "Wir vermieten **fair**.",
        "fields_attributes[0][name]": "Satzung",
        "fields_attributes[0][value]": "https://fairbnb.example/satzung",
    }
    response = await client.patch(
        "/api/v1/accounts/update_credentials", data=form, headers=auth(token)
    )
    body = await response.json()
    assert response.status == 200, body
    assert body["display_name"] == "Fairbnb eG" and "<strong>fair</strong>" in body["note"]
    assert body["source"]["fields"][0]["name"] == "Satzung"
    async with db.read() as session:
        sent = (await session.execute(select(OutgoingActivity.ap_json))).scalars().all()
    update = next(a for a in sent if a["type"] == "Update")
    assert update["object"]["name"] == "Fairbnb eG"
    await worker.run_once(federation)
    assert "Update" in [r.activity["type"] for r in remote.received]


@pytest.mark.parametrize(
    "body",
    [
        {"display_name": "x" * 101},
        {"fields_attributes": [{"name": str(i), "value": "v"} for i in range(5)]},
        {"fields_attributes": "kaputt"},
    ],
)
async def test_bad_profile_edits_are_422_and_change_nothing(
    client: Any, db: Database, mia: tuple[str, int], body: dict[str, Any]
) -> None:
    response = await client.patch(
        "/api/v1/accounts/update_credentials", json=body, headers=auth(mia[0])
    )
    assert response.status == 422 and list(await response.json()) == ["error"]
    async with db.read() as session:
        coop = await session.get(LocalActor, mia[1])
        assert coop is not None and coop.fields == [] and len(coop.name) < 100


async def test_emojis_preferences_and_scope_checks(
    client: Any, db: Database, settings: Settings, mia: tuple[str, int]
) -> None:
    assert await (await client.get("/api/v1/custom_emojis")).json() == []
    prefs = await (await client.get("/api/v1/preferences", headers=auth(mia[0]))).json()
    assert prefs["posting:default:language"] == "de"
    person, coop = await person_with_coop(db, settings, "jo@ecoop.example", "ecoop")
    narrow = await token_for(db, person, coop, "read:statuses")
    assert (await client.get("/api/v1/notifications", headers=auth(narrow))).status == 403
    assert (await client.get("/api/v1/notifications")).status == 401


async def test_avatar_and_header_go_through_the_image_pipeline_into_the_actor(
    client: Any, db: Database, settings: Settings, mia: tuple[str, int]
) -> None:
    form = aiohttp.FormData()
    form.add_field("display_name", "Fairbnb")
    form.add_field(
        "avatar", jpeg_with_exif((1000, 800)), filename="a.png", content_type="image/png"
    )
    form.add_field("header", png((3000, 1000)), filename="h.png", content_type="image/png")
    response = await client.patch(
        "/api/v1/accounts/update_credentials", data=form, headers=auth(mia[0])
    )
    body = await response.json()
    assert response.status == 200, body
    assert body["avatar"].endswith(".jpg") and body["header"].endswith(".png")
    served = await (await client.get(body["avatar"].removeprefix(settings.base_url))).read()
    assert Image.open(io.BytesIO(served)).size == (400, 400) and b"Exif" not in served
    actor = await client.get("/users/fairbnb", headers={"Accept": "application/activity+json"})
    document = await actor.json(content_type=None)
    assert document["icon"] == {"type": "Image", "mediaType": "image/jpeg", "url": body["avatar"]}
    assert document["image"]["url"] == body["header"]


async def test_a_bad_avatar_is_422_and_changes_nothing(
    client: Any, db: Database, settings: Settings, mia: tuple[str, int]
) -> None:
    form = aiohttp.FormData()
    form.add_field("display_name", "Umbenannt")
    form.add_field("avatar", b"<svg/>", filename="a.png", content_type="image/png")
    response = await client.patch(
        "/api/v1/accounts/update_credentials", data=form, headers=auth(mia[0])
    )
    assert response.status == 422
    async with db.read() as session:
        coop = await session.get(LocalActor, mia[1])
        assert coop is not None and coop.avatar_file is None and coop.name != "Umbenannt"
    assert not list((settings.data_dir / "media").glob("*"))
