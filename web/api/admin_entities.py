"""Mastodon's admin entities: Admin::Account, Admin::Report, Admin::DomainBlock, DomainAllow.

Ids: coops keep their row ids and remote accounts 10^15 + row id (as in the client API).
Managers (people, not accounts) are shown as 2 * 10^15 + person id, and reporters we hold no
account for (people on our site, unknown remote servers) as 3 * 10^15 + report id.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from hub.moderation.queue import ReportRows
from hub.statuses import REMOTE_ID_OFFSET
from hub.store.models import DomainBlock, Person, RemoteActor
from hub.uris import Uris
from web.api.entities import account, iso
from web.api.remote import remote_account

PERSON_ID_OFFSET = 2 * 10**15
REPORTER_ID_OFFSET = 3 * 10**15
MANAGER_ROLE = {"id": "1", "name": "Manager", "color": "", "permissions": "1",
                "highlighted": True}  # fmt: skip


def admin_account(
    entity: dict[str, Any], domain: str | None, email: str | None = None,
    role: dict[str, Any] | None = None, suspended: bool = False, silenced: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Wrap an Account entity in Admin::Account."""
    return {
        "id": entity["id"],
        "username": entity["username"],
        "domain": domain,
        "created_at": entity["created_at"],
        "email": email,
        "ip": None,
        "ips": [],
        "locale": None,
        "invite_request": None,
        "role": role,
        "confirmed": True,
        "approved": True,
        "disabled": False,
        "silenced": silenced,
        "suspended": suspended,
        "sensitized": False,
        "account": entity,
        "created_by_application_id": None,
        "invited_by_account_id": None,
    }


def remote_admin_account(actor: RemoteActor) -> dict[str, Any]:
    """Admin::Account of a remote actor."""
    return admin_account(remote_account(actor), actor.domain, suspended=bool(actor.suspended_at),
                         silenced=bool(actor.limited_at))  # fmt: skip


def person_admin_account(person: Person, uris: Uris) -> dict[str, Any]:
    """Admin::Account of a manager (a person of this hub)."""
    name = person.email.split("@", 1)[0]
    entity = _plain(str(PERSON_ID_OFFSET + person.id), name, name, uris.base, person.created_at)
    return admin_account(entity, None, person.email, MANAGER_ROLE)


def report(rows: ReportRows, uris: Uris) -> dict[str, Any]:
    """Admin::Report of one report, with the statuses as they were when reported."""
    row = rows.report
    target = _target(rows, uris)
    closed = row.state != "open"
    return {
        "id": str(row.id),
        "action_taken": closed,
        "action_taken_at": iso(row.closed_at) if closed else None,
        "category": "other",
        "comment": row.comment,
        "forwarded": row.forwarded_at is not None,
        "created_at": iso(row.created_at),
        "updated_at": iso(row.closed_at or row.created_at),
        "account": _reporter(rows, uris),
        "target_account": target,
        "assigned_account": person_admin_account(rows.assignee, uris) if rows.assignee else None,
        "action_taken_by_account": None,
        "statuses": [_status(item, rows, target["account"], uris) for item in row.snapshot],
        "rules": [],
    }


def domain_block(block: DomainBlock) -> dict[str, Any]:
    """Admin::DomainBlock."""
    return {
        "id": str(block.id),
        "domain": block.domain,
        "digest": hashlib.sha256(block.domain.encode()).hexdigest(),
        "created_at": iso(block.created_at),
        "severity": block.severity,
        "reject_media": block.reject_media,
        "reject_reports": block.reject_reports,
        "private_comment": block.private_comment or None,
        "public_comment": block.public_comment or None,
        "obfuscate": block.obfuscate,
    }


def domain_allow(block: DomainBlock) -> dict[str, Any]:
    """Admin::DomainAllow."""
    return {"id": str(block.id), "domain": block.domain, "created_at": iso(block.created_at)}


def _target(rows: ReportRows, uris: Uris) -> dict[str, Any]:
    if rows.local is not None and rows.local_counts is not None:
        entity = account(rows.local, uris, rows.local_counts)
        return admin_account(entity, None, suspended=bool(rows.local.suspended_at),
                             silenced=bool(rows.local.limited_at))  # fmt: skip
    if rows.remote is not None:
        return remote_admin_account(rows.remote)
    gone = _plain(str(REPORTER_ID_OFFSET + rows.report.id), "gone", "gone",
                  rows.report.target_uri, rows.report.created_at)  # fmt: skip
    return admin_account(gone, None)


def _reporter(rows: ReportRows, uris: Uris) -> dict[str, Any]:
    row = rows.report
    if rows.reporter is not None:
        return remote_admin_account(rows.reporter)
    fake_id = str(REPORTER_ID_OFFSET + row.id)
    if row.reporter_uri:  # a server we never fetched an actor of
        host = row.reporter_uri.split("/")[2] if row.reporter_uri.count("/") >= 2 else ""
        entity = _plain(fake_id, host, f"{host}@{host}", row.reporter_uri, row.created_at)
        return admin_account(entity, host)
    name = row.reporter_name or "anonymous"
    entity = _plain(fake_id, name, name, uris.base, row.created_at)
    return admin_account(entity, None, row.reporter_email)


def _plain(
    account_id: str, username: str, acct: str, url: str, created: datetime
) -> dict[str, Any]:
    """A minimal Account entity for someone we hold no account row for."""
    return {
        "id": account_id, "username": username, "acct": acct, "display_name": username,
        "locked": False, "bot": False, "group": False, "discoverable": None,
        "created_at": iso(created), "note": "", "url": url, "uri": url, "avatar": "",
        "avatar_static": "", "header": "", "header_static": "", "followers_count": 0,
        "following_count": 0, "statuses_count": 0, "last_status_at": None, "emojis": [],
        "fields": [],
    }  # fmt: skip


def _status(
    item: dict[str, Any], rows: ReportRows, author: dict[str, Any], uris: Uris
) -> dict[str, Any]:
    """A Status entity from a snapshot (the post may have been edited or removed since)."""
    uri = str(item.get("uri", ""))
    ref = uris.post_id_of(uri)
    if ref is not None:
        status_id = str(ref[1])
    elif uri in rows.note_ids:
        status_id = str(REMOTE_ID_OFFSET + rows.note_ids[uri])
    else:
        status_id = uri
    summary = item.get("summary") or ""
    return {
        "id": status_id, "uri": uri, "url": uri, "account": author,
        "created_at": iso(datetime.fromisoformat(str(item["published"]))),
        "edited_at": None, "content": item.get("content", ""), "visibility": "public",
        "sensitive": bool(summary), "spoiler_text": summary, "language": None,
        "in_reply_to_id": None, "in_reply_to_account_id": None, "reblog": None,
        "application": None, "media_attachments": [], "mentions": [], "tags": [],
        "emojis": [], "card": None, "poll": None, "replies_count": 0, "reblogs_count": 0,
        "favourites_count": 0,
    }  # fmt: skip
