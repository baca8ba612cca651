"""Bearer tokens on API requests: who is calling, and whether the scope allows it."""

from __future__ import annotations

from aiohttp import web

from hub import scopes
from hub.oauth import Grant
from hub.store.models import LocalActor
from web.grantcache import GRANTS
from web.responses import fail

UNAUTHORIZED = {"WWW-Authenticate": 'Bearer realm="Coophub", error="invalid_token"'}


def bearer(request: web.Request) -> str | None:
    """The bearer token of the request, if any."""
    auth = request.headers.get("Authorization", "")
    kind, _, value = auth.partition(" ")
    return value.strip() or None if kind.lower() == "bearer" else None


async def optional_grant(request: web.Request) -> Grant | None:
    """The grant of the token sent, None without one; 401 for a bad token."""
    token = bearer(request)
    if token is None:
        return None
    grant = await request.app[GRANTS].grant(request, token)
    if grant is None:
        fail(401, "The access token is invalid", UNAUTHORIZED)
    return grant


async def require(request: web.Request, scope: str) -> Grant:
    """A valid token whose scopes cover `scope`: else 401, or 403 outside the scopes."""
    grant = await optional_grant(request)
    if grant is None:
        fail(401, "The access token is invalid", UNAUTHORIZED)
    if not scopes.allows(grant.scopes, scope):
        fail(403, scopes.OUT_OF_SCOPE)
    return grant


async def require_coop(request: web.Request, scope: str) -> Grant:
    """Like `require`, for calls that act as a coop (user tokens, not app tokens)."""
    grant = await require(request, scope)
    if grant.coop is None:
        fail(422, "This method requires an authenticated user")
    return grant


def acting_coop(grant: Grant | None) -> LocalActor | None:
    """The coop the token acts as, if any."""
    return grant.coop if grant else None
