"""Publishing, editing and deleting posts: the post and its deliveries land together."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub import posts
from hub.actors.local import get_coop
from hub.posts import Draft, MentionTarget, PostError
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    DeliveryState,
    FollowState,
    OutgoingActivity,
    Post,
    RemoteBlock,
    RemoteHost,
    Visibility,
)
from hub.store.types import utcnow
from hub.uris import Uris
from tests.federation_data import add_follower
from tests.helpers import AP_ACCEPT, make_coop

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


async def _publish(db: Database, settings: Any, draft: Draft, username: str = "fairbnb") -> Post:
    async with db.begin() as session:
        coop = await get_coop(session, username)
        return await posts.publish(session, Uris(settings), coop, draft)


async def _deliveries(db: Database) -> list[tuple[str, dict[str, Any]]]:
    async with db.begin() as session:
        rows = await session.execute(
            select(Delivery.inbox_uri, OutgoingActivity.ap_json)
            .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
            .order_by(Delivery.id)
        )
        return [(inbox, activity) for inbox, activity in rows.all()]


@pytest.fixture
async def coop_with_followers(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb")
    await add_follower(db, "fairbnb", "https://a.test/users/1", "https://a.test/inbox")
    await add_follower(db, "fairbnb", "https://a.test/users/2", "https://a.test/inbox")
    await add_follower(db, "fairbnb", "https://b.test/users/3")
    await add_follower(db, "fairbnb", "https://c.test/users/4", state=FollowState.pending)


@pytest.mark.usefixtures("coop_with_followers")
async def test_publish_stores_the_post_and_one_delivery_per_shared_inbox(
    db: Database, settings: Any
) -> None:
    post = await _publish(db, settings, Draft("Hallo #Fediverse!", language="de"))
    deliveries = await _deliveries(db)
    assert [inbox for inbox, _ in deliveries] == [
        "https://a.test/inbox",
        "https://b.test/users/3/inbox",
    ]
    activity = deliveries[0][1]
    assert activity["type"] == "Create" and activity["@context"]
    assert activity["id"] == f"http://hub.test/users/fairbnb/statuses/{post.id}/activity"
    note = activity["object"]
    assert note["to"] == [PUBLIC] and note["cc"] == ["http://hub.test/users/fairbnb/followers"]
    assert note["contentMap"]["de"] == note["content"]
    assert note["tag"] == [
        {"type": "Hashtag", "href": "http://hub.test/tags/fediverse", "name": "#fediverse"}
    ]
    assert 'rel="tag"' in note["content"]


async def test_a_failing_publish_leaves_neither_post_nor_deliveries(
    db: Database, settings: Any, coop_with_followers: None
) -> None:
    with pytest.raises(RuntimeError):
        async with db.begin() as session:
            coop = await get_coop(session, "fairbnb")
            await posts.publish(session, Uris(settings), coop, Draft("Hallo"))
            raise RuntimeError("the transaction fails after publishing")
    async with db.begin() as session:
        assert (await session.execute(select(Post))).first() is None
        assert (await session.execute(select(Delivery))).first() is None


@pytest.mark.parametrize(
    ("visibility", "to", "cc"),
    [
        (Visibility.public, [PUBLIC], ["FOLLOWERS", "https://m.test/users/ela"]),
        (Visibility.unlisted, ["FOLLOWERS"], [PUBLIC, "https://m.test/users/ela"]),
        (Visibility.private, ["FOLLOWERS"], ["https://m.test/users/ela"]),
        (Visibility.direct, ["https://m.test/users/ela"], []),
    ],
)
async def test_visibility_and_mentions_set_the_addressing(
    db: Database,
    settings: Any,
    coop_with_followers: None,
    visibility: Visibility,
    to: list[str],
    cc: list[str],
) -> None:
    followers = "http://hub.test/users/fairbnb/followers"
    mention = MentionTarget("ela@m.test", "https://m.test/users/ela", "https://m.test/inbox")
    await _publish(
        db, settings, Draft("Hallo @ela@m.test", visibility=visibility, mentions=[mention])
    )
    deliveries = await _deliveries(db)
    note = deliveries[0][1]["object"]
    assert note["to"] == [followers if x == "FOLLOWERS" else x for x in to]
    assert note["cc"] == [followers if x == "FOLLOWERS" else x for x in cc]
    assert {"type": "Mention", "href": "https://m.test/users/ela", "name": "@ela@m.test"} in note[
        "tag"
    ]
    inboxes = [inbox for inbox, _ in deliveries]
    if visibility == Visibility.direct:
        assert inboxes == ["https://m.test/inbox"]
    else:
        assert inboxes == [
            "https://a.test/inbox",
            "https://b.test/users/3/inbox",
            "https://m.test/inbox",
        ]


async def test_blocked_followers_and_unavailable_hosts_get_no_delivery(
    db: Database, settings: Any, coop_with_followers: None
) -> None:
    blocker = await add_follower(db, "fairbnb", "https://d.test/users/5")
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        session.add(RemoteBlock(remote_actor_id=blocker.id, local_actor_id=coop.id))
        session.add(RemoteHost(host="b.test", failure_days=7, unavailable_since=utcnow()))
    await _publish(db, settings, Draft("Hallo"))
    assert [inbox for inbox, _ in await _deliveries(db)] == ["https://a.test/inbox"]


async def test_edit_sends_an_update_with_updated_and_the_new_text(
    client: Any, db: Database, settings: Any, coop_with_followers: None
) -> None:
    post = await _publish(db, settings, Draft("Erste Fassung"))
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await posts.edit(session, Uris(settings), coop, post.id, Draft("Zweite Fassung"))
    update = (await _deliveries(db))[-1][1]
    assert update["type"] == "Update"
    assert update["object"]["content"] == "<p>Zweite Fassung</p>" and "updated" in update["object"]
    served = await client.get(f"/users/fairbnb/statuses/{post.id}", headers=AP_ACCEPT)
    assert (await served.json(content_type=None))["content"] == "<p>Zweite Fassung</p>"


async def test_delete_sends_a_tombstone_and_the_post_answers_410(
    client: Any, db: Database, settings: Any, coop_with_followers: None
) -> None:
    post = await _publish(db, settings, Draft("Bald weg"))
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        await posts.delete(session, Uris(settings), coop, post.id)
    delete = (await _deliveries(db))[-1][1]
    note_id = f"http://hub.test/users/fairbnb/statuses/{post.id}"
    assert delete["type"] == "Delete"
    assert delete["object"] == {"id": note_id, "type": "Tombstone"}
    assert delete["to"] == [PUBLIC]
    assert (await client.get(f"/users/fairbnb/statuses/{post.id}", headers=AP_ACCEPT)).status == 410
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        with pytest.raises(posts.PostNotFound):
            await posts.delete(session, Uris(settings), coop, post.id)


@pytest.mark.parametrize(
    ("draft", "message"),
    [
        (Draft("   "), "no text"),
        (Draft("x" * 5001), "longer than 5000"),
        (Draft("x", language="../../"), "invalid language"),
        (Draft("x", summary="w" * 501), "content warning"),
    ],
)
async def test_bad_drafts_are_refused_and_nothing_is_stored(
    db: Database, settings: Any, coop_with_followers: None, draft: Draft, message: str
) -> None:
    with pytest.raises(PostError, match=message):
        await _publish(db, settings, draft)
    async with db.begin() as session:
        assert (await session.execute(select(Post))).first() is None
        assert (await session.execute(select(Delivery))).first() is None


async def test_every_delivery_starts_pending_and_due(
    db: Database, settings: Any, coop_with_followers: None
) -> None:
    await _publish(db, settings, Draft("Hallo"))
    async with db.begin() as session:
        rows = (await session.execute(select(Delivery))).scalars().all()
    assert {row.state for row in rows} == {DeliveryState.pending}
    assert all(row.next_attempt_at <= utcnow() and row.attempts == 0 for row in rows)
    assert {row.host for row in rows} == {"a.test", "b.test"}
