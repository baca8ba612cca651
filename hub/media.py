"""Media attachments: store a cleaned image, describe it, attach it to a post."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.images import CleanImage
from hub.store.models import LocalActor, MediaAttachment
from hub.store.types import MAX_ID
from hub.uris import Uris

MAX_ATTACHMENTS = 4
MAX_DESCRIPTION = 1500


class MediaError(Exception):
    """Media cannot be used as asked; one readable line."""


def media_dir(data_dir: Path) -> Path:
    """Where uploaded images live: HUB_DATA_DIR/media."""
    return data_dir / "media"


def write_file(directory: Path, image: CleanImage) -> str:
    """Write the image under a fresh random name (blocking: run it in a thread)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_urlsafe(24)}.{image.extension}"
    (directory / name).write_bytes(image.data)
    return name


def check_description(description: str) -> str:
    """The alt text, trimmed; MediaError when it is too long."""
    text = description.replace("\x00", "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise MediaError(f"the description is longer than {MAX_DESCRIPTION} characters")
    return text


async def create(
    session: AsyncSession, coop: LocalActor, name: str, image: CleanImage, description: str
) -> MediaAttachment:
    """Record an uploaded image of the coop, not yet attached."""
    item = MediaAttachment(
        local_actor_id=coop.id,
        file_name=name,
        content_type=image.content_type,
        size=len(image.data),
        width=image.width,
        height=image.height,
        blurhash=image.blurhash,
        description=check_description(description),
    )
    session.add(item)
    await session.flush()
    return item


async def find_own(session: AsyncSession, coop: LocalActor, media_id: int) -> MediaAttachment:
    """One of the coop's images; anyone else's is MediaError (answered as not found)."""
    item = await session.get(MediaAttachment, media_id) if 0 < media_id <= MAX_ID else None
    if item is None or item.local_actor_id != coop.id:
        raise MediaError("Record not found")
    return item


async def describe(
    session: AsyncSession, coop: LocalActor, media_id: int, description: str
) -> MediaAttachment:
    """Change the alt text of an image not yet attached (like Mastodon)."""
    item = await find_own(session, coop, media_id)
    if item.post_id is not None:
        raise MediaError("Record not found")
    item.description = check_description(description)
    await session.flush()
    return item


async def claim(
    session: AsyncSession, coop: LocalActor, media_ids: Sequence[int]
) -> list[MediaAttachment]:
    """The coop's unattached images in the order given; MediaError if one is not."""
    unique = list(dict.fromkeys(media_ids))
    if len(unique) > MAX_ATTACHMENTS:
        raise MediaError(f"a post takes at most {MAX_ATTACHMENTS} images")
    if not unique:
        return []
    query = select(MediaAttachment).where(
        MediaAttachment.id.in_([i for i in unique if 0 < i <= MAX_ID]),
        MediaAttachment.local_actor_id == coop.id,
        MediaAttachment.post_id.is_(None),
    )
    found = {item.id: item for item in (await session.execute(query)).scalars()}
    missing = [str(i) for i in unique if i not in found]
    if missing:
        raise MediaError(f"media {', '.join(missing)} not found or already attached")
    return [found[i] for i in unique]


def document(item: MediaAttachment, uris: Uris) -> dict[str, Any]:
    """The Note `attachment` Document of an image (with our media id, which note_json drops)."""
    return {
        "type": "Document",
        "mediaType": item.content_type,
        "url": uris.media(item.file_name),
        "name": item.description or None,
        "blurhash": item.blurhash,
        "width": item.width,
        "height": item.height,
        "media_id": item.id,
    }


def remove_file(directory: Path, name: str) -> None:
    """Remove a stored file whose record was not written."""
    (directory / name).unlink(missing_ok=True)
