"""Default avatars: a coloured square with the coop's initials, as PNG."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

SIZE = 400
# Dark enough for white text at WCAG AA contrast.
PALETTE = ("#1d5c4d", "#7a2e3b", "#2f4b7c", "#6b4c1e", "#4b3b73", "#1f5f7a", "#5a5a1e", "#8a3d12")


@lru_cache(maxsize=4096)
def default_avatar(username: str, name: str) -> bytes:
    """A deterministic PNG for an actor without an uploaded avatar."""
    digest = hashlib.sha256(username.encode()).digest()
    image = Image.new("RGB", (SIZE, SIZE), PALETTE[digest[0] % len(PALETTE)])
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=SIZE // 3)
    draw.text((SIZE / 2, SIZE / 2), initials(name), fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def initials(name: str) -> str:
    """Up to two initials of a name, e.g. 'Fairbnb Coop' -> 'FC'."""
    words = [word for word in name.split() if word[:1].isalnum()]
    return "".join(word[0] for word in words[:2]).upper() or "?"
