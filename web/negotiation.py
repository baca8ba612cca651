"""Content negotiation: ActivityPub JSON or HTML at the same URL."""

from __future__ import annotations

from functools import lru_cache

from aiohttp import web

from hub.activitypub.vocab import ACTIVITY_JSON, LD_JSON_AS

AS_PROFILE = "https://www.w3.org/ns/activitystreams"


def wants_activitypub(request: web.Request) -> bool:
    """True when the client prefers ActivityPub JSON over HTML (Accept with q-values)."""
    return _prefers_json(request.headers.get("Accept", ""))


@lru_cache(maxsize=256)
def _prefers_json(accept: str) -> bool:
    if "json" not in accept:
        return False
    best_json = best_html = -1.0
    for media_type, quality in parse_quality_list(accept):
        if media_type in {"application/activity+json", "application/json", "application/ld+json"}:
            best_json = max(best_json, quality)
        elif media_type in {"text/html", "application/xhtml+xml", "text/*", "*/*"}:
            # A bare wildcard counts for HTML only at a lower rank than an explicit type.
            best_html = max(best_html, quality - (0.001 if "*" in media_type else 0))
    return best_json > 0 and best_json >= best_html


def activitypub_content_type(request: web.Request) -> str:
    """Answer in ld+json with the AS profile when the client asked only for that."""
    accept = request.headers.get("Accept", "")
    if "application/activity+json" not in accept and "application/ld+json" in accept:
        return LD_JSON_AS
    return ACTIVITY_JSON


def parse_quality_list(header: str) -> list[tuple[str, float]]:
    """Values of an Accept-style header with their q-values, lowercased."""
    parsed = []
    for part in header.split(","):
        pieces = [piece.strip() for piece in part.split(";")]
        media_type = pieces[0].lower()
        params = {}
        for piece in pieces[1:]:
            key, _, value = piece.partition("=")
            params[key.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.pop("q", "1"))
        except ValueError:
            quality = 0.0
        if media_type:
            parsed.append((media_type, quality))
    return parsed
