"""Remote actors: fetched and cached, their keys for signatures, handles by WebFinger."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.client import ClientPolicy, FetchError, fetch_activitypub, get
from hub.activitypub.readers import as_list, host_of, id_of, same_origin, text, types_of
from hub.activitypub.signatures import PublicKey
from hub.store.models import RemoteActor
from hub.store.types import utcnow
from hub.text import sanitize_html

ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}
REFRESH_AFTER = timedelta(days=1)
KEY_REFRESH_EVERY = timedelta(minutes=1)
MAX_NAME, MAX_SUMMARY, MAX_FIELDS, MAX_FIELD = 100, 5000, 16, 2048
JRD_ACCEPT = "application/jrd+json, application/json"


class ActorUnavailable(Exception):
    """A remote actor could not be fetched or is not a valid actor; one readable line."""


@dataclass(frozen=True)
class Fetcher:
    """What outgoing fetches need: the guarded session, its policy, our host, a GET signer."""

    http: aiohttp.ClientSession
    policy: ClientPolicy
    own_host: str
    scheme: str = "https"
    sign: Callable[[str], Mapping[str, str]] | None = None


async def cached_actor(session: AsyncSession, uri: str) -> RemoteActor | None:
    """The cached row of an actor, without fetching."""
    query = select(RemoteActor).where(RemoteActor.uri == uri)
    return (await session.execute(query)).scalar_one_or_none()


async def get_actor(
    session: AsyncSession, fetcher: Fetcher, uri: str, refresh: bool = False
) -> RemoteActor:
    """An actor from the cache, fetched when missing, stale or asked to refresh."""
    row = await cached_actor(session, uri)
    if row is not None and row.gone_at is not None:
        raise ActorUnavailable(f"{uri} is gone")
    if row is not None and not refresh and utcnow() - row.fetched_at < REFRESH_AFTER:
        return row
    try:
        document = await _fetch(fetcher, uri)
        fields = parse_actor(document, uri)
    except FetchError as error:
        if error.status == 410 and row is not None:
            row.gone_at = utcnow()
        if row is None or error.status == 410:
            raise ActorUnavailable(f"cannot fetch {uri}: {error}") from error
        return row  # a stale copy beats none while the server is down
    return await _store(session, row, uri, fields)


async def lookup_key(
    session: AsyncSession, fetcher: Fetcher, key_id: str, refresh: bool
) -> PublicKey | None:
    """The public key a signature names, bound both ways to its owner (S16, S17)."""
    actor_uri = key_id.split("#", 1)[0]
    row = (
        await session.execute(select(RemoteActor).where(RemoteActor.key_id == key_id))
    ).scalar_one_or_none()
    if row is not None and not refresh:
        return _key(row)
    if row is not None and utcnow() - row.fetched_at < KEY_REFRESH_EVERY:
        return _key(row)  # throttled: one refetch a minute per actor (S27)
    try:
        if row is None and actor_uri == key_id:
            actor_uri = await _owner_of_key_document(fetcher, key_id)
        actor = await get_actor(session, fetcher, row.uri if row else actor_uri, refresh=True)
    except (ActorUnavailable, FetchError):
        return None
    return _key(actor) if actor.key_id == key_id else None


async def resolve_handle(session: AsyncSession, fetcher: Fetcher, handle: str) -> RemoteActor:
    """Find `user@host` by WebFinger; the actor must live on that host or link back to it."""
    user, _, host = handle.strip().removeprefix("acct:").lstrip("@").partition("@")
    if not user or not host:
        raise ActorUnavailable(f"{handle!r} is not a handle like user@host")
    actor_uri = await _webfinger(fetcher, f"{user}@{host}", host)
    actor = await get_actor(session, fetcher, actor_uri)
    if host_of(actor.uri) != host.lower():
        # The actor lives elsewhere: its own server must confirm the handle (O25).
        username = actor.username or ""
        back = await _webfinger(fetcher, f"{username}@{host_of(actor.uri)}", host_of(actor.uri))
        if back != actor.uri:
            raise ActorUnavailable(f"{handle} points to {actor.uri}, which does not link back")
    return actor


def parse_actor(document: dict[str, Any], uri: str) -> dict[str, Any]:
    """The fields we keep of an actor document, capped and checked for origin (O8, O9, P3)."""
    if document.get("id") != uri or not types_of(document) & ACTOR_TYPES:
        raise ActorUnavailable(f"{uri} is not an actor")
    inbox = id_of(document.get("inbox"))
    if inbox is None or not same_origin(inbox, uri):
        raise ActorUnavailable(f"{uri} has no inbox on its own host")
    endpoints = document.get("endpoints")
    shared = id_of(endpoints.get("sharedInbox")) if isinstance(endpoints, dict) else None
    followers = id_of(document.get("followers"))
    key_id, pem = _public_key(document, uri)
    return {
        "domain": host_of(uri) or "",
        "username": text(document.get("preferredUsername"), MAX_NAME),
        "name": text(document.get("name"), MAX_NAME),
        "inbox_uri": inbox,
        "shared_inbox_uri": shared if same_origin(shared, uri) else None,
        "followers_uri": followers if same_origin(followers, uri) else None,
        "key_id": key_id,
        "public_key_pem": pem,
        "ap_json": _kept(document, uri),
    }


def _public_key(document: dict[str, Any], uri: str) -> tuple[str | None, str | None]:
    for key in as_list(document.get("publicKey"), 8):
        if not isinstance(key, dict):
            continue
        key_id, pem = id_of(key), key.get("publicKeyPem")
        if key.get("owner") == uri and same_origin(key_id, uri) and isinstance(pem, str):
            return key_id, pem[:8192]
    return None, None


def _kept(document: dict[str, Any], uri: str) -> dict[str, Any]:
    url = id_of(document.get("url"))
    icon = document.get("icon")
    fields = [
        {
            "name": text(item.get("name"), 255),
            "value": sanitize_html(text(item.get("value"), MAX_FIELD) or ""),
        }
        for item in as_list(document.get("attachment"), MAX_FIELDS)
        if isinstance(item, dict) and item.get("type") == "PropertyValue"
    ]
    return {
        "id": uri,
        "type": sorted(types_of(document))[0],
        "summary": sanitize_html(text(document.get("summary"), MAX_SUMMARY) or ""),
        "url": url if same_origin(url, uri) else uri,
        "icon": id_of(icon.get("url")) if isinstance(icon, dict) else None,
        "fields": fields,
    }


async def _store(
    session: AsyncSession, row: RemoteActor | None, uri: str, fields: dict[str, Any]
) -> RemoteActor:
    if row is None:
        row = RemoteActor(uri=uri)
        session.add(row)
    for name, value in fields.items():
        setattr(row, name, value)
    row.fetched_at, row.gone_at = utcnow(), None
    await session.flush()
    return row


def _key(row: RemoteActor) -> PublicKey | None:
    if row.key_id is None or row.public_key_pem is None or row.gone_at is not None:
        return None
    return PublicKey(key_id=row.key_id, owner=row.uri, pem=row.public_key_pem)


async def _fetch(fetcher: Fetcher, uri: str) -> dict[str, Any]:
    return await fetch_activitypub(
        fetcher.http, fetcher.policy, uri, sign=fetcher.sign, own_host=fetcher.own_host
    )


async def _owner_of_key_document(fetcher: Fetcher, key_id: str) -> str:
    """A key published as its own document names its owner; the ids must match (S16)."""
    document = await _fetch(fetcher, key_id)
    owner = id_of(document.get("owner"))
    if "publicKeyPem" not in document:
        return key_id  # the keyId is the actor itself
    if document.get("id") != key_id or owner is None or not same_origin(owner, key_id):
        raise ActorUnavailable(f"key document {key_id} does not name an owner on its host")
    return owner


async def _webfinger(fetcher: Fetcher, account: str, host: str | None) -> str:
    url = f"{fetcher.scheme}://{host}/.well-known/webfinger?resource=acct:{quote(account)}"
    try:
        response = await get(
            fetcher.http, fetcher.policy, url, {"Accept": JRD_ACCEPT}, own_host=fetcher.own_host
        )
        document = json.loads(response.body)
    except (FetchError, ValueError, RecursionError) as error:
        raise ActorUnavailable(f"WebFinger for {account} failed: {error}") from error
    if response.status != 200 or not isinstance(document, dict):
        raise ActorUnavailable(f"WebFinger for {account} answered {response.status}")
    for link in as_list(document.get("links"), 50):
        if isinstance(link, dict) and link.get("rel") == "self" and _is_ap(link.get("type")):
            href = link.get("href")
            if isinstance(href, str):
                return href
    raise ActorUnavailable(f"WebFinger for {account} names no ActivityPub actor")


def _is_ap(media_type: Any) -> bool:
    return isinstance(media_type, str) and (
        media_type.startswith("application/activity+json")
        or media_type.startswith("application/ld+json")
    )
