"""Pages of one coop: its profile with its posts, a single post with replies, remote follow."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from hub import credits, memberships
from hub.actors.collections import CollectionName, collection_size
from hub.actors.documents import profile_fields
from hub.actors.local import find_actor
from hub.remote_follow import BadHandle, RemoteFollowError, follow_url
from hub.store.models import ActorKind, LocalActor, Post, Role
from hub.text import render_markdown
from hub.timeline import network_page, replies_to
from web import auth, csrf
from web.feeds import feed_links
from web.i18n import _
from web.keys import DB, FEDERATION, SETTINGS, URIS
from web.network_pages import page_cursor, pager
from web.responses import fail, page

VARY = {"Vary": "Accept"}


def routes() -> list[web.RouteDef]:
    """The remote follow route (profile and post pages share the actor's URLs)."""
    return [
        web.get("/remote-follow", remote_follow_form),
        web.post("/remote-follow", remote_follow),
    ]


def handle_of(request: web.Request, owner: LocalActor) -> str:
    """The coop's fediverse handle on this hub."""
    return f"@{owner.username}@{request.app[SETTINGS].domain}"


async def profile_page(request: web.Request, username: str) -> web.StreamResponse:
    """A coop's profile with its public posts, newest first."""
    cursor = page_cursor(request)
    async with request.app[DB].read() as session:
        found = await find_actor(session, username)
        if found is None or found.kind == ActorKind.instance:
            fail(404, _("There is no such profile."))
        if found.deleted_at is not None:
            fail(410, _("This profile was deleted."))
        followers = await collection_size(session, found, CollectionName.followers)
        posts = await collection_size(session, found, CollectionName.outbox)
        timeline = await network_page(session, cursor, coop=found)
    url = request.app[URIS].actor(found.username)
    context = {
        **pager(request, timeline, cursor),
        "coop": found,
        "handle": handle_of(request, found),
        "summary_html": render_markdown(found.summary) if found.summary else "",
        "facts": _facts(found),
        "fields": profile_fields(found),
        "followers": followers,
        "posts": posts,
        "feeds": feed_links(url, found.name),
        "csrf": csrf.field(request),
    }
    return page("profile.html", request, context, headers=VARY)


def _facts(coop: LocalActor) -> list[tuple[str, str]]:
    pairs = [
        (_("Sector"), coop.sector),
        (_("Region"), coop.region),
        (_("Legal form"), coop.legal_form),
    ]
    return [(label, value) for label, value in pairs if value]


async def note_page(request: web.Request, owner: LocalActor, post: Post) -> web.StreamResponse:
    """A single post with the replies it got from the fediverse (and, for owners, who posted)."""
    async with request.app[DB].read() as session:
        replies = await replies_to(session, post)
    credit = await _team_credit(request, owner, post)
    uris = request.app[URIS]
    context = {
        "credit": credit,
        "coop": owner,
        "post": post,
        "note_id": uris.note(owner.username, post.id),
        "handle": handle_of(request, owner),
        "replies": replies,
        "feeds": feed_links(uris.actor(owner.username), owner.name),
    }
    headers = VARY if credit is None else {**VARY, "Cache-Control": "private, no-store"}
    return page("note.html", request, context, headers=headers)


async def _team_credit(request: web.Request, owner: LocalActor, post: Post) -> str | None:
    """Who of the coop posted it: shown to the coop's owners only, never federated."""
    if post.person_id is None or auth.COOKIE not in request.cookies:
        return None
    person = await auth.current_person(request)
    if person is None:
        return None
    async with request.app[DB].read() as session:
        found = await memberships.managed_coop(session, person.id, owner.username)
        if found is None or found[1] != Role.owner:
            return None
        return await credits.poster_email(session, post)


async def remote_follow_form(request: web.Request) -> web.StreamResponse:
    """Ask a visitor for their handle (a typed one is only filled in, nobody is asked)."""
    coop = await _follow_target(request, request.query.get("target", ""))
    handle = request.query.get("handle", "").strip()[:320]
    return _render_remote_follow(request, coop, handle, None)


async def remote_follow(request: web.Request) -> web.StreamResponse:
    """Send a visitor to their own server to follow a coop (FEP-3b86 intent or subscribe)."""
    form = await csrf.read_form(request)
    coop = await _follow_target(request, form.get("target", ""))
    handle = form.get("handle", "").strip()[:320]
    if not handle:
        return _render_remote_follow(request, coop, handle, None)
    target = request.app[URIS].actor(coop.username)
    try:
        url = await follow_url(request.app[FEDERATION].fetcher, handle, target)
    except BadHandle:
        error = _("Type your handle like @name@example.social.")
        return _render_remote_follow(request, coop, handle, error, 422)
    except RemoteFollowError:
        error = _("Your server could not be asked, or it offers no way to follow from elsewhere.")
        return _render_remote_follow(request, coop, handle, error, 502)
    raise web.HTTPSeeOther(URL(url, encoded=True))  # keep the target percent-encoded


async def _follow_target(request: web.Request, username: str) -> LocalActor:
    async with request.app[DB].read() as session:
        coop = await find_actor(session, username)
    if coop is None or coop.kind == ActorKind.instance or coop.deleted_at is not None:
        fail(404, _("There is no such profile."))
    return coop


def _render_remote_follow(
    request: web.Request, coop: LocalActor, typed: str, error: str | None, status: int = 200
) -> web.StreamResponse:
    context = {
        "coop": coop,
        "handle": handle_of(request, coop),
        "typed_handle": typed,
        "error": error,
        "csrf": csrf.field(request),
    }
    return page("remote_follow.html", request, context, status=status)
