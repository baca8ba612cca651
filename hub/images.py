"""Uploaded images: sniff the real type, refuse bombs, strip metadata by re-encoding, blurhash."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import blurhash  # type: ignore[import-untyped]
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 33_177_600  # Mastodon's image_matrix_limit (7680 x 4320)
# What we accept (sniffed by Pillow) and what we store it as: GIFs become their first frame.
FORMATS = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp"),
           "GIF": ("PNG", "png")}  # fmt: skip
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
ACCEPTED_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"]


class ImageError(Exception):
    """An upload that is not an image we take; one readable line."""


@dataclass(frozen=True)
class CleanImage:
    """A re-encoded image without metadata, ready to store."""

    data: bytes
    extension: str
    content_type: str
    width: int
    height: int
    blurhash: str


def clean(data: bytes, fit: tuple[int, int] | None = None) -> CleanImage:
    """Check and re-encode an upload, shrunk to fit a box if given (CPU-bound: use a thread)."""
    if len(data) > MAX_BYTES:
        raise ImageError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return _reencode(image, fit)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise ImageError("the image has too many pixels") from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise ImageError("the file is not an image in JPEG, PNG, WebP or GIF") from error


def _reencode(image: Image.Image, fit: tuple[int, int] | None) -> CleanImage:
    if image.format not in FORMATS:
        raise ImageError("the file is not an image in JPEG, PNG, WebP or GIF")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ImageError(f"the image has more than {MAX_PIXELS} pixels")
    target, extension = FORMATS[image.format]
    image.seek(0)
    upright = ImageOps.exif_transpose(image)  # keep the orientation the EXIF data asked for
    if fit is not None:
        upright = ImageOps.fit(upright, fit) if upright.size != fit else upright
    mode = "RGB" if target == "JPEG" else ("RGBA" if upright.mode in {"P", "LA", "PA"} else None)
    pixels = upright.convert(mode) if mode and upright.mode != mode else upright
    if pixels.mode not in {"RGB", "RGBA", "L", "1"}:
        pixels = pixels.convert("RGBA")
    # A fresh image from the raw pixels carries no EXIF, XMP, ICC or text chunks.
    fresh = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
    out = io.BytesIO()
    fresh.save(out, target, **({"quality": 88} if target != "PNG" else {"optimize": True}))
    return CleanImage(
        out.getvalue(), extension, CONTENT_TYPES[extension], *fresh.size, _blurhash(fresh)
    )


def _blurhash(image: Image.Image) -> str:
    # The hash describes a blur: a 32px thumbnail gives the same result far faster.
    small = image.convert("RGB")
    small.thumbnail((32, 32))
    width, height = small.size
    flat = small.tobytes()
    rows = [
        [list(flat[(y * width + x) * 3 : (y * width + x) * 3 + 3]) for x in range(width)]
        for y in range(height)
    ]
    return str(blurhash.encode(rows, components_x=4, components_y=3))
