"""The inbox: verify, check origin, store and answer; processing happens later in the worker."""

from __future__ import annotations

import enum
import json
import logging
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.activitypub.readers import id_of, same_origin, types_of
from hub.activitypub.signatures import PublicKey, SignatureError, signature_key_id, verify_request
from hub.actors.local import find_actor
from hub.actors.remote import Fetcher, cached_actor
from hub.inbox_writer import InboxWriter
from hub.keycache import KeyCache
from hub.moderation.gate import Gate
from hub.refollow import store_again_if_undone
from hub.store.db import Database
from hub.store.models import ActorKind, InboxState, LocalActor

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
RECIPIENT_TTL = 5.0  # a deleted coop's inbox may take this long to start answering 410
MAX_RECIPIENTS = 10_000
_ESCAPED_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")


class Status(enum.IntEnum):
    """The answers an inbox gives."""

    accepted = 202
    bad_request = 400
    unauthorized = 401
    forbidden = 403
    not_found = 404
    gone = 410
    too_large = 413


@dataclass(frozen=True)
class Verdict:
    """The status to answer and one line saying why."""

    status: Status
    reason: str


@dataclass(frozen=True)
class Delivered:
    """An incoming POST as the web layer hands it over."""

    method: str
    path_and_query: str
    headers: Mapping[str, str]
    body: bytes
    username: str | None  # None for the shared inbox


class Receiver:
    """The inbox of one process: key and recipient caches, and group commit of stored rows."""

    def __init__(
        self, db: Database, fetcher: Fetcher, our_host: str, gate: Gate | None = None
    ) -> None:
        self.db, self.fetcher, self.our_host = db, fetcher, our_host
        self.gate = gate or Gate()
        self.keys = KeyCache(db, fetcher)
        self.writer = InboxWriter(db)
        self._recipients: dict[str, tuple[float, Verdict | None, int | None]] = {}

    async def accept(self, request: Delivered) -> Verdict:
        """Decide on an incoming activity and store it for the worker; no other effect."""
        local_id = None
        if request.username is not None:
            refusal, local_id = await self._recipient(request.username)
            if refusal is not None:
                return refusal
        return await _accept(self, request, local_id)

    def forget_recipients(self) -> None:
        """Drop cached recipients now (after a suspension made in this process)."""
        self._recipients.clear()

    async def _recipient(self, username: str) -> tuple[Verdict | None, int | None]:
        cached = self._recipients.get(username)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1], cached[2]
        if cached is not None:  # expired: this request looks again, those meanwhile use it
            self._recipients[username] = (time.monotonic() + RECIPIENT_TTL, *cached[1:])
        if len(self._recipients) > MAX_RECIPIENTS:
            self._recipients.clear()
        refusal, local_id = await _check_recipient(self.db, username)
        self._recipients[username] = (time.monotonic() + RECIPIENT_TTL, refusal, local_id)
        return refusal, local_id


async def _accept(receiver: Receiver, request: Delivered, local_id: int | None) -> Verdict:
    db = receiver.db
    if len(request.body) > MAX_BODY:
        return Verdict(Status.too_large, "the body is larger than 1 MiB")
    activity = parse_activity(request.body)
    if isinstance(activity, Verdict):
        return activity
    try:
        key_id = signature_key_id(request.headers)
    except SignatureError as error:
        return Verdict(Status.unauthorized, str(error))
    actor_uri = activity["actor"]
    await receiver.gate.fresh(db)  # a clock check; one query every few seconds at most
    if receiver.gate.refuses_actor(actor_uri) or receiver.gate.refuses_host(key_id):
        return Verdict(Status.forbidden, "this server or actor is blocked here")  # S15, S28, A9
    if "Delete" in types_of(activity) and await _unknown(db, actor_uri):
        # Mastodon skips Deletes of actors it never saw: no key fetch for them (O13).
        return Verdict(Status.accepted, "Delete from an unknown actor ignored")
    key = await _verify(receiver, request)
    if isinstance(key, Verdict):
        return key
    if key.owner != actor_uri and isinstance(activity.get("signature"), dict):
        # Forwarded with an LD signature: never trusted, dropped quietly so the forwarder
        # does not retry (O20; no RsaSignature2017 without full JSON-LD canonicalisation).
        log.info("inbox dropped %s forwarded by %s", activity["id"], key.owner)
        return Verdict(Status.accepted, "forwarded activity dropped")
    if key.owner != actor_uri:
        return Verdict(Status.unauthorized, "signer and actor do not match")
    if not same_origin(activity["id"], actor_uri):
        return Verdict(Status.accepted, "activity id is not on the actor's host; ignored")
    return await _store(receiver, activity, local_id)


def parse_activity(body: bytes) -> dict[str, Any] | Verdict:
    """Parse a body into an activity with an id, a type and a single actor id, or say why not."""
    if b"\x00" in body or b"\\u0000" in body:
        return Verdict(Status.bad_request, "the activity contains NUL characters")
    try:
        document = _DECODER.decode(body.decode("utf-8"))
    except RecursionError:
        return Verdict(Status.bad_request, "the JSON is nested too deeply")
    except ValueError as error:
        return Verdict(Status.bad_request, f"the body is not UTF-8 JSON: {error}")
    if not isinstance(document, dict):
        return Verdict(Status.bad_request, "the activity must be a JSON object")
    if _ESCAPED_SURROGATE.search(body) and not _encodable(document):
        return Verdict(Status.bad_request, "the activity contains lone UTF-16 surrogates")  # P5
    actor_uri = id_of(document.get("actor"))
    if actor_uri is None or not actor_uri.startswith(("https://", "http://")):
        return Verdict(Status.bad_request, "the activity needs one actor id")
    activity_id = document.get("id")
    if not isinstance(activity_id, str) or id_of(activity_id) is None or not types_of(document):
        return Verdict(Status.bad_request, "the activity needs an id and a type")
    return {**document, "actor": actor_uri}


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object without repeated keys: parsers disagree on which one wins (P5)."""
    document = dict(pairs)
    if len(document) != len(pairs):
        raise ValueError("a key is repeated in a JSON object")
    return document


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys)  # built once: not per request


def _encodable(document: dict[str, Any]) -> bool:
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


async def _check_recipient(db: Database, username: str) -> tuple[Verdict | None, int | None]:
    async with db.read() as session:
        actor: LocalActor | None = await find_actor(session, username)
    if actor is None or actor.kind == ActorKind.instance:
        return Verdict(Status.not_found, "no such actor"), None
    if actor.deleted_at is not None:
        return Verdict(Status.gone, "this actor was deleted"), None
    return None, actor.id


async def _unknown(db: Database, actor_uri: str) -> bool:
    async with db.read() as session:
        return await cached_actor(session, actor_uri) is None


async def _verify(receiver: Receiver, request: Delivered) -> PublicKey | Verdict:
    try:
        return await verify_request(
            request.method,
            request.path_and_query,
            request.headers,
            request.body,
            receiver.our_host,
            receiver.keys.lookup,
        )
    except SignatureError as error:
        log.info("inbox refused a signature: %s", error)
        return Verdict(Status.unauthorized, str(error))


async def _store(receiver: Receiver, activity: dict[str, Any], local_id: int | None) -> Verdict:
    """Store the row by group commit; answer only once it is committed."""
    row = {
        "activity_uri": activity["id"],
        "actor_uri": activity["actor"],
        "local_actor_id": local_id,
        "ap_json": activity,
        "state": InboxState.pending,
    }
    if await receiver.writer.add(row):
        return Verdict(Status.accepted, "accepted")
    if "Follow" in types_of(activity) and await store_again_if_undone(receiver.db, row):
        return Verdict(Status.accepted, "accepted again: its earlier copy was undone")
    return Verdict(Status.accepted, "already received")
