"""One run of the same work at a time: concurrent callers for a key wait for the first one.

When a cached page, grant or count expires, every request in flight misses it at once; without
this each of them would repeat the same queries (sixteen renders at once stalled the server).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Key = TypeVar("Key")
Value = TypeVar("Value")


class SingleFlight(Generic[Key, Value]):
    """Work by key, run once for all who ask while it runs; a caller leaving stops nobody."""

    def __init__(self) -> None:
        self._running: dict[Key, asyncio.Future[Value]] = {}

    async def run(self, key: Key, work: Callable[[], Awaitable[Value]]) -> Value:
        """The result of `work` for this key, shared with every caller that asks meanwhile."""
        running = self._running.get(key)
        if running is None:
            running = asyncio.ensure_future(self._own(key, work))
            self._running[key] = running
        return await asyncio.shield(running)

    def forget(self) -> None:
        """Let later callers start afresh (after a write the running work may predate)."""
        self._running.clear()

    async def _own(self, key: Key, work: Callable[[], Awaitable[Value]]) -> Value:
        try:
            return await work()
        finally:
            if self._running.get(key) is asyncio.current_task():
                del self._running[key]
