"""Rendered timeline pages, kept briefly per process: the same page asked again costs no query.

Pages below a `max_id` change only when a post is edited, deleted or counted anew; they are kept
for OLDER_TTL seconds. The newest page and polls (`since_id`, `min_id`) are kept for FRESH_TTL
seconds. Every write through this process's web app (a non-GET request other than an inbox
delivery) drops all pages at once, so an app sees its own post, edit or favourite on its next
request; writes elsewhere (another process, the CLI, the worker) show within the TTL. Requests for
a page that is being rendered wait for that render instead of starting the same queries again.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from web.grantcache import GRANTS
from web.singleflight import SingleFlight

FRESH_TTL = 2.0
OLDER_TTL = 30.0
BUDGET_BYTES = 32 * 1024 * 1024  # about 1,500 pages of 20 statuses; the oldest go first
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What decides a page's content; other parameters (cache busters, unknown ones) do not.
KEY_PARAMETERS = ("max_id", "since_id", "min_id", "limit", "local", "remote", "only_media")
Page = tuple[bytes, list[int]]


class PageCache:
    """Rendered bodies of timeline pages and their status ids, by viewer, path and paging."""

    def __init__(self, budget: int = BUDGET_BYTES) -> None:
        self._budget = budget
        self._bytes = 0
        self._generation = 0
        self._entries: dict[str, tuple[float, bytes, list[int]]] = {}
        self._renders: SingleFlight[str, Page] = SingleFlight()

    async def page(
        self, request: web.Request, viewer_id: int, render: Callable[[], Awaitable[Page]]
    ) -> Page:
        """The cached page for this viewer and URL, rendered with `render` when missing."""
        query = request.query
        key = f"{viewer_id}:{request.path}:" + "&".join(
            f"{name}={query.getone(name)}" for name in KEY_PARAMETERS if name in query
        )
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] >= now:
            return entry[1], entry[2]
        generation = self._generation
        return await self._renders.run(key, lambda: self._render(key, query, render, generation))

    async def _render(
        self, key: str, query: Any, render: Callable[[], Awaitable[Page]], generation: int
    ) -> Page:
        body, ids = await render()
        now = time.monotonic()
        if generation != self._generation:
            return body, ids  # a write landed meanwhile: this page may predate it
        self._forget(key)
        self._bytes += len(body)
        while self._bytes > self._budget and self._entries:
            self._forget(next(iter(self._entries)))  # the oldest page goes first
        older = "max_id" in query and "since_id" not in query and "min_id" not in query
        self._entries[key] = (now + (OLDER_TTL if older else FRESH_TTL), body, ids)
        return body, ids

    def clear(self) -> None:
        """Forget every page (after a write); renders begun before it serve no one else."""
        self._entries.clear()
        self._renders.forget()
        self._bytes = 0
        self._generation += 1

    def _forget(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= len(entry[1])


@web.middleware
async def drop_after_writes(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Clear the app's pages and grants after every write through it (inbox deliveries aside)."""
    if request.method in SAFE_METHODS or request.path.endswith("/inbox"):
        return await handler(request)
    try:
        return await handler(request)
    finally:
        # Also after failures: a write may have landed before an error was raised.
        request.app[PAGES].clear()
        request.app[GRANTS].clear()


PAGES = web.AppKey("pages", PageCache)
