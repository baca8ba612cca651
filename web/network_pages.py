"""Pages of the whole network: the shared timeline, the member directory and the about page."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from aiohttp import web

from hub import site_texts
from hub.actors.local import count_coops, find_actor
from hub.directory import DirectoryQuery, facets, search_members
from hub.text import render_markdown
from hub.timeline import BadCursor, Cursor, TimelinePage, network_page
from web import csrf
from web.feeds import feed_links
from web.i18n import _, current
from web.keys import DB, SETTINGS
from web.responses import fail, page

CONTENT = Path(__file__).parent / "content"


def routes() -> list[web.RouteDef]:
    """The network page routes."""
    return [
        web.get("/", timeline),
        web.get("/members", members),
        web.get("/about", about),
    ]


def page_cursor(request: web.Request) -> Cursor | None:
    """The `before` cursor of a timeline page; a malformed one is a 400."""
    try:
        return Cursor.parse(request.query.get("before"))
    except BadCursor:
        fail(400, _("This page link is broken. Start again from the newest posts."))


def pager(request: web.Request, page_: TimelinePage, cursor: Cursor | None) -> dict[str, object]:
    """What the page links of a timeline need."""
    next_url = None
    if page_.next_cursor is not None:
        next_url = str(request.rel_url.with_query({"before": page_.next_cursor.encode()}))
    return {"page": page_, "cursor": cursor, "next_url": next_url, "first_url": request.path}


async def timeline(request: web.Request) -> web.StreamResponse:
    """The network timeline: public posts of local and remote member coops, newest first."""
    cursor = page_cursor(request)
    async with request.app[DB].read() as session:
        found = await network_page(session, cursor)
    settings = request.app[SETTINGS]
    context = {
        **pager(request, found, cursor),
        "nav": "timeline",
        "network_handle": f"@{settings.network_username}@{settings.domain}",
        "feeds": feed_links(settings.base_url, _("Network timeline")),
        "live_stream": _live_stream(found) if cursor is None else None,
    }
    return page("timeline.html", request, context)


def _live_stream(found: TimelinePage) -> str:
    after = found.entries[0].cursor.encode() if found.entries else ""
    return f"/timeline/stream?after={after}"


async def members(request: web.Request) -> web.StreamResponse:
    """The member directory, filtered by sector, region and legal form, and searched."""
    query = DirectoryQuery(
        *(request.query.get(name, "") for name in ("q", "sector", "region", "legal_form"))
    ).cleaned()
    async with request.app[DB].read() as session:
        found = await search_members(session, query)
        offered = await facets(session)
    filters = [
        ("sector", _("Sector"), offered.sectors, query.sector),
        ("region", _("Region"), offered.regions, query.region),
        ("legal_form", _("Legal form"), offered.legal_forms, query.legal_form),
    ]
    context = {"nav": "members", "members": found, "query": query, "filters": filters}
    return page("members.html", request, context)


async def about(request: web.Request) -> web.StreamResponse:
    """What the network is, who runs it and how to reach it."""
    settings = request.app[SETTINGS]
    async with request.app[DB].read() as session:
        member_count = await count_coops(session)
        network = await find_actor(session, settings.network_username)
        stored = await site_texts.text_of(session, site_texts.ABOUT, current())
    context = {
        "nav": "about",
        "coop": network,
        "handle": f"@{settings.network_username}@{settings.domain}",
        "about_html": about_html(current(), stored),
        "member_count": member_count,
        "network_handle": f"@{settings.network_username}@{settings.domain}",
        "csrf": csrf.field(request),
    }
    return page("about.html", request, context)


async def about_source(session: Any, language: str) -> str:
    """The about page's Markdown in a language: as managers wrote it, else the shipped copy."""
    stored = await site_texts.text_of(session, site_texts.ABOUT, language)
    return stored if stored is not None else default_about(language)


def default_about(language: str) -> str:
    """The description shipped with the hub, until managers edit it."""
    return (CONTENT / f"about.{language}.md").read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def about_html(language: str, stored: str | None) -> str:
    """The about page's text as safe HTML (the managers' text, else the shipped copy)."""
    return render_markdown(stored if stored is not None else default_about(language))
