"""Rendered timeline pages, kept briefly per process: the same page asked again costs no query.

Pages below a `max_id` change only when a post is edited, deleted or counted anew; they are kept
for OLDER_TTL seconds. The newest page and polls (`since_id`, `min_id`) are kept for FRESH_TTL
seconds. Every write through this process's web app (a non-GET request other than an inbox
delivery) drops all pages at once, so an app sees its own post, edit or favourite on its next
request; writes elsewhere (another process, the CLI, the worker) show within the TTL.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from aiohttp import web

FRESH_TTL = 2.0
OLDER_TTL = 30.0
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
Page = tuple[bytes, dict[str, str]]


class PageCache:
    """Rendered (body, headers) of timeline pages by viewer and URL."""

    def __init__(self, size: int = 5_000) -> None:
        self._size = size
        self._entries: dict[str, tuple[float, bytes, dict[str, str]]] = {}

    async def page(
        self, request: web.Request, viewer_id: int, render: Callable[[], Awaitable[Page]]
    ) -> Page:
        """The cached page for this viewer and URL, rendered with `render` when missing."""
        key = f"{viewer_id}:{request.path_qs}"
        entry = self._entries.get(key)
        now = time.monotonic()
        if entry is not None and entry[0] >= now:
            return entry[1], entry[2]
        body, headers = await render()
        if len(self._entries) >= self._size:
            self._entries = {k: v for k, v in self._entries.items() if v[0] >= now}
            if len(self._entries) >= self._size:
                self._entries.clear()
        query = request.query
        older = "max_id" in query and "since_id" not in query and "min_id" not in query
        self._entries[key] = (now + (OLDER_TTL if older else FRESH_TTL), body, headers)
        return body, headers

    def clear(self) -> None:
        """Forget every page (after a write)."""
        self._entries.clear()


@web.middleware
async def drop_after_writes(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Clear the app's page cache after every write through it (inbox deliveries aside)."""
    if request.method in SAFE_METHODS or request.path.endswith("/inbox"):
        return await handler(request)
    try:
        return await handler(request)
    finally:
        # Also after failures: a write may have landed before an error was raised.
        request.app[PAGES].clear()


PAGES = web.AppKey("pages", PageCache)
