"""Web sessions: log in, log out, the account page, changing and resetting the password."""

from __future__ import annotations

import logging
from urllib.parse import quote

from aiohttp import web

from hub import accounts, memberships, password_reset, sessions
from hub.accounts import AccountError
from hub.store.models import Person, Role
from web import csrf, hub_messages
from web.clients import client_address
from web.i18n import _
from web.keys import DB, LIMITS, SETTINGS
from web.responses import page

COOKIE = "hub_session"
log = logging.getLogger(__name__)


def routes() -> list[web.RouteDef]:
    """The login and account routes."""
    return [
        web.get("/login", login_form),
        web.post("/login", login_submit),
        web.get("/login/forgot", forgot_form),
        web.post("/login/forgot", forgot_submit),
        web.post("/logout", logout),
        web.get("/account", account),
        web.post("/account/password", change_password),
    ]


async def current_person(request: web.Request) -> Person | None:
    """The person logged in with this browser, or None."""
    async with request.app[DB].read() as session:
        return await sessions.person_for(session, request.cookies.get(COOKIE))


def login_redirect(request: web.Request) -> web.HTTPSeeOther:
    """Send the browser to the login page, coming back here afterwards."""
    return web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")


async def login_form(request: web.Request) -> web.StreamResponse:
    """The login form."""
    return _render_login(request, _safe_next(request.query.get("next")), None)


async def login_submit(request: web.Request) -> web.StreamResponse:
    """Check email and password (rate-limited per IP and per email) and open a session."""
    form = await csrf.read_form(request)
    email, target = form.get("email", "").strip().lower()[:320], _safe_next(form.get("next"))
    limits, ip = request.app[LIMITS], request.remote or "?"
    if limits.ip.blocked(ip) or limits.email.blocked(email):
        log.warning("login locked for %s from %s after repeated failures", email, ip)
        wait = max(limits.ip.retry_after(ip), limits.email.retry_after(email))
        message = _("Too many attempts. Please wait a while, then try again.")
        return _render_login(request, target, message, 429, {"Retry-After": str(wait)})
    async with request.app[DB].begin() as session:
        person = await accounts.authenticate(session, email, form.get("password", ""))
        token = await sessions.start(session, person) if person else None
    if token is None:
        limits.email.hit(email)
        limits.ip.hit(ip)
        return _render_login(request, target, _("The email address or the password is wrong."), 401)
    response = web.HTTPSeeOther(target)
    secure = request.app[SETTINGS].scheme == "https"
    response.set_cookie(COOKIE, token, httponly=True, samesite="Lax", secure=secure, path="/")
    raise response


async def forgot_form(request: web.Request) -> web.StreamResponse:
    """The form asking for the email address to mail a reset link to."""
    return _render_forgot(request, sent=False)


async def forgot_submit(request: web.Request) -> web.StreamResponse:
    """Mail a reset link if the address has an account; the answer never tells whether it has."""
    form = await csrf.read_form(request)
    email = form.get("email", "").strip().lower()[:320]
    limits, ip = request.app[LIMITS], client_address(request)
    if limits.reset_ip.blocked(ip) or limits.reset_email.blocked(email):
        wait = max(limits.reset_ip.retry_after(ip), limits.reset_email.retry_after(email))
        message = _("Too many attempts. Please wait a while, then try again.")
        return _render_forgot(request, False, message, 429, {"Retry-After": str(wait)})
    limits.reset_ip.hit(ip)
    limits.reset_email.hit(email)
    async with request.app[DB].begin() as session:
        await password_reset.request_reset(session, request.app[SETTINGS], email)
    return _render_forgot(request, sent=True)


async def logout(request: web.Request) -> web.StreamResponse:
    """End this browser's session."""
    await csrf.read_form(request)
    token = request.cookies.get(COOKIE)
    if token:
        async with request.app[DB].begin() as session:
            await sessions.end(session, token)
    response = web.HTTPSeeOther("/")
    response.del_cookie(COOKIE, path="/")
    raise response


async def account(request: web.Request) -> web.StreamResponse:
    """The account page: who is logged in, which coops they manage, the password form."""
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    return await _render_account(request, person, None, None)


async def change_password(request: web.Request) -> web.StreamResponse:
    """Change the password; every other session of the person ends."""
    form = await csrf.read_form(request)
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    try:
        if form.get("password", "") != form.get("password_confirm", ""):
            raise AccountError(_("The two new passwords differ."))
        async with request.app[DB].begin() as session:
            fresh = await accounts.get_person(session, person.email)
            accounts.change_password(fresh, form.get("current", ""), form.get("password", ""))
            await sessions.end_others(session, fresh.id, keep=request.cookies.get(COOKIE))
    except AccountError as error:
        message = hub_messages.translate(str(error))
        return await _render_account(request, person, None, message, status=422)
    return await _render_account(request, person, _("The password was changed."), None)


async def _render_account(
    request: web.Request, person: Person, notice: str | None, error: str | None, status: int = 200
) -> web.StreamResponse:
    async with request.app[DB].read() as session:
        coops = await memberships.coops_of(session, person.id)
        roles = [await memberships.membership(session, person, coop) for coop in coops]
    context = {
        "person": person,
        "coops": coops,
        "owned": {role.local_actor_id for role in roles if role and role.role == Role.owner},
        "notice": notice,
        "error": error,
        "csrf": csrf.field(request),
    }
    return page("auth/account.html", request, context, status=status)


def _render_login(
    request: web.Request,
    target: str,
    error: str | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    context = {"next": target, "error": error, "csrf": csrf.field(request)}
    return page("auth/login.html", request, context, status=status, headers=headers)


def _render_forgot(
    request: web.Request,
    sent: bool,
    error: str | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    context = {"sent": sent, "error": error, "csrf": csrf.field(request)}
    return page("auth/forgot.html", request, context, status=status, headers=headers)


def _safe_next(raw: str | None) -> str:
    # Only paths on this site: no scheme, no //host, no backslash tricks (open redirects).
    if not raw or not raw.startswith("/") or raw.startswith(("//", "/\\")) or "\\" in raw:
        return "/account"
    return raw[:2000]
