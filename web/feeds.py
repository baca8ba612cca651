"""RSS 2.0 and Atom feeds of the network timeline and of each coop (built with feedgen)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from aiohttp import web
from feedgen.feed import FeedGenerator

from hub.actors.local import find_actor
from hub.store.models import ActorKind
from hub.store.types import utcnow
from hub.text import html_to_text
from hub.timeline import Author, Entry, network_page
from web.i18n import _, current
from web.keys import CACHE, DB, SETTINGS, URIS
from web.responses import fail

FEED_SIZE = 40
TITLE_CHARACTERS = 80
RSS, ATOM = "application/rss+xml", "application/atom+xml"


@dataclass(frozen=True)
class FeedLink:
    """A feed as a page's head and footer advertise it."""

    type: str
    title: str
    href: str
    label: str


def routes() -> list[web.RouteDef]:
    """The feed routes."""
    return [
        web.get("/feed.{kind:rss|atom}", network_feed),
        web.get("/users/{username}/feed.{kind:rss|atom}", coop_feed),
    ]


def feed_links(base: str, title: str) -> list[FeedLink]:
    """The RSS and Atom links of a timeline whose feeds live under `base`."""
    return [
        FeedLink(RSS, f"{title} (RSS)", f"{base}/feed.rss", "RSS"),
        FeedLink(ATOM, f"{title} (Atom)", f"{base}/feed.atom", "Atom"),
    ]


async def network_feed(request: web.Request) -> web.StreamResponse:
    """The network timeline as a feed."""
    if (cached := _cached(request)) is not None:
        return cached
    async with request.app[DB].read() as session:
        page = await network_page(session, size=FEED_SIZE)
    base = request.app[SETTINGS].base_url
    title = _("Coophub network timeline")
    return _answer(request, page.entries, title, base + "/", base)


async def coop_feed(request: web.Request) -> web.StreamResponse:
    """One coop's public posts as a feed."""
    if (cached := _cached(request)) is not None:
        return cached
    async with request.app[DB].read() as session:
        coop = await find_actor(session, request.match_info["username"])
        if coop is None or coop.kind != ActorKind.coop or coop.deleted_at is not None:
            fail(404, _("There is no such profile."))
        page = await network_page(session, size=FEED_SIZE, coop=coop)
    url = request.app[URIS].actor(coop.username)
    return _answer(request, page.entries, coop.name, url, url)


def _answer(
    request: web.Request, entries: list[Entry], title: str, link: str, base: str
) -> web.Response:
    kind = request.match_info["kind"]
    generator = _generator(title, link, f"{base.rstrip('/')}/feed.{kind}", entries)
    for entry in entries:
        _add_entry(request, generator, entry)
    body = generator.rss_str() if kind == "rss" else generator.atom_str()
    request.app[CACHE].put(_cache_key(request), 200, body)
    return _response(request, body)


def _cache_key(request: web.Request) -> str:
    return f"feed:{request.path}:{current()}"


def _cached(request: web.Request) -> web.Response | None:
    # Feed readers poll; a feed may be up to the cache's 30 seconds old, like actor documents.
    cached = request.app[CACHE].get(_cache_key(request))
    return _response(request, cached[1]) if cached is not None else None


def _response(request: web.Request, body: bytes) -> web.Response:
    content_type = RSS if request.match_info["kind"] == "rss" else ATOM
    return web.Response(body=body, content_type=content_type, charset="utf-8")


def _generator(title: str, link: str, self_url: str, entries: list[Entry]) -> FeedGenerator:
    generator = FeedGenerator()
    generator.id(link)
    generator.title(title)
    generator.link(href=link, rel="alternate")
    generator.link(href=self_url, rel="self")
    generator.description(_("Public posts of the network's member coops."))
    generator.language(current())
    generator.updated(entries[0].post.published_at if entries else utcnow())
    return generator


def _add_entry(request: web.Request, generator: FeedGenerator, entry: Entry) -> None:
    uris = request.app[URIS]
    if entry.remote:  # a remote member's note: its page and profile are on its own server
        url, author_url = entry.original_url, entry.coop.url
    else:
        url, author_url = (
            uris.note(entry.coop.username, entry.post.id),
            uris.actor(entry.coop.username),
        )
    item = generator.add_entry(order="append")
    item.id(url)
    item.guid(url, permalink=True)
    item.link(href=url)
    item.title(_entry_title(entry.coop, entry))
    item.author(name=entry.coop.name, uri=author_url)
    item.published(entry.post.published_at)
    item.updated(entry.post.updated_at or entry.post.published_at)
    content = entry.post.content_html + _media_html(entry)
    item.content(content, type="html")
    item.description(content)


def _media_html(entry: Entry) -> str:
    """Attachments as links with their alt text: a feed reader decides whether to fetch them."""
    if not entry.media:
        return ""
    items = "".join(
        f'<li><a href="{escape(media.url)}">{escape(media.description or _("no description"))}'
        "</a></li>"
        for media in entry.media
    )
    return f"<ul>{items}</ul>"


def _entry_title(coop: Author, entry: Entry) -> str:
    if entry.post.summary:
        return f"{coop.name}: {_('Content warning:')} {entry.post.summary}"
    if entry.title:
        return f"{coop.name}: {entry.title}"
    words = html_to_text(entry.post.content_html).split()
    text = " ".join(words)
    if len(text) > TITLE_CHARACTERS:
        text = text[: TITLE_CHARACTERS - 1].rsplit(" ", 1)[0] + "…"
    return f"{coop.name}: {text}"
