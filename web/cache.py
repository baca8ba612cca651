"""A short-lived cache of rendered documents for the hot discovery paths."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

# Writes made by this process invalidate at once; writes by another process (the CLI,
# another web process) show within this many seconds, like Mastodon's actor max-age.
TTL_SECONDS = 30.0


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
    """Rendered feeds by key, each valid for one ETag; one render at a time per key."""

    def __init__(self, size: int = 1000) -> None:
        self._size = size
        self._entries: dict[str, tuple[str, bytes]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get_or_render(
        self, key: str, etag: str, render: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        """The body cached for this key and ETag, else render it (others wait for that)."""
        entry = self._entries.get(key)
        if entry is not None and entry[0] == etag:
            return entry[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == etag:
                return entry[1]
            body = await render()
            if len(self._entries) >= self._size:
                self._entries.clear()
                self._locks = {key: lock}
            self._entries[key] = (etag, body)
            return body
