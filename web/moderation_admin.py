"""Manager pages for servers, remote accounts and coops, and the audit log."""

from __future__ import annotations

from aiohttp import web

from hub.moderation import ModerationError, accounts, audit, coops
from hub.moderation import domains as domain_service
from hub.moderation.blocklists import export_csv, import_blocks, parse_csv
from hub.moderation.domains import BlockDraft
from web import csrf
from web.i18n import N_, gettext
from web.keys import CACHE, DB, SETTINGS, URIS
from web.moderation_guard import (
    checked,
    done,
    error_line,
    manager,
    manager_form,
    notice,
    refresh_gate,
)
from web.responses import fail, page

MAX_IMPORT = 1024 * 1024 - 4096  # below the app's body limit, room for the other fields
SEVERITIES = {
    "suspend": N_("Suspend: refuse everything from and to the server"),
    "silence": N_("Limit: keep its posts off the timeline and out of re-shares"),
    "noop": N_("No restriction (only reject media or reports)"),
}
ACCOUNT_ACTIONS = {
    "block": "suspend",
    "unblock": "unsuspend",
    "limit": "limit",
    "unlimit": "unlimit",
}
AUDIT_LIMIT = 200


def routes() -> list[web.RouteDef]:
    """Servers, remote accounts, coops and the audit log."""
    return [
        web.get("/moderation/domains", domains_page),
        web.post("/moderation/domains", add_block),
        web.post("/moderation/domains/remove", remove_block),
        web.post("/moderation/domains/allow", allow),
        web.post("/moderation/domains/disallow", allow),
        web.post("/moderation/domains/import", import_list),
        web.get("/moderation/domains/export.csv", export_list),
        web.get("/moderation/accounts", accounts_page),
        web.post("/moderation/accounts", act_on_account),
        web.get("/moderation/coops", coops_page),
        web.get("/moderation/coops/{username}", coop_page),
        web.post("/moderation/coops/{username}", act_on_coop),
        web.get("/moderation/audit", audit_page),
    ]


# Servers


async def domains_page(request: web.Request) -> web.StreamResponse:
    """Domain blocks, the allow-list and the blocklist import and export."""
    await manager(request)
    return await _render_domains(request)


async def add_block(request: web.Request) -> web.StreamResponse:
    """Add a domain block or change one."""
    person, form = await manager_form(request)
    draft = BlockDraft(
        domain=form.get("domain", ""),
        severity=form.get("severity", ""),
        reject_media=checked(form, "reject_media"),
        reject_reports=checked(form, "reject_reports"),
        public_comment=form.get("public_comment", "").strip(),
        private_comment=form.get("private_comment", "").strip(),
        obfuscate=checked(form, "obfuscate"),
    )
    try:
        async with request.app[DB].begin() as session:
            await domain_service.block_domain(session, draft, person.email)
    except ModerationError as error:
        return await _render_domains(request, error_line(error), 422, form)
    await refresh_gate(request)
    raise done("/moderation/domains", "blocked")


async def remove_block(request: web.Request) -> web.StreamResponse:
    """Lift a domain block."""
    person, form = await manager_form(request)
    try:
        async with request.app[DB].begin() as session:
            await domain_service.unblock_domain(
                session, form.get("domain", ""), person.email, form.get("reason", "")
            )
    except ModerationError as error:
        return await _render_domains(request, error_line(error), 422)
    await refresh_gate(request)
    raise done("/moderation/domains", "unblocked")


async def allow(request: web.Request) -> web.StreamResponse:
    """Put a server on the allow-list, or take it off."""
    person, form = await manager_form(request)
    allowing = request.path.endswith("/allow")
    try:
        async with request.app[DB].begin() as session:
            await domain_service.allow_domain(
                session, form.get("domain", ""), person.email, allowing
            )
    except ModerationError as error:
        return await _render_domains(request, error_line(error), 422)
    await refresh_gate(request)
    raise done("/moderation/domains", "allowed" if allowing else "disallowed")


async def import_list(request: web.Request) -> web.StreamResponse:
    """Import a blocklist in Mastodon's CSV format: every line checked, then applied whole."""
    person = await manager(request)
    if (request.content_length or 0) > MAX_IMPORT:
        fail(413, gettext("The blocklist is larger than 1 MiB."))
    csrf.check_origin(request)
    data = await request.post()
    csrf.check(request, {key: value for key, value in data.items() if isinstance(value, str)})
    upload = data.get("file")
    raw = upload.file.read() if isinstance(upload, web.FileField) else b""
    try:
        text = raw.decode("utf-8-sig") if raw else str(data.get("csv", ""))
    except UnicodeDecodeError:
        return await _render_domains(request, gettext("The file is not UTF-8 text."), 422)
    try:
        drafts = parse_csv(text)
        async with request.app[DB].begin() as session:
            await import_blocks(session, drafts, person.email)
    except ModerationError as error:
        return await _render_domains(request, error_line(error), 422)
    await refresh_gate(request)
    raise done("/moderation/domains", "imported")


async def export_list(request: web.Request) -> web.StreamResponse:
    """The blocks as a Mastodon CSV file (public comments only)."""
    await manager(request)
    async with request.app[DB].read() as session:
        blocks = await domain_service.list_blocks(session)
    headers = {"Content-Disposition": 'attachment; filename="domain_blocks.csv"'}
    return web.Response(text=export_csv(blocks), content_type="text/csv", headers=headers)


async def _render_domains(
    request: web.Request, error: str | None = None, status: int = 200,
    form: dict[str, str] | None = None,
) -> web.StreamResponse:  # fmt: skip
    async with request.app[DB].read() as session:
        blocks = await domain_service.list_blocks(session)
        allowed = await domain_service.list_blocks(session, allows=True)
    context = {
        "nav": "domains",
        "blocks": blocks,
        "allowed": allowed,
        "allowlist_mode": request.app[SETTINGS].federation_allowlist,
        "severities": {key: gettext(label) for key, label in SEVERITIES.items()},
        "form": form or {},
        "notice": None if error else notice(request),
        "error": error,
        "csrf": csrf.field(request),
    }
    return page("moderation/domains.html", request, context, status=status)


# Remote accounts


async def accounts_page(request: web.Request) -> web.StreamResponse:
    """Suspended and limited remote accounts, and the form to act on one."""
    await manager(request)
    return await _render_accounts(request)


async def act_on_account(request: web.Request) -> web.StreamResponse:
    """Block, unblock, limit or unlimit one remote account."""
    person, form = await manager_form(request)
    action = ACCOUNT_ACTIONS.get(form.get("action", ""))
    try:
        if action is None:
            raise ModerationError("the action must be one of block, unblock, limit, unlimit")
        async with request.app[DB].begin() as session:
            remote = await accounts.find_remote(session, form.get("target", ""))
            await accounts.moderate_actor(
                session, remote, action, person.email, form.get("reason", "")
            )
    except ModerationError as error:
        return await _render_accounts(request, error_line(error), 422)
    await refresh_gate(request)
    raise done("/moderation/accounts", "account")


async def _render_accounts(
    request: web.Request, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    async with request.app[DB].read() as session:
        moderated = await accounts.moderated_actors(session)
    context = {
        "nav": "accounts",
        "moderated": moderated,
        "notice": None if error else notice(request),
        "error": error,
        "csrf": csrf.field(request),
    }
    return page("moderation/accounts.html", request, context, status=status)


# Coops


async def coops_page(request: web.Request) -> web.StreamResponse:
    """Every coop with its standing."""
    await manager(request)
    async with request.app[DB].read() as session:
        found = await coops.list_coops(session)
    return page("moderation/coops.html", request, {"nav": "coops", "coops": found})


async def coop_page(request: web.Request) -> web.StreamResponse:
    """One coop: its standing, the measures taken, the form for the next one."""
    await manager(request)
    return await _render_coop(request, request.match_info["username"])


async def act_on_coop(request: web.Request) -> web.StreamResponse:
    """Suspend, unsuspend, limit or unlimit a coop."""
    person, form = await manager_form(request)
    username, action = request.match_info["username"], form.get("action", "")
    reason, private, uris = form.get("reason", ""), checked(form, "private"), request.app[URIS]
    try:
        async with request.app[DB].begin() as session:
            if action == "suspend":
                await coops.suspend(session, uris, username, person.email, reason, private)
            elif action == "unsuspend":
                await coops.unsuspend(session, uris, username, person.email, reason, private)
            elif action in ("limit", "unlimit"):
                limited = action == "limit"
                await coops.limit(session, username, person.email, limited, reason, private)
            else:
                raise ModerationError(
                    "the action must be one of suspend, unsuspend, limit, unlimit"
                )
    except ModerationError as error:
        return await _render_coop(request, username, error_line(error), 422)
    request.app[CACHE].clear()  # the actor answers 410 (or 200 again) here at once
    raise done(f"/moderation/coops/{username}", "coop")


async def _render_coop(
    request: web.Request, username: str, error: str | None = None, status: int = 200
) -> web.StreamResponse:
    async with request.app[DB].read() as session:
        try:
            coop = await coops.find_coop(session, username)
        except ModerationError:
            fail(404, gettext("There is no such coop."))
        history = await audit.actions_on(session, coop.username)
    context = {
        "nav": "coops",
        "coop": coop,
        "history": history,
        "notice": None if error else notice(request),
        "error": error,
        "csrf": csrf.field(request),
    }
    return page("moderation/coop.html", request, context, status=status)


# Audit log


async def audit_page(request: web.Request) -> web.StreamResponse:
    """The newest moderation actions: who, what, whom, when and why."""
    await manager(request)
    async with request.app[DB].read() as session:
        rows = await audit.list_actions(session, AUDIT_LIMIT)
    return page("moderation/audit.html", request, {"nav": "audit", "rows": rows})
