"""WebFinger, host-meta and NodeInfo, with CORS for browser clients."""

from __future__ import annotations

from aiohttp import web

from hub import instance
from hub.activitypub.discovery import (
    JRD_JSON,
    NODEINFO_VERSIONS,
    BadResource,
    host_meta_json,
    host_meta_xml,
    nodeinfo_document,
    nodeinfo_links,
    parse_resource,
    webfinger_document,
)
from hub.actors.local import INSTANCE_USERNAME, find_actor
from hub.config import ConfigError, normalize_host
from hub.store.models import ActorKind
from web.keys import CACHE, DB, SETTINGS, URIS
from web.responses import dumps, error_body, fail, json_bytes

VERSION = "0.1.0"
NODEINFO_JSON = 'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{v}#"'


def routes() -> list[web.RouteDef]:
    """The discovery routes."""
    return [
        web.get("/.well-known/webfinger", webfinger),
        web.get("/.well-known/host-meta", host_meta),
        web.get("/.well-known/host-meta.json", host_meta_as_json),
        web.get("/.well-known/nodeinfo", nodeinfo_index),
        web.get("/nodeinfo/{version}", nodeinfo),
    ]


async def webfinger(request: web.Request) -> web.StreamResponse:
    """Resolve acct:name@host (any case) or an actor URL to the actor."""
    resource = request.query.get("resource")
    key = f"webfinger:{resource}"
    cached = request.app[CACHE].get(key)
    if cached is None:
        cached = await _webfinger_answer(request, resource)
        request.app[CACHE].put(key, *cached)
    return json_bytes(cached[1], JRD_JSON, status=cached[0])


async def _webfinger_answer(request: web.Request, resource: str | None) -> tuple[int, bytes]:
    try:
        query = parse_resource(resource)
    except BadResource as error:
        fail(400, str(error))
    settings, uris = request.app[SETTINGS], request.app[URIS]
    if _host(query.host) != _host(settings.domain):
        fail(404, "that resource is not on this server")
    if query.url is not None:
        username = _username_from_url(query.url, request)
    elif query.username == settings.hostname:
        username = INSTANCE_USERNAME  # Mastodon's convention: acct:host@host
    elif query.username == INSTANCE_USERNAME or query.username is None:
        fail(404, "no such account")
    else:
        username = query.username
    async with request.app[DB].read() as session:
        found = await find_actor(session, username)
    if found is None or found.deleted_at is not None:
        return 404, error_body("no such account")  # cached like a hit
    is_instance = found.kind == ActorKind.instance
    name = settings.hostname if is_instance else found.username
    actor_id = uris.instance_actor() if is_instance else uris.actor(found.username)
    return 200, dumps(webfinger_document(f"acct:{name}@{settings.domain}", actor_id, [actor_id]))


def _username_from_url(url: str, request: web.Request) -> str:
    uris = request.app[URIS]
    if url == uris.instance_actor():
        return INSTANCE_USERNAME
    prefix = uris.actor("")
    if not url.startswith(prefix) or "/" in url[len(prefix) :] or len(url) == len(prefix):
        fail(404, "no such account")
    return url[len(prefix) :].lower()


def _host(value: str) -> str:
    host, _, port = value.partition(":")
    try:
        return normalize_host(host) + (f":{port}" if port else "")
    except ConfigError:
        return ""


async def host_meta(request: web.Request) -> web.StreamResponse:
    """host-meta as XRD (for servers that still look here first)."""
    body = host_meta_xml(request.app[SETTINGS].base_url)
    return web.Response(text=body, content_type="application/xrd+xml")


async def host_meta_as_json(request: web.Request) -> web.StreamResponse:
    """host-meta as JRD."""
    body = dumps(host_meta_json(request.app[SETTINGS].base_url))
    return json_bytes(body, JRD_JSON)


async def nodeinfo_index(request: web.Request) -> web.StreamResponse:
    """Where the NodeInfo documents and the instance actor are."""
    uris = request.app[URIS]
    body = dumps(nodeinfo_links(uris.base, uris.instance_actor()))
    return json_bytes(body, "application/json")


async def nodeinfo(request: web.Request) -> web.StreamResponse:
    """NodeInfo 2.0 or 2.1 with real usage figures."""
    version = request.match_info["version"]
    if version not in NODEINFO_VERSIONS:
        fail(404, "NodeInfo is served in versions 2.0 and 2.1")
    settings = request.app[SETTINGS]
    async with request.app[DB].read() as session:
        usage = await instance.usage(session)
    metadata = {
        "nodeName": settings.network_name,
        "nodeDescription": "Ein Hub für das Netzwerk der Platform Coops.",
        "network": {"actor": request.app[URIS].actor(settings.network_username)},
    }
    document = nodeinfo_document(version, VERSION, usage, metadata)
    return json_bytes(dumps(document), NODEINFO_JSON.format(v=version))
