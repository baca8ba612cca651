"""The Mastodon client API (web/api/*): instance, accounts, statuses and timelines."""

from __future__ import annotations

from aiohttp import web

from web.api import (
    accounts,
    admin,
    conversation,
    events,
    instance,
    interactions,
    markers,
    media,
    notifications,
    scheduled,
    social,
    statuses,
    timelines,
)


def routes() -> list[web.RouteDef]:
    """Every client API route."""
    return (
        instance.routes()
        + accounts.routes()
        + statuses.routes()
        + conversation.routes()
        + interactions.routes()
        + timelines.routes()
        + media.routes()
        + scheduled.routes()
        + notifications.routes()
        + social.routes()
        + markers.routes()
        + admin.routes()
        + events.routes()
    )
