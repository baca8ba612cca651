"""The public report form for posts and profiles, and a coop owner's list of reports about it."""

from __future__ import annotations

from aiohttp import web

from hub import memberships
from hub.actors.local import find_actor
from hub.moderation import ModerationError
from hub.moderation.reports import ReportDraft, file_report, reports_about
from hub.moderation.snapshots import Targets, resolve_target
from hub.store.models import ActorKind, Role
from web import csrf, hub_messages
from web.auth import current_person, login_redirect
from web.clients import form_quota_spent
from web.i18n import N_, _, gettext
from web.keys import DB, URIS
from web.responses import fail, page

# Mastodon's report categories, so forwarded reports and admin apps speak the same language.
CATEGORIES = {
    "spam": N_("Spam"),
    "violation": N_("It breaks the network's rules"),
    "legal": N_("It is illegal"),
    "other": N_("Something else"),
}
STATES = {"open": N_("open"), "resolved": N_("resolved"), "dismissed": N_("dismissed")}
MAX_URI = 2048


def routes() -> list[web.RouteDef]:
    """The report form and the owners' report list."""
    return [
        web.get("/report", report_form),
        web.post("/report", report_submit),
        web.get("/report/thanks", thanks),
        web.get("/account/coops/{username}/reports", coop_reports),
    ]


async def report_form(request: web.Request) -> web.StreamResponse:
    """The form to report a post or a profile named by `?uri=`."""
    uri = request.query.get("uri", "").strip()[:MAX_URI]
    await _target(request, uri)
    return _render(request, {"uri": uri}, None)


async def report_submit(request: web.Request) -> web.StreamResponse:
    """File the report (rate-limited per address); the hub keeps a snapshot of the content."""
    form = await csrf.read_form(request)
    typed = {name: form.get(name, "").strip() for name in ("uri", "category", "comment", "email")}
    typed["name"] = form.get("name", "").strip()
    wait = form_quota_spent(request, "report")
    if wait is not None:
        message = _("Too many reports from your address; please try again later.")
        return _render(request, typed, message, 429, wait)
    if typed["category"] not in CATEGORIES:
        return _render(request, typed, _("Please choose what is wrong."), 422)
    name = typed["name"] or _("anonymous visitor")
    comment = f"[{typed['category']}] {typed['comment']}".strip()
    draft = ReportDraft(name, typed["uri"][:MAX_URI], comment, typed["email"] or None)
    try:
        async with request.app[DB].begin() as session:
            await file_report(session, request.app[URIS], draft)
    except ModerationError as error:
        return _render(request, typed, hub_messages.translate(str(error)), 422)
    raise web.HTTPSeeOther("/report/thanks")


async def thanks(request: web.Request) -> web.StreamResponse:
    """What happens with a report."""
    return page("report_done.html", request, {})


async def coop_reports(request: web.Request) -> web.StreamResponse:
    """Reports about one coop, read-only, for the coop's owners (who reported stays hidden)."""
    person = await current_person(request)
    if person is None:
        raise login_redirect(request)
    async with request.app[DB].read() as session:
        coop = await find_actor(session, request.match_info["username"])
        if coop is None or coop.kind != ActorKind.coop:
            fail(403, _("Only the coop's owners may see its reports."))
        role = await memberships.membership(session, person, coop)
        if role is None or role.role != Role.owner:
            fail(403, _("Only the coop's owners may see its reports."))
        reports = await reports_about(session, coop.id)
    context = {
        "coop": coop,
        "reports": [(item, gettext(STATES.get(item.state, item.state))) for item in reports],
    }
    return page("coop_reports.html", request, context, headers={"Cache-Control": "no-store"})


async def _target(request: web.Request, uri: str) -> Targets:
    async with request.app[DB].read() as session:
        found = await resolve_target(session, request.app[URIS], uri) if uri else Targets()
    if found.local is None and found.remote is None:
        fail(404, _("There is nothing to report at this address."))
    return found


def _render(
    request: web.Request,
    typed: dict[str, str],
    error: str | None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> web.StreamResponse:
    context = {
        "typed": typed,
        "error": error,
        "categories": [(key, gettext(label)) for key, label in CATEGORIES.items()],
        "csrf": csrf.field(request),
    }
    return page("report.html", request, context, status=status, headers=headers)
