"""Live timeline updates over Server-Sent Events: "n new posts", for browsers with JavaScript.

Every stream reads one shared, briefly cached "newest post", so many open pages cost one small
indexed query per refresh; only a page that is behind counts what it missed.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

from aiohttp import web

from hub.timeline import EPOCH, BadCursor, Cursor, count_newer, newest_cursor
from web.i18n import ngettext
from web.keys import DB
from web.responses import fail

POLL_SECONDS = 2.0
STREAM_SECONDS = 300  # the browser reconnects by itself; this bounds how long one task lives
MAX_STREAMS = 500


@dataclass
class LiveState:
    """The newest timeline post as last read, when it was read, and how many streams are open."""

    newest: Cursor | None = None
    read_at: float = 0.0
    open: int = 0


LIVE = web.AppKey("live", LiveState)


def setup(app: web.Application) -> None:
    """Add the live route and its shared state."""
    app[LIVE] = LiveState()
    app.router.add_get("/timeline/stream", stream)


async def stream(request: web.Request) -> web.StreamResponse:
    """Tell an open timeline page, every few seconds, how many posts are newer than its top."""
    try:
        after = Cursor.parse(request.query.get("after")) or Cursor(EPOCH, 0)
    except BadCursor as error:
        fail(400, str(error))
    state = request.app[LIVE]
    if state.open >= MAX_STREAMS:
        fail(503, "too many live streams; the page works without them", {"Retry-After": "60"})
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store"}
    )
    await response.prepare(request)
    state.open += 1
    try:
        await _pump(request, response, after, state)
    except ConnectionResetError:
        pass  # the page was closed
    finally:
        state.open -= 1
    return response


async def _pump(
    request: web.Request, response: web.StreamResponse, after: Cursor, state: LiveState
) -> None:
    await response.write(b"retry: 10000\n\n")
    sent = 0
    deadline = time.monotonic() + STREAM_SECONDS
    while time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS)
        newest = await _newest(request, state)
        if newest is None or newest.key <= after.key:
            await response.write(b": idle\n\n")
            continue
        async with request.app[DB].read() as session:
            count = await count_newer(session, after)
        if count != sent:
            sent = count
            text = ngettext("%(num)s new post", "%(num)s new posts", count) % {"num": count}
            data = json.dumps({"count": count, "text": text}, ensure_ascii=False)
            await response.write(f"event: posts\ndata: {data}\n\n".encode())


async def _newest(request: web.Request, state: LiveState) -> Cursor | None:
    if time.monotonic() - state.read_at >= POLL_SECONDS:
        async with request.app[DB].read() as session:
            state.newest = await newest_cursor(session)
        state.read_at = time.monotonic()
    return state.newest
