"""Mastodon's admin API for managers: reports, domain blocks and domain allows."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from hub.moderation import ModerationError, domains, queue, reports, resolutions
from hub.moderation.domains import BlockDraft
from hub.moderation.queue import QueueFilter
from hub.oauth import Grant
from hub.statuses import REMOTE_ID_OFFSET, find_remote_account
from hub.store.models import DomainBlock, Person
from web.api import admin_entities as entities
from web.api.paging import cursor, link_header
from web.api.tokens import require
from web.keys import DB, FEDERATION, URIS
from web.params import flag, read_params, text
from web.responses import dumps, fail, json_bytes

NOT_ALLOWED = "This action is not allowed"
REPORTS = r"/api/v1/admin/reports/{id:\d+}"
BLOCKS = r"/api/v1/admin/domain_blocks/{id:\d+}"
ALLOWS = r"/api/v1/admin/domain_allows/{id:\d+}"
BLOCK_FIELDS = ("severity", "reject_media", "reject_reports", "private_comment",
                "public_comment", "obfuscate")  # fmt: skip


def routes() -> list[web.RouteDef]:
    """The admin routes (Mastodon.py asks for the lists with a trailing slash)."""
    lists = [
        (path, handler)
        for base, handler in (
            ("/api/v1/admin/reports", list_reports),
            ("/api/v1/admin/domain_blocks", list_blocks),
            ("/api/v1/admin/domain_allows", list_allows),
        )
        for path in (base, base + "/")
    ]
    creators = [("/api/v1/admin/domain_blocks", create_block),
                ("/api/v1/admin/domain_allows", create_allow)]  # fmt: skip
    return (
        [web.get(path, handler) for path, handler in lists]
        + [web.post(p, h) for base, h in creators for p in (base, base + "/")]
        + [
            web.get(REPORTS, show_report),
            web.post(REPORTS + "/{action:resolve|reopen|assign_to_self|unassign}", act_on_report),
            web.get(BLOCKS, show_block),
            web.put(BLOCKS, update_block),
            web.delete(BLOCKS, delete_block),
            web.get(ALLOWS, show_allow),
            web.delete(ALLOWS, delete_allow),
        ]
    )


async def manager(request: web.Request, scope: str) -> Person:
    """The manager behind the token: 401 without a valid token, 403 outside scope or role."""
    grant: Grant = await require(request, scope)
    if grant.person is None or not grant.person.is_manager:
        fail(403, NOT_ALLOWED)
    return grant.person


async def _refresh_gate(request: web.Request) -> None:
    """This process sees the change at once; others within the gate's few seconds."""
    await request.app[FEDERATION].gate.refresh(request.app[DB])


def _id(request: web.Request) -> int:
    raw = request.match_info["id"]
    if len(raw) > 18:
        fail(404, "Record not found")
    return int(raw)


def _answer(document: Any, headers: dict[str, str] | None = None) -> web.Response:
    return json_bytes(dumps(document), "application/json", headers=headers)


async def _report_entity(session: Any, request: web.Request, report: Any) -> Any:
    return entities.report(await queue.report_rows(session, report), request.app[URIS])


async def list_reports(request: web.Request) -> web.StreamResponse:
    """Open reports, or closed ones with `resolved=true`, newest first, paged by Link."""
    await manager(request, "admin:read:reports")
    page = cursor(request)
    async with request.app[DB].read() as session:
        wanted = await _queue_filter(session, request)
        found = await queue.page_reports(session, wanted, page)
        body = [await _report_entity(session, request, report) for report in found]
    return _answer(body, link_header(request, [report.id for report in found]))


async def _queue_filter(session: Any, request: web.Request) -> QueueFilter:
    query = request.query
    values: dict[str, Any] = {"resolved": flag(dict(query), "resolved")}
    for name in ("account_id", "target_account_id"):
        raw = query.get(name, "").strip()
        if not raw:
            continue
        if not raw.isdigit() or len(raw) > 18:
            fail(422, f"{name} must be a number")
        number = int(raw)
        if name == "target_account_id" and number <= REMOTE_ID_OFFSET:
            values["local_actor_id"] = number
        elif name == "target_account_id":
            values["remote_actor_id"] = number - REMOTE_ID_OFFSET
        else:
            reporter = await find_remote_account(session, number)
            values["reporter_uri"] = reporter.uri if reporter else "-"
    return QueueFilter(**values)


async def show_report(request: web.Request) -> web.StreamResponse:
    """One report."""
    await manager(request, "admin:read:reports")
    async with request.app[DB].read() as session:
        try:
            report = await reports.get_report(session, _id(request))
        except ModerationError:
            fail(404, "Record not found")
        return _answer(await _report_entity(session, request, report))


async def act_on_report(request: web.Request) -> web.StreamResponse:
    """Resolve (no further action), reopen, take or give back a report."""
    person = await manager(request, "admin:write:reports")
    action, report_id = request.match_info["action"], _id(request)
    async with request.app[DB].begin() as session:
        try:
            report = await reports.get_report(session, report_id)
        except ModerationError:
            fail(404, "Record not found")
        if action == "resolve" and report.state == "open":
            await resolutions.resolve(
                session, request.app[URIS], report_id, "dismiss", person.email
            )
        elif action == "reopen" and report.state != "open":
            await queue.reopen(session, report_id, person.email)
        elif action in ("assign_to_self", "unassign"):
            taker = person if action == "assign_to_self" else None
            await queue.assign(session, report_id, taker, person.email)
        return _answer(await _report_entity(session, request, report))


async def list_blocks(request: web.Request) -> web.StreamResponse:
    """Domain blocks, newest first, paged by Link."""
    await manager(request, "admin:read:domain_blocks")
    page = cursor(request)
    async with request.app[DB].read() as session:
        blocks = await domains.page_blocks(session, False, page)
    body = [entities.domain_block(block) for block in blocks]
    return _answer(body, link_header(request, [block.id for block in blocks]))


async def show_block(request: web.Request) -> web.StreamResponse:
    """One domain block."""
    await manager(request, "admin:read:domain_blocks")
    async with request.app[DB].read() as session:
        block = await _find(session, _id(request), allow=False)
    return _answer(entities.domain_block(block))


async def create_block(request: web.Request) -> web.StreamResponse:
    """Block a server (422 when it is blocked already: change a block with PUT)."""
    person = await manager(request, "admin:write:domain_blocks")
    params = await read_params(request)
    try:
        domain = domains.check_domain(text(params, "domain"))
    except ModerationError as error:
        fail(422, f"Validation failed: {error}")
    draft = _draft(domain, params, BlockDraft(domain))
    async with request.app[DB].begin() as session:
        if await domains.find_block_of(session, domain) is not None:
            fail(422, f"Validation failed: {domain} is blocked already")
        block = await _block(session, draft, person)
    await _refresh_gate(request)
    return _answer(entities.domain_block(block))


async def update_block(request: web.Request) -> web.StreamResponse:
    """Change a block's severity, flags or comments (the domain stays)."""
    person = await manager(request, "admin:write:domain_blocks")
    params = await read_params(request)
    async with request.app[DB].begin() as session:
        block = await _find(session, _id(request), allow=False)
        current = BlockDraft(block.domain, block.severity, block.reject_media,
                             block.reject_reports, block.public_comment, block.private_comment,
                             block.obfuscate)  # fmt: skip
        block = await _block(session, _draft(block.domain, params, current), person)
    await _refresh_gate(request)
    return _answer(entities.domain_block(block))


async def delete_block(request: web.Request) -> web.StreamResponse:
    """Lift a block."""
    person = await manager(request, "admin:write:domain_blocks")
    async with request.app[DB].begin() as session:
        block = await _find(session, _id(request), allow=False)
        await domains.unblock_domain(session, block.domain, person.email)
    await _refresh_gate(request)
    return _answer({})


def _draft(domain: str, params: dict[str, Any], current: BlockDraft) -> BlockDraft:
    """The block as asked: sent fields over the current ones."""
    values = dict(current.__dict__, domain=domain)
    for name in BLOCK_FIELDS:
        if name in params:
            values[name] = text(params, name) if name.endswith(("comment", "severity")) else (
                flag(params, name))  # fmt: skip
    return BlockDraft(**values)


async def _block(session: Any, draft: BlockDraft, person: Person) -> DomainBlock:
    try:
        return await domains.block_domain(session, draft, person.email)
    except ModerationError as error:
        fail(422, f"Validation failed: {error}")


async def _find(session: Any, block_id: int, allow: bool) -> DomainBlock:
    found = await domains.find_block(session, block_id, allow)
    if found is None:
        fail(404, "Record not found")
    return found


async def list_allows(request: web.Request) -> web.StreamResponse:
    """Allow-listed servers (used with HUB_FEDERATION_ALLOWLIST), newest first, paged."""
    await manager(request, "admin:read:domain_allows")
    page = cursor(request)
    async with request.app[DB].read() as session:
        allows = await domains.page_blocks(session, True, page)
    body = [entities.domain_allow(allow) for allow in allows]
    return _answer(body, link_header(request, [allow.id for allow in allows]))


async def show_allow(request: web.Request) -> web.StreamResponse:
    """One allow-listed server."""
    await manager(request, "admin:read:domain_allows")
    async with request.app[DB].read() as session:
        return _answer(entities.domain_allow(await _find(session, _id(request), allow=True)))


async def create_allow(request: web.Request) -> web.StreamResponse:
    """Allow a server to federate."""
    person = await manager(request, "admin:write:domain_allows")
    params = await read_params(request)
    try:
        domain = domains.check_domain(text(params, "domain"))
        async with request.app[DB].begin() as session:
            await domains.allow_domain(session, domain, person.email)
            allowed = await domains.find_allow(session, domain)
    except ModerationError as error:
        fail(422, f"Validation failed: {error}")
    await _refresh_gate(request)
    return _answer(entities.domain_allow(allowed))


async def delete_allow(request: web.Request) -> web.StreamResponse:
    """Take a server off the allow-list."""
    person = await manager(request, "admin:write:domain_allows")
    async with request.app[DB].begin() as session:
        allowed = await _find(session, _id(request), allow=True)
        await domains.allow_domain(session, allowed.domain, person.email, allow=False)
    await _refresh_gate(request)
    return _answer({})
