"""The report queue for managers: open and closed reports, one report with its snapshot, actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web

from hub.moderation import ModerationError
from hub.moderation.reports import accounts_of, get_report, list_reports
from hub.moderation.resolutions import ACTIONS, forward, resolve
from hub.store.models import LocalActor, RemoteActor, Report
from web import csrf
from web.i18n import N_, gettext
from web.keys import DB, URIS
from web.moderation_guard import checked, done, error_line, manager, manager_form, notice
from web.moderation_guard import refresh_gate as refresh
from web.responses import fail, page

STATES = ("open", "closed")
OUTCOMES = {
    "dismiss": N_("dismissed"),
    "remove": N_("post removed"),
    "limit": N_("author limited"),
    "suspend": N_("author suspended"),
    "block-domain": N_("server blocked"),
}


@dataclass(frozen=True)
class Account:
    """Who a report is about, for the page: a coop of ours or a remote account."""

    label: str
    url: str
    remote: bool


def routes() -> list[web.RouteDef]:
    """The report queue and its actions."""
    return [
        web.get("/moderation/reports", queue),
        web.get(r"/moderation/reports/{id:\d+}", report_page),
        web.post(r"/moderation/reports/{id:\d+}/resolve", resolve_report),
        web.post(r"/moderation/reports/{id:\d+}/forward", forward_report),
    ]


async def queue(request: web.Request) -> web.StreamResponse:
    """Open reports oldest first, or closed ones newest first."""
    await manager(request)
    state = request.query.get("state", "open")
    if state not in STATES:
        state = "open"
    async with request.app[DB].read() as session:
        if state == "open":
            reports = list(await list_reports(session, "open"))
        else:
            reports = [r for r in await list_reports(session, None) if r.state != "open"][::-1]
        rows = [(r, _account(r, *await accounts_of(session, r))) for r in reports]
    context = {"nav": "reports", "state": state, "rows": rows, "outcomes": _outcomes()}
    return page("moderation/reports.html", request, context)


async def report_page(request: web.Request) -> web.StreamResponse:
    """One report: who reported whom and why, the reported content as it was, the actions."""
    await manager(request)
    return await _render(request, int(request.match_info["id"]))


async def resolve_report(request: web.Request) -> web.StreamResponse:
    """Close a report with one action, and forward it when asked."""
    person, form = await manager_form(request)
    report_id, action = int(request.match_info["id"]), form.get("action", "")
    uris = request.app[URIS]
    try:
        async with request.app[DB].begin() as session:
            await resolve(session, uris, report_id, action, person.email,
                          form.get("reason", ""), checked(form, "private"))  # fmt: skip
            if checked(form, "forward"):
                await forward(session, uris, report_id, person.email)
    except ModerationError as error:
        return await _render(request, report_id, error_line(error), 422)
    await refresh(request)
    raise done(f"/moderation/reports/{report_id}", "dismiss" if action == "dismiss" else "resolved")


async def forward_report(request: web.Request) -> web.StreamResponse:
    """Send the report to the remote account's server without closing it."""
    person, _form = await manager_form(request)
    report_id = int(request.match_info["id"])
    try:
        async with request.app[DB].begin() as session:
            await forward(session, request.app[URIS], report_id, person.email)
    except ModerationError as error:
        return await _render(request, report_id, error_line(error), 422)
    raise done(f"/moderation/reports/{report_id}", "forwarded")


async def _render(
    request: web.Request, report_id: int, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    async with request.app[DB].read() as session:
        try:
            report = await get_report(session, report_id)
        except ModerationError:
            fail(404, gettext("There is no such report."))
        account = _account(report, *await accounts_of(session, report))
    context = {
        "nav": "reports",
        "report": report,
        "snapshot": [(item, _when(item.get("published"))) for item in report.snapshot],
        "account": account,
        "actions": _actions(report, account),
        "outcomes": _outcomes(),
        "notice": None if error else notice(request),
        "error": error,
        "csrf": csrf.field(request),
    }
    return page("moderation/report.html", request, context, status=status)


def _account(report: Report, local: LocalActor | None, remote: RemoteActor | None) -> Account:
    if local is not None:
        return Account(f"@{local.username}", report.target_uri, remote=False)
    if remote is not None:
        return Account(f"@{remote.username}@{remote.domain}", remote.uri, remote=True)
    return Account(report.target_uri, report.target_uri, remote=False)


def _actions(report: Report, account: Account) -> list[tuple[str, str]]:
    """The buttons that make sense for this report, with their labels."""
    labels = {
        "dismiss": gettext("Dismiss"),
        "remove": gettext("Remove the reported posts"),
        "limit": gettext("Limit the author"),
        "suspend": gettext("Suspend the author"),
        "block-domain": gettext("Block the author's server"),
    }
    shown = [a for a in ACTIONS if a != "remove" or report.status_uris]
    return [(a, labels[a]) for a in shown if a != "block-domain" or account.remote]


def _when(published: object) -> datetime | None:
    """The snapshot's publication time (stored as ISO text), if it reads as one."""
    try:
        return datetime.fromisoformat(str(published)) if published else None
    except ValueError:
        return None


def _outcomes() -> dict[str, str]:
    return {key: gettext(label) for key, label in OUTCOMES.items()}
