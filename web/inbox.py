"""Inbox POSTs: read the capped body, let hub.inbox decide, answer its status. No other logic."""

from __future__ import annotations

from aiohttp import web

from hub.inbox import MAX_BODY, Delivered, Status
from web.keys import FEDERATION
from web.responses import dumps, fail, json_bytes


def routes() -> list[web.RouteDef]:
    """The personal and the shared inbox."""
    return [web.post("/users/{username}/inbox", personal), web.post("/inbox", shared)]


async def personal(request: web.Request) -> web.StreamResponse:
    """An inbox of one of our actors."""
    return await _receive(request, request.match_info["username"].lower())


async def shared(request: web.Request) -> web.StreamResponse:
    """The shared inbox."""
    return await _receive(request, None)


async def _receive(request: web.Request, username: str | None) -> web.StreamResponse:
    if (request.content_length or 0) > MAX_BODY:
        fail(413, "the body is larger than 1 MiB")  # before reading or parsing anything (S30)
    body = await _read_capped(request)
    delivered = Delivered(request.method, request.path_qs, request.headers, body, username)
    verdict = await request.app[FEDERATION].receiver.accept(delivered)
    if verdict.status != Status.accepted:
        fail(int(verdict.status), verdict.reason)
    return json_bytes(dumps({"status": verdict.reason}), "application/json", status=202)


async def _read_capped(request: web.Request) -> bytes:
    """The whole body, chunked or not; 413 as soon as it passes 1 MiB (S30)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size > MAX_BODY:
            fail(413, "the body is larger than 1 MiB")
        chunks.append(chunk)
    return b"".join(chunks)
