"""GET /api/v1/instance and /api/v2/instance (with or without a trailing slash)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub import images, instance
from hub.media import MAX_ATTACHMENTS, MAX_DESCRIPTION
from hub.posts import MAX_CHARACTERS
from web.discovery import VERSION
from web.keys import DB, SETTINGS, URIS
from web.responses import dumps, json_bytes

DESCRIPTION = "Ein Hub für das Netzwerk der Platform Coops."
LANGUAGES = ["de", "en"]


def routes() -> list[web.RouteDef]:
    """Both instance versions, each with and without the trailing slash."""
    return [
        web.get("/api/v1/instance", instance_v1),
        web.get("/api/v1/instance/", instance_v1),
        web.get("/api/v2/instance", instance_v2),
        web.get("/api/v2/instance/", instance_v2),
    ]


def _version() -> str:
    # Apps gate features on a Mastodon version; say which API we follow, then who we are.
    return f"4.3.0 (compatible; Coophub {VERSION})"


def _configuration() -> dict[str, Any]:
    return {
        "accounts": {"max_featured_tags": 0, "max_pinned_statuses": 5},
        "statuses": {
            "max_characters": MAX_CHARACTERS,
            "max_media_attachments": MAX_ATTACHMENTS,
            "characters_reserved_per_url": 23,
        },
        "media_attachments": {
            "supported_mime_types": images.ACCEPTED_TYPES,
            "image_size_limit": images.MAX_BYTES,
            "image_matrix_limit": images.MAX_PIXELS,
            "description_limit": MAX_DESCRIPTION,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0,
        },
        "polls": {
            "max_options": 0,
            "max_characters_per_option": 0,
            "min_expiration": 300,
            "max_expiration": 300,
        },
        "translation": {"enabled": False},
    }


async def instance_v1(request: web.Request) -> web.StreamResponse:
    """The v1 Instance entity."""
    settings, uris = request.app[SETTINGS], request.app[URIS]
    async with request.app[DB].read() as session:
        usage = await instance.usage(session)
    body = {
        "uri": settings.domain,
        "title": settings.network_name,
        "short_description": DESCRIPTION,
        "description": DESCRIPTION,
        "email": "",
        "version": _version(),
        "urls": {},
        "stats": {
            "user_count": usage.users_total,
            "status_count": usage.local_posts,
            "domain_count": 0,
        },
        "thumbnail": None,
        "languages": LANGUAGES,
        "registrations": False,
        "approval_required": True,
        "invites_enabled": False,
        "configuration": _configuration(),
        "contact_account": None,
        "rules": [],
        "api_versions": {"mastodon": 1},
        "domain": settings.domain,
        "source_url": uris.base,
    }
    return json_bytes(dumps(body), "application/json")


async def instance_v2(request: web.Request) -> web.StreamResponse:
    """The v2 Instance entity."""
    settings = request.app[SETTINGS]
    async with request.app[DB].read() as session:
        usage = await instance.usage(session)
    body = {
        "domain": settings.domain,
        "uri": settings.domain,
        "title": settings.network_name,
        "version": _version(),
        "source_url": request.app[URIS].base,
        "description": DESCRIPTION,
        "usage": {"users": {"active_month": usage.active_month}},
        "thumbnail": {"url": request.app[URIS].actor_urls(settings.network_username).icon},
        "icon": [],
        "languages": LANGUAGES,
        "configuration": {"urls": {}, **_configuration()},
        "registrations": {"enabled": False, "approval_required": True, "message": None},
        "api_versions": {"mastodon": 1},
        "contact": {"email": "", "account": None},
        "rules": [],
    }
    return json_bytes(dumps(body), "application/json")
