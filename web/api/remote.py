"""Account and Status entities for remote actors and notes.

Ids: remote accounts and statuses get numeric ids offset by REMOTE_ID_OFFSET (10^15 + row id),
so they never collide with our coops' and posts' ids and still sort like Mastodon's.
"""

from __future__ import annotations

from typing import Any

from hub.statuses import REMOTE_ID_OFFSET
from hub.store.models import RemoteActor, RemoteNote
from hub.text import sanitize_html
from web.api.entities import iso


def remote_account(actor: RemoteActor) -> dict[str, Any]:
    """The Account entity of a remote actor, from what we cached of it."""
    doc = actor.ap_json or {}
    username = actor.username or actor.uri.rstrip("/").rsplit("/", 1)[-1]
    icon = doc.get("icon")
    avatar = icon.get("url") if isinstance(icon, dict) and isinstance(icon.get("url"), str) else ""
    url = doc.get("url") if isinstance(doc.get("url"), str) else actor.uri
    summary = doc.get("summary") if isinstance(doc.get("summary"), str) else ""
    return {
        "id": str(REMOTE_ID_OFFSET + actor.id),
        "username": username,
        "acct": f"{username}@{actor.domain}",
        "display_name": actor.name or username,
        "locked": bool(doc.get("manuallyApprovesFollowers")),
        "bot": doc.get("type") in {"Service", "Application"},
        "group": doc.get("type") == "Group",
        "discoverable": None,
        "created_at": iso(actor.fetched_at),
        "note": sanitize_html(summary),
        "url": url,
        "uri": actor.uri,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": "",
        "header_static": "",
        "followers_count": 0,
        "following_count": 0,
        "statuses_count": 0,
        "last_status_at": None,
        "emojis": [],
        "fields": [],
    }


def remote_status(note: RemoteNote, actor: RemoteActor, parent_id: str | None) -> dict[str, Any]:
    """The Status entity of a remote note (a reply to or a mention of one of our coops)."""
    url = (note.ap_json or {}).get("url") or note.uri
    return {
        "id": str(REMOTE_ID_OFFSET + note.id),
        "uri": note.uri,
        "url": url,
        "created_at": iso(note.published_at),
        "edited_at": iso(note.updated_at),
        "account": remote_account(actor),
        "content": note.content_html,
        "visibility": note.visibility.value,
        "sensitive": bool(note.summary),
        "spoiler_text": note.summary or "",
        "language": note.language,
        "in_reply_to_id": parent_id,
        "in_reply_to_account_id": None,
        "reblog": None,
        "application": None,
        "media_attachments": [],
        "mentions": [],
        "tags": [],
        "emojis": [],
        "card": None,
        "poll": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "favourited": False,
        "reblogged": False,
        "muted": False,
        "bookmarked": False,
        "pinned": False,
        "filtered": [],
    }
