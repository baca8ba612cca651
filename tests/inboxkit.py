"""Helpers for the end-to-end security tests of the inbox: deliver, run the worker, count rows."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientResponse
from sqlalchemy import func, select

from hub import posts, worker
from hub.actors.local import get_coop
from hub.federation import Federation
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    Follow,
    InboxItem,
    InboxState,
    Interaction,
    OutgoingActivity,
    Post,
    RemoteActor,
    RemoteBlock,
    RemoteNote,
)
from hub.uris import Uris
from tests.fakeremote import FakeRemote

HUB = "http://hub.test"
COOP = f"{HUB}/users/fairbnb"
INBOX = f"{COOP}/inbox"
SHARED_INBOX = f"{HUB}/inbox"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
EFFECTS: tuple[type, ...] = (
    InboxItem,
    RemoteActor,
    Follow,
    RemoteNote,
    Interaction,
    RemoteBlock,
    Post,
    OutgoingActivity,
    Delivery,
)


async def deliver(
    client: Any,
    remote: FakeRemote,
    user: str,
    activity: dict[str, Any],
    url: str = INBOX,
    **signing: Any,
) -> ClientResponse:
    """POST an activity signed by a remote user (or as `signing` says) to one of our inboxes."""
    body, headers = remote.signed(user, url, activity, **signing)
    response: ClientResponse = await client.post(url.removeprefix(HUB), data=body, headers=headers)
    await response.read()
    return response


async def deliver_raw(
    client: Any, remote: FakeRemote, user: str, body: bytes, url: str = INBOX
) -> ClientResponse:
    """POST a raw body, correctly signed by a remote user."""
    headers = remote.sign_body(user, url, body)
    response: ClientResponse = await client.post(url.removeprefix(HUB), data=body, headers=headers)
    await response.read()
    return response


async def count(db: Database, model: type) -> int:
    """Rows in one table."""
    async with db.begin() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def effects(db: Database) -> dict[str, int]:
    """Rows in every table an incoming activity could leave a trace in."""
    return {model.__name__: await count(db, model) for model in EFFECTS}


async def state_of(db: Database, activity_id: str) -> InboxState | None:
    """How the worker left an inbox item (None when it was never stored)."""
    async with db.begin() as session:
        query = select(InboxItem.state).where(InboxItem.activity_uri == activity_id)
        return (await session.execute(query)).scalar_one_or_none()


async def run(federation: Federation) -> None:
    """Let the worker do everything that is due."""
    await worker.run_once(federation)


async def known(client: Any, federation: Federation, remote: FakeRemote, *users: str) -> None:
    """Make remote users known (they follow the coop), then forget what the remote saw."""
    for user in users:
        assert (await deliver(client, remote, user, follow_of(remote, user))).status == 202
    await run(federation)
    remote.requests.clear()
    remote.received.clear()


def follow_of(
    remote: FakeRemote, user: str = "alice", target: str = COOP, number: int = 1
) -> dict[str, Any]:
    """A Follow by a remote user."""
    return {
        "id": f"{remote.actor(user)}#follows/{number}",
        "type": "Follow",
        "actor": remote.actor(user),
        "object": target,
    }


def note_of(remote: FakeRemote, user: str, number: int, **fields: Any) -> dict[str, Any]:
    """The Create of a public Note by a remote user; `fields` change the Note."""
    note_id = f"{remote.base}/users/{user}/statuses/{number}"
    note = {
        "id": note_id,
        "type": "Note",
        "attributedTo": remote.actor(user),
        "content": "<p>Danke!</p>",
        "to": [PUBLIC],
        "cc": [],
        **fields,
    }
    return {
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": remote.actor(user),
        "object": note,
    }


def activity(remote: FakeRemote, user: str, kind: str, obj: Any, number: int = 1) -> dict[str, Any]:
    """Any activity by a remote user."""
    return {
        "id": f"{remote.actor(user)}#{kind.lower()}/{number}",
        "type": kind,
        "actor": remote.actor(user),
        "object": obj,
    }


async def publish(
    db: Database, settings: Any, text: str = "Hallo Fediverse", **values: Any
) -> tuple[int, str]:
    """A post of the coop: its id and URI."""
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post = await posts.publish(session, Uris(settings), coop, Draft(text, **values))
    return post.id, f"{COOP}/statuses/{post.id}"


async def stored_notes(db: Database) -> list[RemoteNote]:
    """Every stored remote note, oldest first."""
    async with db.begin() as session:
        return list((await session.execute(select(RemoteNote).order_by(RemoteNote.id))).scalars())


async def remote_actor(db: Database, uri: str) -> RemoteActor | None:
    """The cached row of a remote actor."""
    async with db.begin() as session:
        query = select(RemoteActor).where(RemoteActor.uri == uri)
        return (await session.execute(query)).scalar_one_or_none()
