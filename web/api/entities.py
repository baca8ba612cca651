"""Mastodon's JSON entities (Account, Status) for our coops and their posts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hub.actors.documents import profile_fields
from hub.post_stats import Stats
from hub.statuses import Counts
from hub.store.models import ActorKind, LocalActor, Post
from hub.text import render_markdown
from hub.uris import Uris


def iso(moment: datetime | None) -> str | None:
    """Mastodon's timestamp format: UTC with milliseconds and a Z."""
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def account(actor: LocalActor, uris: Uris, counts: Counts) -> dict[str, Any]:
    """The Account entity of a local actor."""
    urls = uris.actor_urls(actor.username)
    midnight = actor.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
    avatar = uris.media(actor.avatar_file) if actor.avatar_file else urls.icon
    missing = f"{uris.base}/headers/original/missing.png"
    header = uris.media(actor.header_file) if actor.header_file else missing
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": actor.username,
        "display_name": actor.name,
        "locked": actor.manually_approves_followers,
        "bot": False,
        "discoverable": actor.discoverable,
        "indexable": actor.indexable,
        "group": actor.kind == ActorKind.network,
        "created_at": iso(midnight),
        "note": render_markdown(actor.summary) if actor.summary else "",
        "url": urls.id,
        "uri": urls.id,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": counts.followers,
        "following_count": counts.following,
        "statuses_count": counts.statuses,
        "last_status_at": None,
        "hide_collections": False,
        "noindex": not actor.indexable,
        "emojis": [],
        "roles": [],
        "fields": [
            {"name": name, "value": value, "verified_at": None}
            for name, value in profile_fields(actor)
        ],
    }


def credential_account(actor: LocalActor, uris: Uris, counts: Counts) -> dict[str, Any]:
    """The Account of the token's coop, with its `source` for the profile editor."""
    entity = account(actor, uris, counts)
    entity["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": "de",
        "note": actor.summary,
        "fields": [{"name": n, "value": v, "verified_at": None} for n, v in actor.fields],
        "follow_requests_count": 0,
    }
    return entity


def status(
    post: Post,
    author: dict[str, Any],
    uris: Uris,
    with_source: bool = False,
    stats: Stats | None = None,
) -> dict[str, Any]:
    """The Status entity of one of our posts; `with_source` adds the text (delete answers)."""
    username = author["username"]
    note = uris.note(username, post.id)
    tags = post.tags or []
    parent = uris.post_id_of(post.in_reply_to_uri)
    entity: dict[str, Any] = {
        "id": str(post.id),
        "uri": note,
        "url": note,
        "created_at": iso(post.published_at),
        "edited_at": iso(post.updated_at),
        "account": author,
        "content": post.content_html,
        "visibility": post.visibility.value,
        "sensitive": bool(post.summary),
        "spoiler_text": post.summary or "",
        "language": post.language,
        "in_reply_to_id": str(parent[1]) if parent else None,
        "in_reply_to_account_id": author["id"] if parent and parent[0] == username else None,
        "reblog": None,
        "application": None,
        "media_attachments": [media_attachment(doc) for doc in post.attachments],
        "mentions": [_mention(tag) for tag in tags if tag.get("type") == "Mention"],
        "tags": [_tag(tag) for tag in tags if tag.get("type") == "Hashtag"],
        "emojis": [],
        "card": None,
        "poll": None,
        "replies_count": stats.replies if stats else 0,
        "reblogs_count": stats.reblogs if stats else 0,
        "favourites_count": stats.favourites if stats else 0,
        "favourited": stats.favourited if stats else False,
        "reblogged": stats.reblogged if stats else False,
        "muted": False,
        "bookmarked": False,
        "pinned": post.pinned_at is not None,
        "filtered": [],
    }
    if with_source:
        entity["text"] = post.source_text
    return entity


def _mention(tag: dict[str, str]) -> dict[str, Any]:
    handle = tag.get("name", "").lstrip("@")
    username = handle.split("@", 1)[0]
    return {"id": "0", "username": username, "acct": handle, "url": tag.get("href", "")}


def _tag(tag: dict[str, str]) -> dict[str, Any]:
    return {"name": tag.get("name", "").lstrip("#"), "url": tag.get("href", "")}


def media_attachment(document: dict[str, Any]) -> dict[str, Any]:
    """The MediaAttachment entity of an image, from its Document (see hub.media.document)."""
    width, height = int(document["width"]), int(document["height"])
    meta = {"width": width, "height": height, "size": f"{width}x{height}",
            "aspect": round(width / height, 4) if height else 1}  # fmt: skip
    return {
        "id": str(document["media_id"]),
        "type": "image",
        "url": document["url"],
        "preview_url": document["url"],
        "remote_url": None,
        "preview_remote_url": None,
        "text_url": None,
        "meta": {"original": meta, "small": meta},
        "description": document.get("name") or None,
        "blurhash": document["blurhash"],
    }
