"""Fixtures and helpers for the network Group tests: own fake servers, a follower, members."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub import network_members, posts
from hub.activitypub.signatures import PublicKey, verify_request
from hub.actors.local import find_actor, get_coop
from hub.config import Settings
from hub.federation import Federation
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import RemoteNote, Visibility
from hub.uris import Uris
from tests.conftest import REMOTES, TEST_DOMAIN
from tests.fakeremote import FakeRemote, Received
from tests.helpers import make_coop
from tests.inboxkit import HUB, deliver, follow_of, run

# This file's own loopback addresses, apart from the shared fake remotes of conftest.
SERVERS = {
    "mastodon.test": "127.0.0.60",
    "member.test": "127.0.0.61",
    "stranger.test": "127.0.0.62",
}
GROUP = f"{HUB}/users/network"
GROUP_INBOX = f"{GROUP}/inbox"
SHARED_INBOX = f"{HUB}/inbox"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def announce_create() -> bool:
    """Whether the Group also sends Announce{Create}; tests parametrize it."""
    return False


@pytest.fixture
def settings(database_url: str, tmp_path: Path, announce_create: bool) -> Settings:
    """The conftest settings, plus this file's servers and the network options."""
    return Settings(
        domain=TEST_DOMAIN,
        scheme="http",
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        allow_private_addresses=True,
        resolve={**REMOTES, **SERVERS},
        network_announce_create=announce_create,
        network_moderators=("https://mastodon.test/users/moderator",),
    )


async def _server(name: str) -> FakeRemote:
    server = FakeRemote(name, SERVERS[name])
    await server.start()
    return server


@pytest.fixture
async def follower() -> AsyncIterator[FakeRemote]:
    """A Mastodon server whose user `fan` follows the network."""
    server = await _server("mastodon.test")
    yield server
    await server.stop()


@pytest.fixture
async def member() -> AsyncIterator[FakeRemote]:
    """A Mastodon server where a member coop has its account."""
    server = await _server("member.test")
    server.actor("coop")
    yield server
    await server.stop()


@pytest.fixture
async def stranger() -> AsyncIterator[FakeRemote]:
    """A server of someone who is not a member."""
    server = await _server("stranger.test")
    yield server
    await server.stop()


@pytest.fixture
async def coop(db: Database, settings: Settings) -> None:
    """The local member coop fairbnb."""
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


def handle_of(member: FakeRemote) -> str:
    """The handle of the member coop on its fake server (with the port)."""
    return f"@coop@{member.name}:{member.port}"


async def follow_the_network(client: Any, federation: Federation, follower: FakeRemote) -> None:
    """A Mastodon user follows the network Group; the worker answers."""
    follow = follow_of(follower, "fan", target=GROUP)
    assert (await deliver(client, follower, "fan", follow, url=GROUP_INBOX)).status == 202
    await run(federation)


async def publish(
    db: Database, settings: Any, text: str, visibility: Visibility = Visibility.public
) -> str:
    """A post of the local coop fairbnb; its URI."""
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post = await posts.publish(session, Uris(settings), coop, Draft(text, visibility))
    return Uris(settings).note("fairbnb", post.id)


async def add_member(federation: Federation, handle: str) -> None:
    """A manager adds a remote coop by its handle."""
    async with federation.db.begin() as session:
        await network_members.add_member(session, federation.fetcher, federation.uris, handle)


async def remove_member(federation: Federation, handle: str) -> None:
    """A manager removes a remote coop."""
    async with federation.db.begin() as session:
        await network_members.remove_member(session, federation.uris, handle)


def of_type(remote: FakeRemote, kind: str) -> list[dict[str, Any]]:
    """The activities of one type a fake server received, in order."""
    return [item.activity for item in remote.received if item.activity["type"] == kind]


async def signed_by_the_group(db: Database, received: Received, remote: FakeRemote) -> str:
    """Verify a delivery's HTTP signature with the Group's key; the signer's id."""
    async with db.begin() as session:
        group = await find_actor(session, "network")
    assert group is not None
    key = PublicKey(f"{GROUP}#main-key", GROUP, group.rsa_public_pem)

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        return key if key_id == key.key_id else None

    host = f"{remote.name}:{remote.port}"
    verified = await verify_request(
        "POST", received.path, received.headers, received.body, host, lookup
    )
    return verified.owner


def member_note(member: FakeRemote, user: str, number: int, **fields: Any) -> dict[str, Any]:
    """A public Create(Note) of a remote user, sent to its followers."""
    note_id = f"{member.actor(user)}/statuses/{number}"
    note = {
        "id": note_id,
        "type": "Note",
        "attributedTo": member.actor(user),
        "content": "<p>Neue Genossenschaft gegründet!</p>",
        "to": [PUBLIC],
        "cc": [f"{member.actor(user)}/followers"],
        **fields,
    }
    return {
        "id": f"{note_id}/activity",
        "type": "Create",
        "actor": member.actor(user),
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }


async def stored_notes(db: Database) -> list[RemoteNote]:
    """Every stored remote note, oldest first."""
    async with db.begin() as session:
        return list((await session.execute(select(RemoteNote).order_by(RemoteNote.id))).scalars())
