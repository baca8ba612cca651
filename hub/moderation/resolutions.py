"""What managers do with a report: dismiss, remove, limit, suspend, block the domain, forward."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hub import posts
from hub.activitypub.vocab import with_context
from hub.actors.local import instance_actor
from hub.delivery import enqueue
from hub.events.service import delete_event
from hub.events.validation import EventNotFound
from hub.moderation import ModerationError, accounts, audit, coops
from hub.moderation.domains import BlockDraft, block_domain
from hub.moderation.gate import bare_host
from hub.moderation.reports import get_report
from hub.store.models import LocalActor, Post, RemoteActor, RemoteNote, Report
from hub.store.types import utcnow
from hub.uris import Uris

ACTIONS = ("dismiss", "remove", "limit", "suspend", "block-domain")


async def resolve(
    session: AsyncSession, uris: Uris, report_id: int, action: str, moderator: str,
    reason: str = "", private: bool = False,
) -> Report:  # fmt: skip
    """Close an open report with one action, carried out and logged."""
    if action not in ACTIONS:
        raise ModerationError(f"the action must be one of {', '.join(ACTIONS)}")
    report = await get_report(session, report_id)
    if report.state != "open":
        raise ModerationError(f"report {report_id} is closed already ({report.state})")
    local, remote = await _accounts(session, report)
    if action == "remove":
        await _remove(session, uris, report, local)
    elif action in ("limit", "suspend") and local is not None:
        if action == "limit":
            await coops.limit(session, local.username, moderator, True, reason, private)
        else:
            await coops.suspend(session, uris, local.username, moderator, reason, private)
    elif action in ("limit", "suspend") and remote is not None:
        await accounts.moderate_actor(session, remote, action, moderator, reason)
    elif action == "block-domain":
        if remote is None:
            raise ModerationError("only a remote account's server can be blocked")
        draft = BlockDraft(bare_host(remote.uri), "suspend", private_comment=reason)
        await block_domain(session, draft, moderator)
    report.state = "dismissed" if action == "dismiss" else "resolved"
    report.outcome, report.closed_at = action, utcnow()
    await audit.record(session, moderator, f"report.{action}", f"report {report.id}",
                       reason, private=True, report_id=report.id)  # fmt: skip
    return report


async def forward(session: AsyncSession, uris: Uris, report_id: int, moderator: str) -> Report:
    """Send the report to the remote account's server as a Flag from our instance actor."""
    report = await get_report(session, report_id)
    _, remote = await _accounts(session, report)
    if remote is None:
        raise ModerationError("only reports about remote accounts can be forwarded")
    inbox = remote.shared_inbox_uri or remote.inbox_uri
    if inbox is None:
        raise ModerationError(f"{remote.uri} has no inbox")
    instance = await instance_actor(session)
    flag: dict[str, object] = {
        "id": f"{uris.base}/reports/{report.id}#flag",
        "type": "Flag",
        "actor": uris.instance_actor(),
        "content": report.comment,
        "object": [remote.uri, *report.status_uris],
        "to": [remote.uri],
    }
    await enqueue(session, instance, with_context(flag), [inbox])
    report.forwarded_at = utcnow()
    await audit.record(session, moderator, "report.forward", remote.uri, report_id=report.id)
    return report


async def _accounts(
    session: AsyncSession, report: Report
) -> tuple[LocalActor | None, RemoteActor | None]:
    local = await session.get(LocalActor, report.local_actor_id) if report.local_actor_id else None
    remote = (
        await session.get(RemoteActor, report.remote_actor_id) if report.remote_actor_id else None
    )
    if local is None and remote is None:
        raise ModerationError(f"the account of report {report.id} is gone")
    return local, remote


async def _remove(
    session: AsyncSession, uris: Uris, report: Report, local: LocalActor | None
) -> None:
    """Delete the reported statuses: ours with a federated Delete, remote ones here only."""
    if not report.status_uris:
        raise ModerationError(f"report {report.id} names no post to remove")
    if local is None:
        await session.execute(
            update(RemoteNote)
            .where(RemoteNote.uri.in_(report.status_uris), RemoteNote.deleted_at.is_(None))
            .values(deleted_at=utcnow())
        )
        return
    for uri in report.status_uris:
        if (ref := uris.post_id_of(uri)) is not None:
            live = select(Post.id).where(Post.id == ref[1], Post.deleted_at.is_(None))
            if (await session.execute(live)).first() is not None:
                await posts.delete(session, uris, local, ref[1])
        elif (ref := uris.event_id_of(uri)) is not None:
            try:
                await delete_event(session, uris, local, ref[1])
            except EventNotFound:  # deleted already: nothing left to remove
                continue
