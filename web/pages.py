"""HTML pages: the one-time link to set a manager's password."""

from __future__ import annotations

from aiohttp import web

from hub import accounts, sessions
from hub.accounts import FIRST_MANAGER, AccountError
from web import csrf, hub_messages
from web.i18n import _
from web.keys import DB
from web.responses import page


def routes() -> list[web.RouteDef]:
    """The page routes."""
    return [
        web.get("/setup/{token}", setup_form),
        web.post("/setup/{token}", setup_submit),
    ]


async def setup_form(request: web.Request) -> web.StreamResponse:
    """Ask for the password (and, for the first manager, the email)."""
    async with request.app[DB].read() as session:
        try:
            link = await accounts.redeem_link(session, request.match_info["token"])
        except AccountError as error:
            return _render_setup(request, None, hub_messages.translate(str(error)), status=404)
    return _render_setup(request, link, None)


async def setup_submit(request: web.Request) -> web.StreamResponse:
    """Set the password; the link is used up on success."""
    if (request.content_length or 0) > csrf.MAX_FORM_BYTES:
        return _render_setup(request, None, _("The form is too large."), status=413)
    csrf.check_origin(request)
    form = await request.post()
    csrf.check(request, form)
    password, confirm = str(form.get("password", "")), str(form.get("password_confirm", ""))
    token = request.match_info["token"]
    async with request.app[DB].begin() as session:
        try:
            link = await accounts.redeem_link(session, token)
        except AccountError as error:
            return _render_setup(request, None, hub_messages.translate(str(error)), status=404)
    try:
        if password != confirm:
            raise AccountError(_("The two passwords differ."))
        async with request.app[DB].begin() as session:
            email = str(form.get("email", "")) or None
            person = await accounts.set_password_by_link(session, token, password, email)
            await sessions.end_others(session, person.id)
    except AccountError as error:
        return _render_setup(request, link, hub_messages.translate(str(error)), status=422)
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
