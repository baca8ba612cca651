"""CSRF protection for every HTML form: a random cookie and a keyed hash of it in the form.

Any page with a form calls `field(request)` for the hidden value and `await read_form(request)`
(or `check(request, form)`) before acting; the middleware sets the cookie when a page issued a
new one. Another site can neither read the HttpOnly, SameSite=Lax cookie nor compute the hash,
and a cookie planted by a sibling host is useless without the key. An `Origin` header, when
the browser sends one, must be our own origin.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from web.i18n import _
from web.keys import SETTINGS
from web.responses import fail

COOKIE = "hub_csrf"
FIELD = "csrf"
MAX_FORM_BYTES = 16 * 1024
_NEW = web.RequestKey("csrf_new_cookie", str)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def field(request: web.Request) -> str:
    """The hidden form value for this browser (issues its cookie on first use)."""
    seed = request.cookies.get(COOKIE) or request.get(_NEW)
    if not seed or len(seed) > 100:
        seed = secrets.token_urlsafe(32)
        request[_NEW] = seed
    return _sign(request, seed)


def check(request: web.Request, form: Mapping[str, object]) -> None:
    """Stop with 403 unless the form carries the value matching this browser's cookie."""
    seed = request.cookies.get(COOKIE, "")
    sent = str(form.get(FIELD, ""))
    if not seed or not sent or not hmac.compare_digest(sent, _sign(request, seed)):
        fail(403, _("The form has expired or came from another page; please reload it."))


def check_size(request: web.Request) -> None:
    """Stop with 413 before reading a form body larger than any of our forms."""
    if (request.content_length or 0) > MAX_FORM_BYTES:
        fail(413, _("The form is too large."))


def check_origin(request: web.Request) -> None:
    """Stop with 403 when the browser says the form was sent from another site."""
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.app[SETTINGS].base_url:
        fail(403, _("Forms are only accepted from this site."))


async def read_form(request: web.Request) -> dict[str, str]:
    """The posted text fields of a small form after the size, origin and CSRF checks."""
    check_size(request)
    check_origin(request)
    data = await request.post()
    form = {key: value for key, value in data.items() if isinstance(value, str)}
    check(request, form)
    return form


def set_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Attach a newly issued cookie to the response."""
    seed = request.get(_NEW)
    if seed and not response.prepared:
        secure = request.app[SETTINGS].scheme == "https"
        response.set_cookie(COOKIE, seed, httponly=True, samesite="Lax", secure=secure, path="/")


def _sign(request: web.Request, seed: str) -> str:
    key = request.app[SETTINGS].secret_key.encode()
    return hmac.new(key, b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


@web.middleware
async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Set the CSRF cookie when the page just rendered issued one."""
    response = await handler(request)
    set_cookie(request, response)
    return response
