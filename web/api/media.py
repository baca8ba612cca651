"""Media: upload (v1 and v2), show and describe an image; serve the stored files."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import BodyPartReader, web

from hub import images, media
from hub.images import ImageError
from hub.media import MediaError
from web.api import entities
from web.api.tokens import require_coop
from web.keys import DB, SETTINGS, URIS
from web.params import read_params, text
from web.responses import dumps, fail, json_bytes

NOT_FOUND = "Record not found"
NAME = r"{name:[A-Za-z0-9_-]{32}\.(?:png|jpg|webp)}"
FILE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "public, max-age=31536000, immutable",
}


def routes() -> list[web.RouteDef]:
    """The media routes, and the stored files."""
    return [
        web.post("/api/v1/media", upload),
        web.post("/api/v2/media", upload),
        web.get(r"/api/v1/media/{id:\d{1,18}}", show),
        web.put(r"/api/v1/media/{id:\d{1,18}}", update),
        web.get("/media/" + NAME, serve),
    ]


async def upload(request: web.Request) -> web.StreamResponse:
    """Store an image of the token's coop: sniffed, capped, re-encoded, with alt text."""
    grant = await require_coop(request, "write:media")
    assert grant.coop is not None
    data, description = await _read_upload(request)
    try:
        image = await asyncio.to_thread(images.clean, data)
        description = media.check_description(description)
    except (ImageError, MediaError) as error:
        fail(422, f"Validation failed: {error}")
    directory = media.media_dir(request.app[SETTINGS].data_dir)
    name = await asyncio.to_thread(media.write_file, directory, image)
    try:
        async with request.app[DB].begin() as session:
            item = await media.create(session, grant.coop, name, image, description)
    except BaseException:
        media.remove_file(directory, name)
        raise
    return _answer(request, item)


async def _read_upload(request: web.Request) -> tuple[bytes, str]:
    """The `file` and `description` parts of a multipart body, reading at most the cap."""
    if request.content_type != "multipart/form-data":
        fail(422, "Validation failed: send the image as multipart/form-data in `file`")
    params, files = await read_multipart(request, {"file"})
    if not files.get("file"):
        fail(422, "Validation failed: file is missing")
    return files["file"], str(params.get("description", ""))


async def read_multipart(
    request: web.Request, file_parts: set[str]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Text fields and the named file parts of a multipart body, each file at most the cap."""
    if (request.content_length or 0) > len(file_parts) * (images.MAX_BYTES + 64 * 1024):
        fail(413, f"the upload is larger than {images.MAX_BYTES // (1024 * 1024)} MB a file")
    params: dict[str, Any] = dict(request.query)
    files: dict[str, bytes] = {}
    async for part in await request.multipart():
        if not isinstance(part, BodyPartReader) or not part.name:
            continue
        if part.name in file_parts:
            files[part.name] = await _read_capped(part, images.MAX_BYTES)
        else:
            params[part.name] = (await _read_capped(part, 16 * 1024)).decode("utf-8", "replace")
    return params, files


async def _read_capped(part: BodyPartReader, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(64 * 1024):
        size += len(chunk)
        if size > limit:
            fail(413, f"the upload is larger than {limit // 1024} KB")
        chunks.append(chunk)
    return b"".join(chunks)


async def show(request: web.Request) -> web.StreamResponse:
    """One of the coop's images; anyone else's is 404 (the scope is write:media, like Mastodon)."""
    grant = await require_coop(request, "write:media")
    assert grant.coop is not None
    try:
        async with request.app[DB].read() as session:
            item = await media.find_own(session, grant.coop, int(request.match_info["id"]))
    except MediaError:
        fail(404, NOT_FOUND)
    return _answer(request, item)


async def update(request: web.Request) -> web.StreamResponse:
    """Change the alt text of an image not yet attached."""
    grant = await require_coop(request, "write:media")
    assert grant.coop is not None
    params = await read_params(request)
    try:
        description = media.check_description(text(params, "description"))
    except MediaError as error:
        fail(422, f"Validation failed: {error}")
    try:
        async with request.app[DB].begin() as session:
            item = await media.describe(
                session, grant.coop, int(request.match_info["id"]), description
            )
    except MediaError:
        fail(404, NOT_FOUND)
    return _answer(request, item)


async def serve(request: web.Request) -> web.StreamResponse:
    """A stored image with the type of its extension, never sniffed, never a document."""
    name = request.match_info["name"]
    path = media.media_dir(request.app[SETTINGS].data_dir) / name
    if not path.is_file():
        fail(404, NOT_FOUND)
    extension = name.rsplit(".", 1)[1]
    response = web.FileResponse(path, headers=FILE_HEADERS)
    response.content_type = images.CONTENT_TYPES[extension]
    return response


def _answer(request: web.Request, item: Any) -> web.StreamResponse:
    document = media.document(item, request.app[URIS])
    return json_bytes(dumps(entities.media_attachment(document)), "application/json")
