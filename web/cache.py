"""A short-lived cache of rendered documents for the hot discovery paths."""

from __future__ import annotations

from cachetools import TTLCache

# Writes made by this process invalidate at once; writes by another process (the CLI,
# another web process) show within this many seconds, like Mastodon's actor max-age.
TTL_SECONDS = 30.0


class DocumentCache:
    """Rendered bytes (and content type) by key, kept for a few seconds."""

    def __init__(self, ttl: float = TTL_SECONDS, size: int = 20_000) -> None:
        self._entries: TTLCache[str, tuple[int, bytes]] = TTLCache(maxsize=size, ttl=ttl)

    def get(self, key: str) -> tuple[int, bytes] | None:
        """The cached (status, body), or None."""
        return self._entries.get(key)

    def put(self, key: str, status: int, body: bytes) -> None:
        """Remember a rendered answer."""
        self._entries[key] = (status, body)

    def clear(self) -> None:
        """Forget everything (after a write)."""
        self._entries.clear()
