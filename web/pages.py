"""HTML pages: the start page and the one-time link to set a manager's password."""

from __future__ import annotations

from aiohttp import web

from hub import accounts, sessions
from hub.accounts import FIRST_MANAGER, AccountError
from hub.actors.local import list_coops
from web import csrf
from web.keys import DB, SETTINGS, URIS
from web.responses import page

MAX_FORM_BYTES = 16 * 1024


def routes() -> list[web.RouteDef]:
    """The page routes."""
    return [
        web.get("/", index),
        web.get("/setup/{token}", setup_form),
        web.post("/setup/{token}", setup_submit),
    ]


async def index(request: web.Request) -> web.StreamResponse:
    """The start page: what the network is, and its member coops."""
    async with request.app[DB].read() as session:
        coops = await list_coops(session)
    settings, uris = request.app[SETTINGS], request.app[URIS]
    context = {
        "coops": coops,
        "domain": settings.domain,
        "network_handle": f"@{settings.network_username}@{settings.domain}",
        "network_url": uris.actor(settings.network_username),
        "actor_url": uris.actor,
    }
    return page("index.html", request, context)


async def setup_form(request: web.Request) -> web.StreamResponse:
    """Ask for the password (and, for the first manager, the email)."""
    async with request.app[DB].read() as session:
        try:
            link = await accounts.redeem_link(session, request.match_info["token"])
        except AccountError as error:
            return _render_setup(request, None, str(error), status=404)
    return _render_setup(request, link, None)


async def setup_submit(request: web.Request) -> web.StreamResponse:
    """Set the password; the link is used up on success."""
    if (request.content_length or 0) > MAX_FORM_BYTES:
        return _render_setup(request, None, "Das Formular ist zu groß.", status=413)
    form = await request.post()
    csrf.check(request, form)
    password, confirm = str(form.get("password", "")), str(form.get("password_confirm", ""))
    token = request.match_info["token"]
    async with request.app[DB].begin() as session:
        try:
            link = await accounts.redeem_link(session, token)
        except AccountError as error:
            return _render_setup(request, None, str(error), status=404)
    try:
        if password != confirm:
            raise AccountError("the two passwords differ")
        async with request.app[DB].begin() as session:
            email = str(form.get("email", "")) or None
            person = await accounts.set_password_by_link(session, token, password, email)
            await sessions.end_others(session, person.id)
    except AccountError as error:
        return _render_setup(request, link, str(error), status=422)
    return page("setup_done.html", request, {"email": person.email})


def _render_setup(
    request: web.Request, link: accounts.PendingLink | None, error: str | None, status: int = 200
) -> web.StreamResponse:
    context = {
        "link": link,
        "error": error,
        "asks_email": link is not None and link.purpose == FIRST_MANAGER,
        "csrf": csrf.field(request),
    }
    return page("setup.html", request, context, status=status)
