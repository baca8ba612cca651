"""Manager pages for membership applications: the queue, approve, decline with a reason."""

from __future__ import annotations

from aiohttp import web

from hub.moderation import ModerationError, applications
from web import csrf
from web.keys import DB, SETTINGS
from web.moderation_guard import done, error_line, manager, manager_form, notice
from web.responses import page


def routes() -> list[web.RouteDef]:
    """The application queue and the decision on one application."""
    return [
        web.get("/moderation/applications", applications_page),
        web.post(r"/moderation/applications/{id:\d{1,18}}", decide),
    ]


async def applications_page(request: web.Request) -> web.StreamResponse:
    """Pending applications, oldest first, each with its decision form; decided ones below."""
    await manager(request)
    return await _render(request)


async def decide(request: web.Request) -> web.StreamResponse:
    """Approve (the coop is created, its owner mailed a link) or decline with a reason."""
    person, form = await manager_form(request)
    number, action, reason = (
        int(request.match_info["id"]),
        form.get("action", ""),
        form.get("reason", "").strip(),
    )
    try:
        async with request.app[DB].begin() as session:
            if action == "approve":
                settings = request.app[SETTINGS]
                await applications.approve(session, settings, number, person.email, reason)
            elif action == "decline":
                await applications.decline(session, number, person.email, reason)
            else:
                raise ModerationError("the action must be one of approve, decline")
    except ModerationError as error:
        return await _render(request, error_line(error), 422)
    raise done("/moderation/applications", "approved" if action == "approve" else "declined")


async def _render(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    async with request.app[DB].read() as session:
        pending = await applications.list_applications(session)
        decided = [a for a in await applications.list_applications(session, None)
                   if a.state != "pending"]  # fmt: skip
    context = {
        "nav": "applications",
        "pending": pending,
        "decided": decided[-50:][::-1],
        "csrf": csrf.field(request),
        "notice": notice(request),
        "error": error,
    }
    return page("moderation/applications.html", request, context, status=status)
