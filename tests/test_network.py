"""The network Group actor (FEP-1b12) with a fake Mastodon follower: follows, re-shares, members."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub import posts
from hub.actors.local import get_coop
from hub.config import ConfigError, Settings, load_settings
from hub.federation import Federation
from hub.network_members import MemberError, list_members
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import Follow, FollowDirection, FollowState, RemoteNote, Visibility
from hub.uris import Uris
from tests.conftest import REMOTES, TEST_DOMAIN
from tests.fakeremote import FakeRemote
from tests.helpers import AP_ACCEPT, make_coop
from tests.inboxkit import activity, deliver, run
from tests.netkit import (
    GROUP,
    GROUP_INBOX,
    PUBLIC,
    SERVERS,
    SHARED_INBOX,
    add_member,
    follow_the_network,
    member_note,
    of_type,
    publish,
    remove_member,
    signed_by_the_group,
)


@pytest.fixture
def announce_create() -> bool:
    return False


@pytest.fixture
def settings(database_url: str, tmp_path: Path, announce_create: bool) -> Settings:
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
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


def handle_of(member: FakeRemote) -> str:
    return f"@coop@{member.name}:{member.port}"


@pytest.mark.usefixtures("coop")
async def test_the_group_accepts_a_follow_and_announces_a_members_public_post_by_id(
    client: Any, db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    [accept] = of_type(follower, "Accept")
    assert accept["actor"] == GROUP and accept["object"]["object"] == GROUP
    follower.received.clear()
    note_uri = await publish(db, settings, "Unser Jahresbericht ist da.")
    await run(federation)
    [announce] = [item for item in follower.received if item.activity["type"] == "Announce"]
    body = announce.activity
    assert body["actor"] == GROUP and body["object"] == note_uri  # what Mastodon understands
    assert body["to"] == [PUBLIC] and f"{GROUP}/followers" in body["cc"]
    assert announce.path == "/inbox"  # the follower's shared inbox
    assert await signed_by_the_group(db, announce, follower) == GROUP


@pytest.mark.usefixtures("coop")
async def test_unlisted_private_and_direct_posts_are_never_reshared(
    client: Any, db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    follower.received.clear()
    for visibility in (Visibility.unlisted, Visibility.private, Visibility.direct):
        await publish(db, settings, f"Nicht für alle: {visibility.value}", visibility)
    await run(federation)
    assert of_type(follower, "Announce") == []


@pytest.mark.parametrize("announce_create", [True])
@pytest.mark.usefixtures("coop")
async def test_with_the_setting_the_group_also_announces_the_create_for_fep_1b12_readers(
    client: Any, db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    note_uri = await publish(db, settings, "Beide Formen")
    await run(federation)
    objects = [item["object"] for item in of_type(follower, "Announce")]
    assert objects[0] == note_uri
    assert objects[1]["type"] == "Create" and objects[1]["object"]["id"] == note_uri
    assert "@context" not in objects[1]


@pytest.mark.usefixtures("coop")
async def test_public_notes_name_the_group_as_audience_and_others_do_not(
    client: Any, db: Database, settings: Settings
) -> None:
    public = await publish(db, settings, "Öffentlich")
    unlisted = await publish(db, settings, "Ungelistet", Visibility.unlisted)
    for uri, audience in ((public, GROUP), (unlisted, None)):
        response = await client.get(uri.removeprefix("http://hub.test"), headers=AP_ACCEPT)
        assert (await response.json(content_type=None)).get("audience") == audience


async def test_the_group_document_names_its_moderators_collection(client: Any) -> None:
    group = await (await client.get("/users/network", headers=AP_ACCEPT)).json(content_type=None)
    assert group["type"] == "Group" and group["manuallyApprovesFollowers"] is False
    assert group["attributedTo"] == f"{GROUP}/moderators"
    response = await client.get("/users/network/moderators", headers=AP_ACCEPT)
    moderators = await response.json(content_type=None)
    assert moderators["id"] == group["attributedTo"]
    assert moderators["orderedItems"] == ["https://mastodon.test/users/moderator"]


@pytest.mark.usefixtures("coop")
async def test_a_coop_has_no_moderators_collection(client: Any) -> None:
    response = await client.get("/users/fairbnb/moderators", headers=AP_ACCEPT)
    assert response.status == 404


@pytest.mark.usefixtures("coop")
async def test_edits_and_deletes_of_a_reshared_post_reach_the_groups_followers(
    client: Any, db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    note_uri = await publish(db, settings, "Erste Fassung")
    await run(federation)
    follower.received.clear()
    uris = Uris(settings)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post_id = int(note_uri.rsplit("/", 1)[1])
        await posts.edit(session, uris, coop, post_id, Draft("Zweite Fassung"))
    await run(federation)
    [update] = of_type(follower, "Update")  # from the author: Mastodon applies it
    assert update["actor"] == uris.actor("fairbnb") and update["object"]["id"] == note_uri
    [announced] = of_type(follower, "Announce")  # FEP-1b12: the Group announces it
    assert announced["actor"] == GROUP and announced["object"]["id"] == update["id"]
    follower.received.clear()
    async with db.begin() as session:
        await posts.delete(session, uris, coop, post_id)
    await run(federation)
    [deleted] = of_type(follower, "Delete")
    assert deleted["object"] == {"id": note_uri, "type": "Tombstone"}
    [announced] = of_type(follower, "Announce")
    assert announced["object"]["type"] == "Delete"


@pytest.mark.usefixtures("coop")
async def test_edits_of_an_unlisted_post_do_not_reach_the_groups_followers(
    client: Any, db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    note_uri = await publish(db, settings, "Leise", Visibility.unlisted)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        post_id = int(note_uri.rsplit("/", 1)[1])
        await posts.edit(session, Uris(settings), coop, post_id, Draft("Noch leiser"))
        await posts.delete(session, Uris(settings), coop, post_id)
    follower.received.clear()
    await run(federation)
    assert follower.received == []


async def test_a_remote_member_is_followed_stored_announced_and_removed(
    client: Any,
    db: Database,
    federation: Federation,
    follower: FakeRemote,
    member: FakeRemote,
) -> None:
    await follow_the_network(client, federation, follower)
    follower.received.clear()
    await add_member(federation, handle_of(member))
    await run(federation)
    [follow] = [item for item in member.received if item.activity["type"] == "Follow"]
    assert follow.path == "/users/coop/inbox"
    assert follow.activity["actor"] == GROUP and follow.activity["object"] == member.actor("coop")
    assert await signed_by_the_group(db, follow, member) == GROUP
    async with db.begin() as session:
        [listed] = await list_members(session)
    assert listed.state == "pending"
    accept = activity(member, "coop", "Accept", follow.activity["id"])
    assert (await deliver(client, member, "coop", accept, url=GROUP_INBOX)).status == 202
    await run(federation)
    async with db.begin() as session:
        [listed] = await list_members(session)
    assert listed.state == "accepted" and listed.actor_uri == member.actor("coop")

    create = member_note(member, "coop", 1)
    assert (await deliver(client, member, "coop", create, url=SHARED_INBOX)).status == 202
    await run(federation)
    [note] = await _notes(db)
    assert note.uri == create["object"]["id"] and note.visibility == Visibility.public
    [announce] = of_type(follower, "Announce")
    assert announce["object"] == create["object"]["id"] and member.actor("coop") in announce["cc"]

    member.received.clear()
    follower.received.clear()
    await remove_member(federation, handle_of(member))
    await run(federation)
    [undo] = of_type(member, "Undo")
    assert undo["actor"] == GROUP and undo["object"]["id"] == follow.activity["id"]
    async with db.begin() as session:
        assert await list_members(session) == []
        outbound = select(Follow).where(Follow.direction == FollowDirection.outbound)
        assert (await session.execute(outbound)).first() is None
    later = member_note(member, "coop", 2)
    assert (await deliver(client, member, "coop", later, url=SHARED_INBOX)).status == 202
    await run(federation)
    assert [stored.uri for stored in await _notes(db)] == [note.uri]
    assert of_type(follower, "Announce") == []


async def test_a_members_edit_and_delete_are_announced_and_applied(
    client: Any, federation: Federation, db: Database, follower: FakeRemote, member: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    await add_member(federation, handle_of(member))
    create = member_note(member, "coop", 1)
    await deliver(client, member, "coop", create, url=GROUP_INBOX)  # the Group's own inbox
    await run(federation)
    assert [item["object"] for item in of_type(follower, "Announce")] == [create["object"]["id"]]
    follower.received.clear()
    edited = {**create["object"], "content": "<p>Korrigiert</p>", "updated": "2026-11-28T12:00:00Z"}
    update = {**activity(member, "coop", "Update", edited), "to": [PUBLIC]}
    await deliver(client, member, "coop", update, url=SHARED_INBOX)
    await run(federation)
    [note] = await _notes(db)
    assert note.content_html == "<p>Korrigiert</p>"
    [announce] = of_type(follower, "Announce")
    assert announce["object"]["type"] == "Update" and announce["object"]["id"] == update["id"]
    follower.received.clear()
    gone = activity(member, "coop", "Delete", create["object"]["id"])
    await deliver(client, member, "coop", gone, url=SHARED_INBOX)
    await run(federation)
    [note] = await _notes(db)
    assert note.deleted_at is not None
    [announce] = of_type(follower, "Announce")
    assert announce["object"]["type"] == "Delete"


async def test_a_members_unlisted_post_is_kept_unshared_and_followers_only_ones_are_dropped(
    client: Any, federation: Federation, db: Database, follower: FakeRemote, member: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    await add_member(federation, handle_of(member))
    followers = f"{member.actor('coop')}/followers"
    unlisted = member_note(member, "coop", 1, to=[followers], cc=[PUBLIC])
    private = member_note(member, "coop", 2, to=[followers], cc=[])
    for create in (unlisted, private):
        assert (await deliver(client, member, "coop", create, url=SHARED_INBOX)).status == 202
    follower.received.clear()
    await run(federation)
    [note] = await _notes(db)
    assert note.uri == unlisted["object"]["id"] and note.visibility == Visibility.unlisted
    assert of_type(follower, "Announce") == []


def test_network_settings_are_read_from_the_environment() -> None:
    settings = load_settings(
        {
            "HUB_NETWORK_ANNOUNCE_CREATE": "true",
            "HUB_NETWORK_MODERATORS": " https://a.example/users/x, https://b.example/@y ",
        }
    )
    assert settings.network_announce_create is True
    assert settings.network_moderators == ("https://a.example/users/x", "https://b.example/@y")
    assert load_settings({}).network_announce_create is False
    with pytest.raises(ConfigError, match="HUB_NETWORK_MODERATORS must list actor URLs"):
        load_settings({"HUB_NETWORK_MODERATORS": "alice@example.org"})


async def test_posts_of_non_members_are_never_reshared_even_when_they_address_the_network(
    client: Any,
    db: Database,
    federation: Federation,
    follower: FakeRemote,
    stranger: FakeRemote,
) -> None:
    await follow_the_network(client, federation, follower)
    follower.received.clear()
    mention = {"type": "Mention", "href": GROUP, "name": "@network@hub.test"}
    create = member_note(stranger, "spammer", 1, tag=[mention], cc=[GROUP])
    assert (await deliver(client, stranger, "spammer", create, url=GROUP_INBOX)).status == 202
    plain = member_note(stranger, "spammer", 2)
    assert (await deliver(client, stranger, "spammer", plain, url=SHARED_INBOX)).status == 202
    await run(federation)
    assert [note.uri for note in await _notes(db)] == [create["object"]["id"]]  # a mention
    assert of_type(follower, "Announce") == []


async def test_adding_a_handle_that_does_not_resolve_writes_nothing(
    federation: Federation, db: Database, member: FakeRemote
) -> None:
    with pytest.raises(MemberError, match=r"cannot add nobody@member\.test"):
        await add_member(federation, f"nobody@{member.name}:{member.port}")
    with pytest.raises(MemberError, match="not a fediverse handle"):
        await add_member(federation, "not a handle")
    async with db.begin() as session:
        assert await list_members(session) == []
        assert (await session.execute(select(Follow))).first() is None
    assert member.received == []


async def test_a_member_cannot_be_added_twice_or_removed_when_absent(
    federation: Federation, db: Database, member: FakeRemote
) -> None:
    await add_member(federation, handle_of(member))
    with pytest.raises(MemberError, match="already a member"):
        await add_member(federation, handle_of(member).upper().replace("@COOP", "@coop"))
    with pytest.raises(MemberError, match="is not a member"):
        await remove_member(federation, "@other@member.test")
    async with db.begin() as session:
        [listed] = await list_members(session)
        follows = (await session.execute(select(Follow.state))).scalars().all()
    assert listed.handle == f"coop@{member.name}:{member.port}" and follows == [FollowState.pending]


async def _notes(db: Database) -> list[RemoteNote]:
    async with db.begin() as session:
        return list((await session.execute(select(RemoteNote).order_by(RemoteNote.id))).scalars())
