"""Tolerant readers of remote JSON: fixed term names, no JSON-LD expansion, caps on size."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

PUBLIC_SPELLINGS = frozenset(
    {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
)
MAX_LIST = 500
MAX_URI = 2048  # the width of every URI column
_SURROGATES = re.compile("[\ud800-\udfff]")


def id_of(value: Any) -> str | None:
    """The id of a reference: a string, or an object's `id` string; None otherwise."""
    # An id longer than MAX_URI or holding NUL or lone surrogates is no id at all (P2, P5).
    if isinstance(value, dict):
        value = value.get("id")
    if not isinstance(value, str) or not value or len(value) > MAX_URI or "\x00" in value:
        return None
    return value if value.isascii() or _encodable(value) else None


def as_list(value: Any, limit: int = MAX_LIST) -> list[Any]:
    """A value as a list (None -> [], scalar -> [scalar]), cut at `limit` items."""
    if value is None:
        return []
    if isinstance(value, list):
        return value[:limit]
    return [value]


def ids(value: Any, limit: int = MAX_LIST) -> list[str]:
    """Every id in a reference or list of references."""
    return [found for item in as_list(value, limit) if (found := id_of(item)) is not None]


def types_of(document: Any) -> set[str]:
    """The document's `type` as a set (Mastodon's equals_or_includes_any)."""
    if not isinstance(document, dict):
        return set()
    return {item for item in as_list(document.get("type"), 8) if isinstance(item, str)}


def text(value: Any, limit: int) -> str | None:
    """A string field cut to `limit` characters, without NUL or lone surrogates (P5)."""
    if not isinstance(value, str):
        return None
    value = value[:limit].replace("\x00", "")
    return value if value.isascii() or _encodable(value) else _SURROGATES.sub("", value)


_PLAIN_ORIGIN = re.compile(r"https?://[a-z0-9.-]+(?::[0-9]{1,5})?/")


def host_of(uri: str | None) -> str | None:
    """The normalized host (lowercase, one trailing dot stripped, IDNA) of an http(s) URI (O26)."""
    if not uri:
        return None
    try:
        parts = urlsplit(uri)
        port = parts.port
        host = parts.hostname
    except ValueError:  # an unparsable port or IPv6 literal
        return None
    if parts.scheme not in {"http", "https"} or not host:
        return None
    normal = _idna(host)
    if normal is None:
        return None
    return f"{normal}:{port}" if port else normal


@lru_cache(maxsize=4096)  # IDNA encoding is slow and hosts repeat on every inbox POST
def _idna(host: str) -> str | None:
    try:
        return host.lower().removesuffix(".").encode("idna").decode("ascii")
    except UnicodeError:
        return None


def same_origin(first: str | None, second: str | None) -> bool:
    """True when both URIs are http(s) on the same host (and port)."""
    # Fast path for the usual case, the same plain lowercase origin written the same way.
    plain = _PLAIN_ORIGIN.match(first or "")
    if plain is not None and second is not None and second.startswith(plain.group(0)):
        return True
    host = host_of(first)
    return host is not None and host == host_of(second)


def is_public(document: dict[str, Any]) -> bool:
    """True when the Public collection is addressed in `to` or `cc`, in any of its spellings."""
    audience = ids(document.get("to")) + ids(document.get("cc"))
    return any(item in PUBLIC_SPELLINGS for item in audience)


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
