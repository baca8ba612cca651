"""Helpers for the network Group tests: its own fake servers, a follower, members, posts."""

from __future__ import annotations

from typing import Any

from hub import network_members, posts
from hub.activitypub.signatures import PublicKey, verify_request
from hub.actors.local import find_actor, get_coop
from hub.federation import Federation
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import Visibility
from hub.uris import Uris
from tests.fakeremote import FakeRemote, Received
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
