"""The public moderation page: domain blocks and actions against coops, with their reasons."""

from __future__ import annotations

from aiohttp import web

from hub.moderation.audit import public_blocks, public_coop_actions
from web.keys import DB
from web.responses import page

SEVERITY_DE = {"suspend": "gesperrt", "silence": "eingeschränkt", "noop": "nur Medien/Meldungen"}
ACTION_DE = {
    "coop.suspend": "gesperrt",
    "coop.unsuspend": "wieder freigeschaltet",
    "coop.limit": "eingeschränkt",
    "coop.unlimit": "nicht mehr eingeschränkt",
    "coop.purge": "endgültig gelöscht",
}


def routes() -> list[web.RouteDef]:
    """The public moderation record."""
    return [web.get("/moderation", moderation_page)]


async def moderation_page(request: web.Request) -> web.StreamResponse:
    """What the managers decided, for everyone to read (German)."""
    async with request.app[DB].read() as session:
        blocks = await public_blocks(session)
        actions = await public_coop_actions(session)
    context = {
        "blocks": [(b, SEVERITY_DE.get(b.action, b.action)) for b in blocks],
        "actions": [(a, ACTION_DE.get(a.action, a.action)) for a in actions],
    }
    return page("moderation.html", request, context)
