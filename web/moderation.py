"""The public moderation page, and the manager pages under /moderation/ (see moderation_*)."""

from __future__ import annotations

from aiohttp import web

from hub.moderation.audit import public_blocks, public_coop_actions
from web import (
    moderation_about,
    moderation_admin,
    moderation_applications,
    moderation_reports,
)
from web.i18n import N_, gettext
from web.keys import DB
from web.responses import page

SEVERITIES = {"suspend": N_("blocked"), "silence": N_("limited"), "noop": N_("media/reports only")}
ACTIONS = {
    "coop.suspend": N_("blocked"),
    "coop.unsuspend": N_("unblocked"),
    "coop.limit": N_("limited"),
    "coop.unlimit": N_("no longer limited"),
    "coop.purge": N_("deleted for good"),
}


def routes() -> list[web.RouteDef]:
    """The public moderation record."""
    return [
        web.get("/moderation", moderation_page),
        *moderation_reports.routes(),
        *moderation_admin.routes(),
        *moderation_applications.routes(),
        *moderation_about.routes(),
    ]


async def moderation_page(request: web.Request) -> web.StreamResponse:
    """What the managers decided, for everyone to read."""
    async with request.app[DB].read() as session:
        blocks = await public_blocks(session)
        actions = await public_coop_actions(session)
    context = {
        "blocks": [(b, _label(SEVERITIES, b.action)) for b in blocks],
        "actions": [(a, _label(ACTIONS, a.action)) for a in actions],
    }
    return page("moderation.html", request, context)


def _label(labels: dict[str, str], action: str) -> str:
    return gettext(labels[action]) if action in labels else action
