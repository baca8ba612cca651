"""Accounts: verify_credentials, one account, lookup, and an account's statuses."""

from __future__ import annotations

from aiohttp import web

from hub import statuses
from hub.actors.local import find_actor
from hub.statuses import Cursor
from hub.store.models import ActorKind
from web.api import counting, entities, remote
from web.api.paging import cursor, link_header
from web.api.tokens import optional_grant, require_coop
from web.keys import DB, URIS
from web.responses import dumps, fail, json_bytes

NOT_FOUND = "Record not found"


def routes() -> list[web.RouteDef]:
    """The account routes."""
    return [
        web.get("/api/v1/accounts/verify_credentials", verify_credentials),
        web.get("/api/v1/accounts/lookup", lookup),
        web.get(r"/api/v1/accounts/{id:\d+}", get_account),
        web.get(r"/api/v1/accounts/{id:\d+}/statuses", account_statuses),
    ]


async def verify_credentials(request: web.Request) -> web.StreamResponse:
    """The coop the token acts as, with its source."""
    grant = await require_coop(request, "read:accounts")
    assert grant.coop is not None
    async with request.app[DB].read() as session:
        counts = await counting.counts(request, session, grant.coop)
    body = entities.credential_account(grant.coop, request.app[URIS], counts)
    return json_bytes(dumps(body), "application/json")


async def get_account(request: web.Request) -> web.StreamResponse:
    """One account by id."""
    account_id = _id(request.match_info["id"])
    async with request.app[DB].read() as session:
        other = await statuses.find_remote_account(session, account_id)
        if other is not None:
            return json_bytes(dumps(remote.remote_account(other)), "application/json")
        actor = await statuses.find_account(session, account_id)
        if actor is None:
            fail(404, NOT_FOUND)
        counts = await counting.counts(request, session, actor)
    return json_bytes(dumps(entities.account(actor, request.app[URIS], counts)), "application/json")


async def lookup(request: web.Request) -> web.StreamResponse:
    """An account by its handle (`name`, `name@our.domain`, with or without @)."""
    acct = request.query.get("acct", "").strip().lstrip("@").lower()
    username, _, domain = acct.partition("@")
    uris = request.app[URIS]
    if not username or (domain and domain != uris.domain.lower()):
        fail(404, NOT_FOUND)
    async with request.app[DB].read() as session:
        actor = await find_actor(session, username)
        if actor is None or actor.deleted_at is not None or actor.kind == ActorKind.instance:
            fail(404, NOT_FOUND)
        counts = await counting.counts(request, session, actor)
    return json_bytes(dumps(entities.account(actor, uris, counts)), "application/json")


async def account_statuses(request: web.Request) -> web.StreamResponse:
    """An account's statuses, newest first, with Link-header paging."""
    grant = await optional_grant(request)
    paging: Cursor = cursor(request)
    uris = request.app[URIS]
    async with request.app[DB].read() as session:
        actor = await statuses.find_account(session, _id(request.match_info["id"]))
        if actor is None:
            fail(404, NOT_FOUND)
        viewer = grant.coop if grant else None
        posts = await statuses.statuses_of(session, actor, viewer, paging)
        author = entities.account(actor, uris, await counting.counts(request, session, actor))
    body = [entities.status(post, author, uris) for post in posts]
    headers = link_header(request, [post.id for post in posts])
    return json_bytes(dumps(body), "application/json", headers=headers)


def _id(raw: str) -> int:
    value = int(raw)
    if value > 2**62:
        fail(404, NOT_FOUND)
    return value
