"""Tolerant readers of remote JSON: fixed term names, no JSON-LD expansion, caps on size."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

PUBLIC_SPELLINGS = frozenset(
    {"https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"}
)
MAX_LIST = 500


def id_of(value: Any) -> str | None:
    """The id of a reference: a string, or an object's `id` string; None otherwise."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return value["id"] or None
    return None


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
    """A string field cut to `limit` characters, NUL bytes removed; None if not a string."""
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "")[:limit]


def host_of(uri: str | None) -> str | None:
    """The lowercase host of an http(s) URI, or None."""
    if not uri:
        return None
    parts = urlsplit(uri)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    return f"{host}:{parts.port}" if parts.port else host


def same_origin(first: str | None, second: str | None) -> bool:
    """True when both URIs are http(s) on the same host (and port)."""
    host = host_of(first)
    return host is not None and host == host_of(second)


def is_public(document: dict[str, Any]) -> bool:
    """True when the Public collection is addressed in `to` or `cc`, in any of its spellings."""
    audience = ids(document.get("to")) + ids(document.get("cc"))
    return any(item in PUBLIC_SPELLINGS for item in audience)
