"""GET and POST /api/v1/markers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import markers
from hub.markers import MarkerError
from hub.store.models import Marker
from web.api.entities import iso
from web.api.tokens import require_coop
from web.keys import DB
from web.params import read_params
from web.responses import dumps, fail, json_bytes


def routes() -> list[web.RouteDef]:
    """The marker routes."""
    return [web.get("/api/v1/markers", show), web.post("/api/v1/markers", save)]


async def show(request: web.Request) -> web.StreamResponse:
    """The markers asked for with `timeline[]`."""
    grant = await require_coop(request, "read:statuses")
    assert grant.coop is not None
    names = request.query.getall("timeline[]", []) or request.query.getall("timeline", [])
    async with request.app[DB].read() as session:
        found = await markers.markers(session, grant.coop, grant.person, names)
    return json_bytes(dumps(_body(found)), "application/json")


async def save(request: web.Request) -> web.StreamResponse:
    """Set `home[last_read_id]` and/or `notifications[last_read_id]` (form or JSON)."""
    grant = await require_coop(request, "write:statuses")
    assert grant.coop is not None
    params = await read_params(request)
    positions: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, dict):
            positions[key] = str(value.get("last_read_id", ""))
        elif key.endswith("[last_read_id]"):
            positions[key.split("[", 1)[0]] = str(value)
    if not positions:
        fail(422, "Validation failed: send home[last_read_id] or notifications[last_read_id]")
    try:
        async with request.app[DB].begin() as session:
            found = await markers.save(session, grant.coop, grant.person, positions)
    except MarkerError as error:
        fail(422, f"Validation failed: {error}")
    return json_bytes(dumps(_body(found)), "application/json")


def _body(found: list[Marker]) -> dict[str, Any]:
    return {
        marker.timeline: {
            "last_read_id": marker.last_read_id,
            "version": marker.version,
            "updated_at": iso(marker.updated_at),
        }
        for marker in found
    }
