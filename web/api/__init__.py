"""The Mastodon client API (web/api/*): instance, accounts, statuses and timelines."""

from __future__ import annotations

from aiohttp import web

from web.api import accounts, conversation, instance, media, statuses, timelines


def routes() -> list[web.RouteDef]:
    """Every client API route."""
    return (
        instance.routes()
        + accounts.routes()
        + statuses.routes()
        + conversation.routes()
        + timelines.routes()
        + media.routes()
    )
