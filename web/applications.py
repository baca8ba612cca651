"""The public membership application form and its thank-you page."""

from __future__ import annotations

from aiohttp import web

from hub.moderation import ModerationError
from hub.moderation.applications import ApplicationDraft, submit
from web import csrf, hub_messages
from web.clients import form_quota_spent
from web.i18n import _
from web.keys import DB, SETTINGS
from web.responses import page

FIELDS = ("name", "username", "summary", "website", "legal_form", "sector", "region",
          "contact_name", "contact_email")  # fmt: skip


def routes() -> list[web.RouteDef]:
    """The application routes."""
    return [
        web.get("/apply", apply_form),
        web.post("/apply", apply_submit),
        web.get("/apply/thanks", thanks),
    ]


async def apply_form(request: web.Request) -> web.StreamResponse:
    """The empty application form."""
    return _render(request, {}, None)


async def apply_submit(request: web.Request) -> web.StreamResponse:
    """Store the application (rate-limited per address), then show the thank-you page."""
    form = await csrf.read_form(request)
    typed = {name: form.get(name, "") for name in FIELDS}
    wait = form_quota_spent(request, "apply")
    if wait is not None:
        message = _("Too many applications from your address; please try again later.")
        return _render(request, typed, message, 429, wait)
    draft = ApplicationDraft(**typed)
    try:
        async with request.app[DB].begin() as session:
            await submit(session, request.app[SETTINGS], draft)
    except ModerationError as error:
        return _render(request, typed, hub_messages.translate(str(error)), 422)
    raise web.HTTPSeeOther("/apply/thanks")


async def thanks(request: web.Request) -> web.StreamResponse:
    """What happens next after applying."""
    return page("apply_done.html", request, {})


def _render(
    request: web.Request,
    typed: dict[str, str],
    error: str | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    context = {"typed": typed, "error": error, "csrf": csrf.field(request)}
    return page("apply.html", request, context, status=status, headers=headers)
