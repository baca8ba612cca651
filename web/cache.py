"""A short-lived cache of rendered documents for the hot discovery paths."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

# Writes made by this process invalidate at once; writes by another process (the CLI,
# another web process) show within this many seconds, like Mastodon's actor max-age.
TTL_SECONDS = 30.0
# What renders a body: the bytes, and the moment they go stale by themselves (or None).
Render = Callable[[], Awaitable[tuple[bytes, datetime | None]]]


class DocumentCache:
    """Rendered (status, body) by key, kept for a few seconds; a plain dict on the hot path."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = 20_000) -> None:
        self._ttl = ttl
        self._size = size
        self._entries: dict[str, tuple[float, int, bytes]] = {}

    def get(self, key: str) -> tuple[int, bytes] | None:
        """The cached (status, body), or None when missing or expired."""
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1], entry[2]

    def put(self, key: str, status: int, body: bytes) -> None:
        """Remember a rendered answer; when full, drop expired entries first, else everything."""
        if len(self._entries) >= self._size:
            now = time.monotonic()
            self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
            if len(self._entries) >= self._size:
                self._entries.clear()
        self._entries[key] = (time.monotonic() + self._ttl, status, body)

    def discard(self, key: str) -> None:
        """Forget one entry (after a write that changes it)."""
        self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget everything (after a write)."""
        self._entries.clear()


class FeedCache:
    """Rendered feeds and pages by key, each valid for one ETag (and until a moment, if given)."""

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._entries: dict[str, tuple[str, bytes, datetime | None]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get_or_render(
        self, key: str, etag: str, render: Render, now: datetime | None = None
    ) -> bytes:
        """The body kept for this key and ETag, else render it (others wait for that)."""
        body = self._fresh(key, etag, now)
        if body is not None:
            return body
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            body = self._fresh(key, etag, now)
            if body is not None:
                return body
            body, until = await render()
            if len(self._entries) >= self._size:
                self._entries.clear()
                self._locks = {key: lock}
            self._entries[key] = (etag, body, until)
            return body

    def _fresh(self, key: str, etag: str, now: datetime | None) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != etag:
            return None
        until = entry[2]
        return entry[1] if until is None or now is None or now < until else None
