"""The Mastodon client API (web/api/*): instance, accounts and statuses."""

from __future__ import annotations

from aiohttp import web

from web.api import accounts, instance, statuses


def routes() -> list[web.RouteDef]:
    """Every client API route."""
    return instance.routes() + accounts.routes() + statuses.routes()
