"""The manager page that edits the about page (network description, rules, managers, contact)."""

from __future__ import annotations

from aiohttp import web

from hub import site_texts
from hub.moderation import ModerationError
from web import csrf
from web.i18n import LANGUAGES
from web.keys import DB
from web.moderation_guard import done, error_line, manager, manager_form, notice
from web.network_pages import about_source
from web.responses import page


def routes() -> list[web.RouteDef]:
    """The about page's editor."""
    return [
        web.get("/moderation/about", editor),
        web.post("/moderation/about", save),
    ]


async def editor(request: web.Request) -> web.StreamResponse:
    """The about page's text in every language, ready to edit."""
    await manager(request)
    async with request.app[DB].read() as session:
        texts = {language: await about_source(session, language) for language in LANGUAGES}
    return _render(request, texts)


async def save(request: web.Request) -> web.StreamResponse:
    """Store the texts of every language together; none is stored if one is refused."""
    person, form = await manager_form(request)
    texts = {language: form.get(f"text_{language}", "") for language in LANGUAGES}
    try:
        async with request.app[DB].begin() as session:
            for language, body in texts.items():
                await site_texts.save_text(session, site_texts.ABOUT, language, body, person.email)
    except ModerationError as error:
        return _render(request, texts, error_line(error), 422)
    raise done("/moderation/about", "about")


def _render(
    request: web.Request, texts: dict[str, str], error: str | None = None, status: int = 200
) -> web.StreamResponse:
    context = {
        "nav": "about-edit",
        "texts": texts,
        "csrf": csrf.field(request),
        "notice": notice(request),
        "error": error,
    }
    return page("moderation/about.html", request, context, status=status)
