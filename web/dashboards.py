"""Dashboards: federation health and the network's reach for managers; each coop's own reach."""

from __future__ import annotations

from aiohttp import web
from markupsafe import Markup

from hub import memberships, stats
from hub.actors.local import find_actor
from hub.stats import CoopSeries, Point
from hub.store.models import ActorKind
from hub.store.types import utcnow
from web import charts, moderation_guard
from web.auth import current_person, login_redirect
from web.i18n import _
from web.keys import DB, URIS
from web.responses import fail, page


def routes() -> list[web.RouteDef]:
    """The dashboard pages."""
    return [
        web.get("/moderation/dashboard", manager_dashboard),
        web.get("/account/coops/{username}/reach", coop_reach),
    ]


async def manager_dashboard(request: web.Request) -> web.StreamResponse:
    """Federation health and the whole network's reach, for managers."""
    await moderation_guard.manager(request)
    now = utcnow()
    async with request.app[DB].read() as session:
        health = await stats.federation_health(session, now)
        followers = await stats.followers_over_time(session, now.date())
        reached = await stats.servers_reached(session, request.app[URIS])
        reports = await stats.reports_over_time(session, now.date())
    names = (_("delivered"), _("failed"), _("waiting"))
    rows = [(h.host, (h.done, h.failed, h.pending)) for h in health.hosts]
    context = {
        "health": health,
        "health_chart": charts.stacked_bars(rows, names, _("Deliveries per server")),
        "followers": _follower_charts(followers),
        "reached": reached,
        "reached_chart": _reached_chart(reached),
        "reports": reports,
        "reports_chart": charts.bar_chart(reports, _("Reports per day, last 30 days")),
    }
    return page("dashboards/manager.html", request, context)


async def coop_reach(request: web.Request) -> web.StreamResponse:
    """One coop's followers over time and how many servers its posts reached."""
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    now = utcnow()
    async with request.app[DB].read() as session:
        coop = await find_actor(session, request.match_info["username"][:64])
        if coop is None or coop.kind != ActorKind.coop or coop.deleted_at is not None:
            fail(404, _("There is no such coop."))
        member = await memberships.membership(session, person, coop)
        if member is None and not person.is_manager:
            fail(403, _("Only the people of this coop may see its reach."))
        followers = await stats.followers_over_time(session, now.date(), [coop.id])
        reached = await stats.servers_reached(session, request.app[URIS], [coop.id])
    context = {
        "coop": coop,
        "followers": _follower_charts(followers),
        "reached": reached,
        "reached_chart": _reached_chart(reached),
    }
    return page("dashboards/reach.html", request, context)


def _follower_charts(series: list[CoopSeries]) -> list[tuple[CoopSeries, Markup]]:
    return [
        (coop, charts.line_chart(coop.points, _("Followers of %(name)s") % {"name": coop.name}))
        for coop in series
    ]


def _reached_chart(points: list[Point]) -> Markup:
    return charts.bar_chart(points, _("Servers reached by the newest posts"))
