"""The report queue as admin apps page it: filters, keyset pages, reopening and assignment."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.moderation import ModerationError, audit
from hub.moderation.paging import keyset
from hub.moderation.reports import get_report
from hub.statuses import Counts, Cursor, counts
from hub.store.models import LocalActor, Person, RemoteActor, RemoteNote, Report


@dataclass(frozen=True)
class QueueFilter:
    """Which reports to list: open or closed ones, about or from an account."""

    resolved: bool = False
    local_actor_id: int | None = None
    remote_actor_id: int | None = None
    reporter_uri: str | None = None


async def page_reports(session: AsyncSession, wanted: QueueFilter, cursor: Cursor) -> list[Report]:
    """One page of reports, newest first, by Mastodon's max_id/since_id/min_id cursor."""
    query = select(Report).where(
        Report.state != "open" if wanted.resolved else Report.state == "open"
    )
    if wanted.local_actor_id is not None:
        query = query.where(Report.local_actor_id == wanted.local_actor_id)
    if wanted.remote_actor_id is not None:
        query = query.where(Report.remote_actor_id == wanted.remote_actor_id)
    if wanted.reporter_uri is not None:
        query = query.where(Report.reporter_uri == wanted.reporter_uri)
    return list(await keyset(session, query, Report.id, cursor))


async def reopen(session: AsyncSession, report_id: int, moderator: str) -> Report:
    """Put a closed report back into the queue (what was done stays done)."""
    report = await get_report(session, report_id)
    if report.state == "open":
        raise ModerationError(f"report {report_id} is open already")
    report.state, report.outcome, report.closed_at = "open", None, None
    await audit.record(session, moderator, "report.reopen", f"report {report.id}",
                       private=True, report_id=report.id)  # fmt: skip
    return report


async def assign(
    session: AsyncSession, report_id: int, person: Person | None, moderator: str
) -> Report:
    """Let a manager take a report (or give it back with None)."""
    report = await get_report(session, report_id)
    report.assigned_person_id = person.id if person else None
    action = "report.assign" if person else "report.unassign"
    await audit.record(session, moderator, action, f"report {report.id}",
                       private=True, report_id=report.id)  # fmt: skip
    return report


@dataclass(frozen=True)
class ReportRows:
    """What an admin app is shown with a report: the accounts involved and the status ids."""

    report: Report
    local: LocalActor | None
    local_counts: Counts | None
    remote: RemoteActor | None
    reporter: RemoteActor | None
    assignee: Person | None
    note_ids: dict[str, int]


async def report_rows(session: AsyncSession, report: Report) -> ReportRows:
    """Load the rows a report's entity names (each a primary-key or unique lookup)."""
    local = await session.get(LocalActor, report.local_actor_id) if report.local_actor_id else None
    remote = (
        await session.get(RemoteActor, report.remote_actor_id) if report.remote_actor_id else None
    )
    reporter = None
    if report.reporter_uri:
        query = select(RemoteActor).where(RemoteActor.uri == report.reporter_uri)
        reporter = (await session.execute(query)).scalar_one_or_none()
    assignee = (
        await session.get(Person, report.assigned_person_id) if report.assigned_person_id else None
    )
    note_ids: dict[str, int] = {}
    if remote is not None and report.status_uris:
        notes = select(RemoteNote.uri, RemoteNote.id).where(RemoteNote.uri.in_(report.status_uris))
        note_ids = {uri: row_id for uri, row_id in (await session.execute(notes)).all()}
    local_counts = await counts(session, local) if local is not None else None
    return ReportRows(report, local, local_counts, remote, reporter, assignee, note_ids)
