"""Remote member coops: the network Group follows them, stores and re-shares their posts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub.federation import Federation
from hub.network_members import MemberError, list_members
from hub.store.db import Database
from hub.store.models import Follow, FollowDirection, FollowState, Visibility
from tests import netkit
from tests.fakeremote import FakeRemote
from tests.inboxkit import activity, deliver, run
from tests.netkit import (
    GROUP,
    GROUP_INBOX,
    PUBLIC,
    SHARED_INBOX,
    add_member,
    follow_the_network,
    handle_of,
    member_note,
    of_type,
    remove_member,
    signed_by_the_group,
    stored_notes,
)

# The shared fixtures of the network tests (their own servers and settings).
announce_create = netkit.announce_create
follower = netkit.follower
member = netkit.member
settings = netkit.settings
stranger = netkit.stranger


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
    [note] = await stored_notes(db)
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
    assert [stored.uri for stored in await stored_notes(db)] == [note.uri]
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
    [note] = await stored_notes(db)
    assert note.content_html == "<p>Korrigiert</p>"
    [announce] = of_type(follower, "Announce")
    assert announce["object"]["type"] == "Update" and announce["object"]["id"] == update["id"]
    follower.received.clear()
    gone = activity(member, "coop", "Delete", create["object"]["id"])
    await deliver(client, member, "coop", gone, url=SHARED_INBOX)
    await run(federation)
    [note] = await stored_notes(db)
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
    [note] = await stored_notes(db)
    assert note.uri == unlisted["object"]["id"] and note.visibility == Visibility.unlisted
    assert of_type(follower, "Announce") == []


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
    assert [note.uri for note in await stored_notes(db)] == [create["object"]["id"]]  # a mention
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
