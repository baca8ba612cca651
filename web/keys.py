"""Typed keys for what the app carries: settings, database, URI builder, caches."""

from __future__ import annotations

from aiohttp import web

from hub.config import Settings
from hub.federation import Federation
from hub.ratelimit import Limits
from hub.store.db import Database
from hub.uris import Uris
from web.cache import DocumentCache, FeedCache

SETTINGS = web.AppKey("settings", Settings)
DB = web.AppKey("db", Database)
URIS = web.AppKey("uris", Uris)
CACHE = web.AppKey("cache", DocumentCache)
FEEDS = web.AppKey("feeds", FeedCache)
FEDERATION = web.AppKey("federation", Federation)
LIMITS = web.AppKey("limits", Limits)
