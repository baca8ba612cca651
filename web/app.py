"""The aiohttp application factory."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from hub.federation import Federation
from hub.ratelimit import Limits
from web import (
    api,
    applications,
    auth,
    coop_pages,
    csrf,
    dashboards,
    discovery,
    events,
    federation,
    feeds,
    hub_messages,
    i18n,
    inbox,
    live,
    moderation,
    network_pages,
    oauth,
    organiser,
    pages,
    profile_pages,
    reports,
    rsvp,
)
from web.api.counting import COUNTING
from web.cache import DocumentCache, FeedCache
from web.grantcache import GRANTS, GrantCache
from web.keys import CACHE, DB, FEDERATION, FEEDS, LIMITS, SETTINGS, URIS
from web.negotiation import wants_activitypub
from web.pagecache import PAGES, PageCache, drop_after_writes
from web.responses import CORS, HttpError, error_body, page
from web.singleflight import SingleFlight

HERE = Path(__file__).parent
MAX_BODY = 1024 * 1024
COLLECTIONS = ("/followers", "/following", "/outbox", "/featured", "/activity", "/inbox")
CORS_PREFIXES = ("/.well-known/", "/nodeinfo/")
JSON_PREFIXES = (
    "/.well-known/",
    "/nodeinfo/",
    "/actor",
    "/api/",
    "/inbox",
    "/oauth/token",
    "/oauth/revoke",
)
CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; frame-ancestors 'none'"
log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def create_app(context: Federation, cache: DocumentCache | None = None) -> web.Application:
    """Build the app: routes, templates, error handling and security headers."""
    # The language is chosen outermost, so error pages come in the visitor's language too.
    app = web.Application(
        middlewares=[i18n.language, errors_and_headers, csrf.middleware, drop_after_writes],
        client_max_size=MAX_BODY,
    )
    app[SETTINGS] = context.settings
    app[DB] = context.db
    app[URIS] = context.uris
    app[FEDERATION] = context
    app[CACHE] = cache or DocumentCache()
    app[FEEDS] = FeedCache()
    app[LIMITS] = Limits()
    app[PAGES] = PageCache()
    app[GRANTS] = GrantCache()
    app[COUNTING] = SingleFlight()
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=jinja2.select_autoescape(default=True),
    )
    env.globals["static"] = lambda name: f"/static/{name}"
    env.globals["actor_url"] = context.uris.actor
    env.globals["note_url"] = context.uris.note
    env.globals["domain"] = context.settings.domain
    i18n.install(env)
    app.router.add_routes(discovery.routes())
    app.router.add_routes(federation.routes())
    app.router.add_routes(pages.routes())
    app.router.add_routes(events.routes())
    app.router.add_routes(network_pages.routes())
    app.router.add_routes(profile_pages.routes())
    app.router.add_routes(feeds.routes())
    live.setup(app)
    app.router.add_routes(rsvp.routes())
    app.router.add_routes(organiser.routes())
    app.router.add_routes(inbox.routes())
    app.router.add_routes(auth.routes())
    app.router.add_routes(coop_pages.routes())
    app.router.add_routes(oauth.routes())
    app.router.add_routes(api.routes())
    app.router.add_routes(moderation.routes())
    app.router.add_routes(applications.routes())
    app.router.add_routes(reports.routes())
    app.router.add_routes(dashboards.routes())
    app.router.add_static("/static", HERE / "static", append_version=True)
    return app


@web.middleware
async def errors_and_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into one readable line with the right status; add safety headers."""
    try:
        response = await handler(request)
    except HttpError as error:
        response = _error_response(request, error.status, error.message, error.headers)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        response = _error_response(request, error.status, error.reason, dict(error.headers))
    except Exception:
        log.exception("unexpected error on %s %s", request.method, request.path)
        response = _error_response(request, 500, "internal error; it was logged", {})
    _add_headers(request, response)
    return response


def _error_response(
    request: web.Request, status: int, message: str, headers: dict[str, str]
) -> web.StreamResponse:
    headers = {
        k: v for k, v in headers.items() if k.lower() not in {"content-type", "content-length"}
    }
    if (
        request.path.startswith(JSON_PREFIXES)
        or _collection_path(request)
        or wants_activitypub(request)
    ):
        response = web.Response(body=error_body(message), status=status, headers=headers)
        response.content_type = "application/json"
        return response
    context = {"status": status, "message": hub_messages.translate(message)}
    return page("error.html", request, context, status=status, headers=headers)


def _collection_path(request: web.Request) -> bool:
    return request.path.startswith("/users/") and request.path.endswith(COLLECTIONS)


def _add_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.path.startswith(CORS_PREFIXES):
        response.headers.update(CORS)
    if response.headers.get("Content-Type", "").startswith("text/html"):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
