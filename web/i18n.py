"""Languages of the pages: German first, English second, chosen per request (gettext catalogues).

The .po catalogues under web/translations are compiled in memory on first use, so a fresh clone
needs no build step; `make messages` re-extracts the strings after templates change.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from web.keys import SETTINGS
from web.negotiation import parse_quality_list

LANGUAGES = ("de", "en")
DEFAULT = "de"
COOKIE = "lang"
QUERY = "lang"
ONE_YEAR = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).parent / "translations"
DISPLAY_ZONE = ZoneInfo("Europe/Berlin")
_current: ContextVar[str] = ContextVar("language", default=DEFAULT)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> Translations:
    """The compiled catalogue of one language."""
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def current() -> str:
    """The language of the page being rendered."""
    return _current.get()


def gettext(message: str) -> str:
    """Translate a message into the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """Translate a message with a count into the current language."""
    return translations(current()).ngettext(singular, plural, count)


_ = gettext


def N_(message: str) -> str:
    """Mark a message for the catalogues; it is translated later, where it is shown."""
    return message


def choose(query: str | None, cookie: str | None, accept_language: str) -> str:
    """The language asked for by the switch, else the cookie, else Accept-Language, else German."""
    for explicit in (query, cookie):
        if explicit in LANGUAGES:
            return str(explicit)
    ranked = sorted(parse_quality_list(accept_language), key=lambda item: -item[1])
    for tag, quality in ranked:
        primary = tag.split("-")[0]
        if quality > 0 and primary in LANGUAGES:
            return primary
    return DEFAULT


@web.middleware
async def language(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Pick the language for this request; remember an explicit switch in a cookie."""
    if request.path.startswith("/api/") or (
        request.method == "POST" and request.path.endswith("/inbox")
    ):
        return await handler(request)  # the client API and the inbox answer JSON, in no language
    asked = request.query.get(QUERY)
    chosen = choose(asked, request.cookies.get(COOKIE), request.headers.get("Accept-Language", ""))
    token = _current.set(chosen)
    try:
        response = await handler(request)
    finally:
        _current.reset(token)
    if response.headers.get("Content-Type", "").startswith("text/html"):
        response.headers.add("Vary", "Accept-Language, Cookie")
        response.headers.setdefault("Content-Language", chosen)
    if asked in LANGUAGES and not response.prepared:
        response.set_cookie(
            COOKIE,
            chosen,
            max_age=ONE_YEAR,
            path="/",
            samesite="Lax",
            httponly=True,
            secure=request.app[SETTINGS].scheme == "https",
        )
    return response


def local_time(moment: datetime) -> str:
    """A moment as people of the current language write it, in the network's time zone."""
    return _formatted(moment, current())


@lru_cache(maxsize=4096)  # a timeline page shows the same moments to every visitor
def _formatted(moment: datetime, language: str) -> str:
    day = format_date(moment.astimezone(DISPLAY_ZONE), "medium", locale=language)
    return f"{day}, {format_time(moment, 'short', tzinfo=DISPLAY_ZONE, locale=language)}"


def install(env: jinja2.Environment) -> None:
    """Give the templates gettext, the language, and a date filter."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["current_language"] = current
    env.filters["local_time"] = local_time
