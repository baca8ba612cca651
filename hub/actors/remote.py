"""Remote actors: fetched and cached, their keys for signatures, handles by WebFinger."""

from __future__ import annotations

import ipaddress
import json
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.activitypub.client import (
    ClientPolicy,
    FetchError,
    fetch_activitypub,
    get,
    is_public_address,
)
from hub.activitypub.readers import as_list, host_of, id_of, same_origin, text, types_of
from hub.activitypub.signatures import PublicKey
from hub.store.db import Database
from hub.store.models import RemoteActor
from hub.store.types import utcnow
from hub.text import sanitize_html

log = logging.getLogger(__name__)
Scope = Callable[[], AbstractAsyncContextManager[AsyncSession]]
ACTOR_TYPES = {"Person", "Service", "Application", "Group", "Organization"}
REFRESH_AFTER = timedelta(days=1)
KEY_REFRESH_EVERY = timedelta(minutes=1)
MAX_NAME, MAX_SUMMARY, MAX_FIELDS, MAX_FIELD = 100, 5000, 16, 2048
JRD_ACCEPT = "application/jrd+json, application/json"
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?")  # no path, user or query tricks (O26)


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
    """The public key a signature names, looked up within an open session."""

    @asynccontextmanager
    async def same() -> AsyncIterator[AsyncSession]:
        yield session

    return await _lookup_key(same, same, fetcher, key_id, refresh)


async def find_key(db: Database, fetcher: Fetcher, key_id: str, refresh: bool) -> PublicKey | None:
    """The public key a signature names, in short transactions: no lock is held while fetching."""
    return await _lookup_key(db.read, db.begin, fetcher, key_id, refresh)


async def _lookup_key(
    read: Scope, write: Scope, fetcher: Fetcher, key_id: str, refresh: bool
) -> PublicKey | None:
    """A key from the cache, else from its owner, bound both ways to that owner (S16, S17)."""
    if not key_id.startswith(("https://", "http://")):
        return None  # acct: and other key ids are never resolved (S18)
    async with read() as session:
        row = await _holder_of(session, key_id)
        if row is not None and (not refresh or _recent(row)):
            return _key(row)  # throttled: one refetch a minute per actor (S27)
        owner = row.uri if row is not None else None
    try:
        owner = owner or await _owner_of_key_document(fetcher, key_id)
    except (ActorUnavailable, FetchError) as error:
        log.info("key %s unavailable: %s", key_id, error)
        return None
    async with read() as session:
        actor = await cached_actor(session, owner)
        if actor is not None and (actor.gone_at is not None or _recent(actor)):
            return _key(actor) if actor.key_id == key_id else None
    fields, gone = await _fetched_fields(fetcher, owner)
    async with write() as session:
        actor = await cached_actor(session, owner)
        if gone and actor is not None:
            actor.gone_at = utcnow()
        if fields is None or (fields["key_id"] != key_id and actor is None):
            return None  # the owner must list the key; a stranger is not cached for it (S17)
        actor = await _store(session, actor, owner, fields)
        return _key(actor) if actor.key_id == key_id else None


async def resolve_handle(session: AsyncSession, fetcher: Fetcher, handle: str) -> RemoteActor:
    """Find `user@host` by WebFinger; the actor must live on that host or link back to it."""
    user, _, host = handle.strip().removeprefix("acct:").lstrip("@").partition("@")
    if not user or not _HOST.fullmatch(host):
        raise ActorUnavailable(f"{handle!r} is not a handle like user@host")
    actor_uri = await _webfinger(fetcher, f"{user}@{host}", host)
    actor_host = host_of(actor_uri)
    if actor_host is None:
        raise ActorUnavailable(f"WebFinger for {handle} names no http(s) actor")
    if actor_host != host_of(f"https://{host}"):
        # The actor lives elsewhere: its own server must confirm the handle first (O25).
        try:
            document = await _fetch(fetcher, actor_uri)
        except FetchError as error:
            raise ActorUnavailable(f"cannot fetch {actor_uri}: {error}") from error
        username = text(document.get("preferredUsername"), MAX_NAME) or ""
        if await _webfinger(fetcher, f"{username}@{actor_host}", actor_host) != actor_uri:
            raise ActorUnavailable(f"{handle} points to {actor_uri}, which does not link back")
    return await get_actor(session, fetcher, actor_uri)


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
        "type": sorted(types_of(document) & ACTOR_TYPES)[0],
        "summary": sanitize_html(text(document.get("summary"), MAX_SUMMARY) or ""),
        "url": url if same_origin(url, uri) else uri,
        "icon": _web_url(icon.get("url")) if isinstance(icon, dict) else None,
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


async def _fetched_fields(fetcher: Fetcher, uri: str) -> tuple[dict[str, Any] | None, bool]:
    """An actor's fields fresh from its origin, or None (logged); True when it answered 410."""
    try:
        return parse_actor(await _fetch(fetcher, uri), uri), False
    except FetchError as error:
        log.info("actor %s unavailable: %s", uri, error)
        return None, error.status == 410
    except ActorUnavailable as error:
        log.info("actor %s refused: %s", uri, error)
        return None, False


async def _holder_of(session: AsyncSession, key_id: str) -> RemoteActor | None:
    """The cached actor holding a key id; if two claim it, the one the id is under."""
    query = select(RemoteActor).where(RemoteActor.key_id == key_id).limit(2)
    rows = (await session.execute(query)).scalars().all()
    if len(rows) == 1:
        return rows[0]
    return next((row for row in rows if key_id.startswith(row.uri + "#")), None)


def _recent(row: RemoteActor) -> bool:
    return utcnow() - row.fetched_at < KEY_REFRESH_EVERY


def _key(row: RemoteActor) -> PublicKey | None:
    if row.key_id is None or row.public_key_pem is None or row.gone_at is not None:
        return None
    return PublicKey(key_id=row.key_id, owner=row.uri, pem=row.public_key_pem)


async def _fetch(fetcher: Fetcher, uri: str) -> dict[str, Any]:
    return await fetch_activitypub(
        fetcher.http, fetcher.policy, uri, sign=fetcher.sign, own_host=fetcher.own_host
    )


async def _owner_of_key_document(fetcher: Fetcher, key_id: str) -> str:
    """The actor a keyId belongs to: `actor#fragment`, or the owner its own document names (S16)."""
    actor_uri, fragment, _ = key_id.partition("#")
    if fragment:
        return actor_uri
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


def _web_url(value: Any) -> str | None:
    """An http(s) URL whose host is a name or a public address; others are dropped (H6, M3)."""
    url = id_of(value)
    if url is None or host_of(url) is None:
        return None
    hostname = urlsplit(url).hostname or ""
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return url  # a name: resolved, and checked, only if it is ever fetched
    return url if is_public_address(hostname) else None


def _is_ap(media_type: Any) -> bool:
    return isinstance(media_type, str) and (
        media_type.startswith("application/activity+json")
        or media_type.startswith("application/ld+json")
    )
