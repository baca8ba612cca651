"""Media uploads: sniffed, capped, stripped of EXIF, described, attached and federated."""

from __future__ import annotations

import io
from typing import Any

import aiohttp
import pytest
from PIL import Image
from sqlalchemy import select

from hub.config import Settings
from hub.store.db import Database
from hub.store.models import MediaAttachment, OutgoingActivity, Post
from tests.apikit import count, person_with_coop, token_for

GPS_IFD = 0x8825
MAKE = 0x010F


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jpeg_with_exif(size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying a camera make and GPS position in its EXIF data."""
    image = Image.new("RGB", size, "#1d5c4d")
    exif = Image.Exif()
    exif[MAKE] = "Genossenschaftskamera"
    exif[GPS_IFD] = {1: "N", 2: (52.0, 31.0, 12.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def upload_form(data: bytes, name: str, content_type: str, description: str = "") -> Any:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=content_type)
    if description:
        form.add_field("description", description)
    return form


@pytest.fixture
async def writer(db: Database, settings: Settings) -> str:
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    return await token_for(db, person, coop, "read write")


async def upload(client: Any, token: str, data: bytes, **kw: str) -> Any:
    name = kw.get("name", "bild.jpg")
    form = upload_form(data, name, kw.get("type", "image/jpeg"), kw.get("description", ""))
    return await client.post(kw.get("path", "/api/v2/media"), data=form, headers=auth(token))


async def test_upload_strips_exif_and_serves_the_image_with_nosniff(
    client: Any, writer: str
) -> None:
    original = jpeg_with_exif()
    assert b"Genossenschaftskamera" in original
    response = await upload(client, writer, original, description="Das Team beim Plenum")
    body = await response.json()
    assert response.status == 200, body
    assert body["type"] == "image" and body["description"] == "Das Team beim Plenum"
    assert body["meta"]["original"]["width"] == 64 and len(body["blurhash"]) >= 6
    served = await client.get(body["url"].removeprefix("http://hub.test"))
    data = await served.read()
    assert served.status == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert b"Genossenschaftskamera" not in data and b"Exif" not in data
    assert len(Image.open(io.BytesIO(data)).getexif()) == 0


async def test_type_is_sniffed_not_taken_from_the_name(client: Any, writer: str) -> None:
    response = await upload(client, writer, png(), name="foto.jpg", type="image/jpeg")
    body = await response.json()
    assert response.status == 200 and body["url"].endswith(".png")
    served = await client.get(body["url"].removeprefix("http://hub.test"))
    assert served.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("data", "name", "ctype"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
         "x.png", "image/png"),
        (b"<html><body>hallo</body></html>", "x.jpg", "image/jpeg"),
        (png()[:40], "kaputt.png", "image/png"),
    ],
)  # fmt: skip
async def test_non_images_and_broken_images_are_422_and_nothing_stored(
    client: Any, db: Database, settings: Settings, writer: str, data: bytes, name: str, ctype: str
) -> None:
    response = await upload(client, writer, data, name=name, type=ctype)
    assert response.status == 422
    assert "error" in await response.json()
    assert await count(db, MediaAttachment) == 0
    assert not list((settings.data_dir / "media").glob("*"))


async def test_decompression_bomb_is_422(client: Any, db: Database, writer: str) -> None:
    bomb = png((6000, 6000), mode="1")  # 36 million pixels in a few kilobytes
    assert len(bomb) < 200_000
    response = await upload(client, writer, bomb, name="bombe.png", type="image/png")
    assert response.status == 422
    assert "pixels" in (await response.json())["error"]
    assert await count(db, MediaAttachment) == 0


async def test_oversized_upload_is_413(client: Any, db: Database, writer: str) -> None:
    response = await upload(client, writer, b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10))
    assert response.status == 413 and "error" in await response.json()
    assert await count(db, MediaAttachment) == 0


async def test_media_needs_a_token_with_write_media(
    client: Any, db: Database, settings: Settings
) -> None:
    person, coop = await person_with_coop(db, settings, "leser@fairbnb.example", "fairbnb")
    reader = await token_for(db, person, coop, "read")
    assert (await upload(client, reader, png())).status == 403
    assert (await client.post("/api/v1/media", data=upload_form(png(), "a.png", "image/png"))
            ).status == 401  # fmt: skip


async def test_alt_text_can_be_changed_until_attached_and_v1_upload_works(
    client: Any, writer: str
) -> None:
    body = await (await upload(client, writer, png(), path="/api/v1/media")).json()
    path = f"/api/v1/media/{body['id']}"
    changed = await client.put(path, json={"description": "Logo"}, headers=auth(writer))
    assert (await changed.json())["description"] == "Logo"
    assert (await (await client.get(path, headers=auth(writer))).json())["description"] == "Logo"
    too_long = await client.put(path, json={"description": "x" * 1501}, headers=auth(writer))
    assert too_long.status == 422
    post = {"status": "Mit Bild", "media_ids": [body["id"]]}
    assert (await client.post("/api/v1/statuses", json=post, headers=auth(writer))).status == 200
    late = await client.put(path, json={"description": "Zu spät"}, headers=auth(writer))
    assert late.status == 404


async def test_status_with_media_federates_documents_with_alt_text(
    client: Any, db: Database, writer: str
) -> None:
    first = await (await upload(client, writer, jpeg_with_exif(), description="Plenum")).json()
    second = await (await upload(client, writer, png())).json()
    form = aiohttp.FormData()
    form.add_field("status", "")
    for media_id in (second["id"], first["id"]):
        form.add_field("media_ids[]", media_id)
    response = await client.post("/api/v1/statuses", data=form, headers=auth(writer))
    status = await response.json()
    assert response.status == 200, status
    assert [m["id"] for m in status["media_attachments"]] == [second["id"], first["id"]]
    assert status["media_attachments"][1]["description"] == "Plenum"
    async with db.read() as session:
        activity = (await session.execute(select(OutgoingActivity))).scalars().one()
    documents = activity.ap_json["object"]["attachment"]
    assert documents[1] == {
        "type": "Document", "mediaType": "image/jpeg", "url": first["url"], "name": "Plenum",
        "blurhash": first["blurhash"], "width": 64, "height": 48,
    }  # fmt: skip
    fetched = await client.get(f"/api/v1/statuses/{status['id']}")
    assert (await fetched.json())["media_attachments"][0]["url"] == second["url"]


async def test_another_coops_or_attached_media_is_422_and_no_post_is_made(
    client: Any, db: Database, settings: Settings, writer: str
) -> None:
    person, coop = await person_with_coop(db, settings, "jo@ecoop.example", "ecoop")
    other = await token_for(db, person, coop, "read write")
    theirs = await (await upload(client, other, png())).json()
    post = {"status": "Fremdes Bild", "media_ids": [theirs["id"]]}
    response = await client.post("/api/v1/statuses", json=post, headers=auth(writer))
    assert response.status == 422 and "not found" in (await response.json())["error"]
    assert (await client.get(f"/api/v1/media/{theirs['id']}", headers=auth(writer))).status == 404
    mine = await (await upload(client, writer, png())).json()
    ok = {"status": "Erstes", "media_ids": [mine["id"]]}
    assert (await client.post("/api/v1/statuses", json=ok, headers=auth(writer))).status == 200
    again = {"status": "Zweites", "media_ids": [mine["id"]]}
    assert (await client.post("/api/v1/statuses", json=again, headers=auth(writer))).status == 422
    bad = {"status": "x", "media_ids": ["abc"]}
    assert (await client.post("/api/v1/statuses", json=bad, headers=auth(writer))).status == 422
    assert await count(db, Post) == 1
