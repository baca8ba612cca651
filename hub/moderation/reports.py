"""Reports: incoming `Flag`s (Mastodon's shape), reports from people on our site, the queue."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.readers import ids, text
from hub.moderation import ModerationError
from hub.moderation.policy import rejects_reports
from hub.moderation.snapshots import local_account, local_status, resolve_target
from hub.store.models import LocalActor, RemoteActor, Report
from hub.uris import Uris

MAX_COMMENT = 5000  # Mastodon's limit
MAX_OBJECTS = 100
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}")


@dataclass(frozen=True)
class ReportDraft:
    """A report from someone on our site: who, how to reach them (optional), what and why."""

    name: str
    target: str
    comment: str = ""
    email: str | None = None


async def on_flag(session: AsyncSession, uris: Uris, activity: dict[str, Any]) -> str:
    """Store a remote server's report about one of our actors and its own statuses (O19)."""
    if await rejects_reports(session, activity["actor"]):
        return "ignored: reports from this server are rejected"
    objects = ids(activity.get("object"), MAX_OBJECTS)
    target = None
    for uri in objects:
        if (target := await local_account(session, uris, uri)) is not None:
            break
    if target is None:
        return "ignored: the Flag names none of our actors"
    known = select(Report.id).where(Report.activity_uri == activity["id"])
    if (await session.execute(known)).first() is not None:
        return "ignored: this report is stored already"
    snapshot = [s for uri in objects if (s := await local_status(session, uris, uri, target))]
    session.add(
        Report(
            activity_uri=activity["id"],
            reporter_uri=activity["actor"],
            comment=(text(activity.get("content"), MAX_COMMENT * 4) or "")[:MAX_COMMENT],
            target_uri=uris.actor(target.username),
            local_actor_id=target.id,
            status_uris=[item["uri"] for item in snapshot],
            snapshot=snapshot,
            state="open",
        )
    )
    return f"report about {target.username} stored with {len(snapshot)} statuses"


def check_report(draft: ReportDraft) -> ReportDraft:
    """The draft trimmed, or ModerationError naming what is wrong."""
    name, comment = draft.name.strip(), draft.comment.strip()
    email = (draft.email or "").strip() or None
    if not 1 <= len(name) <= 200:
        raise ModerationError("a report needs a name of at most 200 characters")
    if len(comment) > MAX_COMMENT:
        raise ModerationError(f"the comment may have at most {MAX_COMMENT} characters")
    if email is not None and (len(email) > 320 or not _EMAIL.fullmatch(email)):
        raise ModerationError(f"{email!r} is not an email address")
    return ReportDraft(name, draft.target.strip(), comment, email)


async def file_report(session: AsyncSession, uris: Uris, draft: ReportDraft) -> Report:
    """Store a report from someone on our site about a coop, a post or a remote account."""
    draft = check_report(draft)
    found = await resolve_target(session, uris, draft.target)
    if found.local is None and found.remote is None:
        raise ModerationError(f"{draft.target!r} is nothing this hub knows to report")
    target_uri = uris.actor(found.local.username) if found.local else found.remote.uri  # type: ignore[union-attr]
    report = Report(
        reporter_name=draft.name,
        reporter_email=draft.email,
        comment=draft.comment,
        target_uri=target_uri,
        local_actor_id=found.local.id if found.local else None,
        remote_actor_id=found.remote.id if found.remote else None,
        status_uris=found.status_uris,
        snapshot=found.snapshot,
        state="open",
    )
    session.add(report)
    await session.flush()
    return report


async def list_reports(session: AsyncSession, state: str | None = "open") -> Sequence[Report]:
    """Reports in one state (all when None), oldest first: the queue."""
    query = select(Report).order_by(Report.id)
    if state is not None:
        query = query.where(Report.state == state)
    return (await session.execute(query)).scalars().all()


async def reports_about(session: AsyncSession, local_actor_id: int) -> Sequence[Report]:
    """Reports about one coop, for its own people."""
    query = select(Report).where(Report.local_actor_id == local_actor_id).order_by(Report.id)
    return (await session.execute(query)).scalars().all()


async def get_report(session: AsyncSession, report_id: int) -> Report:
    """A report by id, or ModerationError."""
    report = await session.get(Report, report_id)
    if report is None:
        raise ModerationError(f"no report with the id {report_id}")
    return report


async def accounts_of(
    session: AsyncSession, report: Report
) -> tuple[LocalActor | None, RemoteActor | None]:
    """The reported account: our coop or a remote actor (None for one that is gone)."""
    local = await session.get(LocalActor, report.local_actor_id) if report.local_actor_id else None
    remote = (
        await session.get(RemoteActor, report.remote_actor_id) if report.remote_actor_id else None
    )
    return local, remote
