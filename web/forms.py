"""CSRF protection for forms anyone may send (no session): a signed double-submit cookie."""

# How it works: the first page with a form sets a random nonce in the cookie `hub_form`
# (HttpOnly, SameSite=Lax). The form carries `csrf` = HMAC-SHA256(HUB_SECRET_KEY, "form:" +
# nonce). A POST passes when the cookie is there and the field is that HMAC of it; another
# site can neither read the cookie nor compute the HMAC, and a cookie planted by a sibling
# host is useless without the key. An `Origin` header, when sent, must be our own origin.

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web

from web.keys import SETTINGS
from web.responses import fail

COOKIE = "hub_form"
FIELD = "csrf"
MAX_FORM_BYTES = 16 * 1024
STALE = "Das Formular ist abgelaufen; bitte lade die Seite neu und sende es noch einmal."


@dataclass(frozen=True)
class FormToken:
    """The value for the hidden `csrf` field, and the nonce when the cookie must be set."""

    token: str
    new_nonce: str | None


def form_token(request: web.Request) -> FormToken:
    """The token for a form on this page (a new nonce when the browser has none yet)."""
    nonce = request.cookies.get(COOKIE, "")
    if len(nonce) < 32:
        fresh = secrets.token_urlsafe(32)
        return FormToken(_sign(request, fresh), fresh)
    return FormToken(_sign(request, nonce), None)


def remember(request: web.Request, response: web.StreamResponse, form: FormToken) -> None:
    """Set the nonce cookie when the page minted a new one."""
    if form.new_nonce is not None:
        secure = request.app[SETTINGS].scheme == "https"
        response.set_cookie(
            COOKIE, form.new_nonce, httponly=True, samesite="Lax", secure=secure, path="/"
        )


async def checked_form(request: web.Request) -> Mapping[str, str]:
    """The posted fields after the size, origin and CSRF checks (403/413 otherwise)."""
    if (request.content_length or 0) > MAX_FORM_BYTES:
        fail(413, "Das Formular ist zu groß.")
    origin = request.headers.get("Origin")
    if origin is not None and origin != request.app[SETTINGS].base_url:
        fail(403, "Formulare werden nur von dieser Seite angenommen.")
    data = await request.post()
    fields = {key: str(value) for key, value in data.items() if isinstance(value, str)}
    nonce = request.cookies.get(COOKIE, "")
    sent = fields.get(FIELD, "")
    if len(nonce) < 32 or not hmac.compare_digest(sent, _sign(request, nonce)):
        fail(403, STALE)
    return fields


def _sign(request: web.Request, nonce: str) -> str:
    key = request.app[SETTINGS].secret_key.encode()
    digest = hmac.new(key, f"form:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")
