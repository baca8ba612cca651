"""Timeline markers per person and coop, and the hashtag timeline."""

from __future__ import annotations

from typing import Any

import pytest

from hub.config import Settings
from hub.store.db import Database
from hub.store.models import Marker
from tests.apikit import count, person_with_coop, token_for


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def writer(db: Database, settings: Settings) -> str:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write")


async def test_markers_are_saved_versioned_and_read_back(client: Any, writer: str) -> None:
    empty = await client.get("/api/v1/markers?timeline[]=home", headers=auth(writer))
    assert await empty.json() == {}
    form = {"home[last_read_id]": "103", "notifications[last_read_id]": "7"}
    first = await (await client.post("/api/v1/markers", data=form, headers=auth(writer))).json()
    assert first["home"]["last_read_id"] == "103" and first["home"]["version"] == 1
    again = await client.post(
        "/api/v1/markers", json={"home": {"last_read_id": "110"}}, headers=auth(writer)
    )
    home = (await again.json())["home"]
    assert (home["last_read_id"], home["version"]) == ("110", 2)
    read = await client.get(
        "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=auth(writer)
    )
    body = await read.json()
    assert body["home"]["last_read_id"] == "110" and body["notifications"]["last_read_id"] == "7"


@pytest.mark.parametrize(
    "body", [{"home": {"last_read_id": "abc"}}, {"chat": {"last_read_id": "1"}}, {}]
)
async def test_bad_markers_are_422_and_nothing_saved(
    client: Any, db: Database, writer: str, body: dict[str, Any]
) -> None:
    response = await client.post("/api/v1/markers", json=body, headers=auth(writer))
    assert response.status == 422 and list(await response.json()) == ["error"]
    assert await count(db, Marker) == 0


async def test_tag_timeline_lists_public_posts_with_the_hashtag(client: Any, writer: str) -> None:
    posts = [
        ("Neu im #Netzwerk", "public"),
        ("Auch #netzwerk und #Grün", "public"),
        ("Leise #Netzwerk", "unlisted"),
        ("Ohne Schlagwort: netzwerk", "public"),
        ("#netzwerk_2026 ist ein anderes", "public"),
    ]
    ids = []
    for text, visibility in posts:
        response = await client.post(
            "/api/v1/statuses", json={"status": text, "visibility": visibility},
            headers=auth(writer),
        )  # fmt: skip
        ids.append((await response.json())["id"])
    listed = await client.get("/api/v1/timelines/tag/Netzwerk?limit=1")
    assert [s["id"] for s in await listed.json()] == [ids[1]]
    older = await client.get(f"/api/v1/timelines/tag/netzwerk?max_id={ids[1]}")
    assert [s["id"] for s in await older.json()] == [ids[0]]
    assert 'rel="next"' in listed.headers["Link"]
    green = await client.get("/api/v1/timelines/tag/gr%C3%BCn")
    assert [s["id"] for s in await green.json()] == [ids[1]]
    assert (await client.get("/api/v1/timelines/tag/%25")).status == 422
