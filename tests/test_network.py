"""The network Group actor (FEP-1b12) with a fake Mastodon follower: follows and re-shares."""

from __future__ import annotations

from typing import Any

import pytest

from hub import posts
from hub.actors.local import get_coop
from hub.config import ConfigError, Settings, load_settings
from hub.events.service import cancel_event
from hub.federation import Federation
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import Visibility
from hub.uris import Uris
from tests import netkit
from tests.events_data import WORKSHOP, add_event
from tests.fakeremote import FakeRemote
from tests.helpers import AP_ACCEPT
from tests.inboxkit import run
from tests.netkit import (
    GROUP,
    PUBLIC,
    follow_the_network,
    of_type,
    publish,
    signed_by_the_group,
)

# The shared fixtures of the network tests (their own servers and settings).
announce_create = netkit.announce_create
coop = netkit.coop
follower = netkit.follower
settings = netkit.settings


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


@pytest.mark.usefixtures("coop")
async def test_a_members_event_is_reshared_and_its_cancellation_reaches_the_groups_followers(
    client: Any, db: Database, settings: Settings, federation: Federation, follower: FakeRemote
) -> None:
    await follow_the_network(client, federation, follower)
    follower.received.clear()
    event = await add_event(db, settings, WORKSHOP)
    await run(federation)
    [announce] = of_type(follower, "Announce")
    assert announce["object"] == Uris(settings).event("fairbnb", event.id)
    follower.received.clear()
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await cancel_event(session, Uris(settings), coop, event.id)
    await run(federation)
    [update] = of_type(follower, "Update")  # the coop's own Update, which Mastodon applies
    assert update["object"]["id"] == announce["object"]
