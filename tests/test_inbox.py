"""The inbox end to end: a fake server signs for real, the worker processes, answers go back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from hub import dispatch, posts, worker
from hub.activitypub.signatures import PublicKey, verify_request
from hub.actors.local import delete_coop, get_coop
from hub.dispatch import CLAIM_BATCH
from hub.federation import Federation
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    DeliveryState,
    Follow,
    FollowState,
    InboxItem,
    Interaction,
    RemoteActor,
    RemoteNote,
)
from hub.uris import Uris
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop
from tests.inboxkit import COOP, INBOX, count, deliver, follow_of, note_of


@pytest.fixture
async def coop(db: Database, settings: Any) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


async def our_key(db: Database, settings: Any) -> PublicKey:
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
    return PublicKey(f"{COOP}#main-key", COOP, coop.rsa_public_pem)


@pytest.mark.usefixtures("coop")
async def test_a_follow_is_accepted_and_the_signed_accept_reaches_the_follower(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    response = await deliver(client, remote, "alice", follow_of(remote))
    assert response.status == 202
    assert await count(db, Follow) == 0  # nothing happens before the worker runs
    await worker.run_once(federation)
    async with db.begin() as session:
        follow = (await session.execute(select(Follow))).scalar_one()
        assert follow.state == FollowState.accepted
    [accept] = remote.received
    assert accept.path == "/users/alice/inbox"
    assert accept.activity["type"] == "Accept" and accept.activity["actor"] == COOP
    assert accept.activity["object"]["id"] == f"{remote.actor('alice')}#follows/1"
    key = await our_key(db, settings)

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        return key if key_id == key.key_id else None

    verified = await verify_request(
        "POST", accept.path, accept.headers, accept.body, f"remote.test:{remote.port}", lookup
    )
    assert verified.owner == COOP
    followers = await client.get(
        "/users/fairbnb/followers?page=true", headers={"Accept": "application/activity+json"}
    )
    assert (await followers.json(content_type=None))["orderedItems"] == [remote.actor("alice")]


async def test_a_coop_that_approves_by_hand_keeps_the_follow_pending(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    await make_coop(db, settings, "fairbnb", manually_approves_followers=True)
    assert (await deliver(client, remote, "alice", follow_of(remote))).status == 202
    await worker.run_once(federation)
    async with db.begin() as session:
        assert (await session.execute(select(Follow.state))).scalar_one() == FollowState.pending
    assert remote.received == []


@pytest.mark.usefixtures("coop")
async def test_undo_follow_removes_it_but_not_when_the_follow_is_someone_elses(
    client: Any, db: Database, federation: Federation, remote: FakeRemote
) -> None:
    await deliver(client, remote, "alice", follow_of(remote))
    await deliver(client, remote, "bob", follow_of(remote, "bob"))
    await worker.run_once(federation)
    forged = {
        "id": f"{remote.actor('bob')}#undo/1",
        "type": "Undo",
        "actor": remote.actor("bob"),
        "object": follow_of(remote, "alice"),
    }
    await deliver(client, remote, "bob", forged)
    await worker.run_once(federation)
    assert await count(db, Follow) == 2  # O14
    undo = {
        "id": f"{remote.actor('alice')}#undo/1",
        "type": "Undo",
        "actor": remote.actor("alice"),
        "object": follow_of(remote),
    }
    await deliver(client, remote, "alice", undo)
    await worker.run_once(federation)
    assert await count(db, Follow) == 1


@pytest.mark.usefixtures("coop")
async def test_a_follow_sent_again_with_the_id_of_an_undone_follow_follows_again(
    client: Any, db: Database, federation: Federation, remote: FakeRemote
) -> None:
    follow = follow_of(remote)
    undo = {"id": f"{follow['id']}/undo", "type": "Undo", "actor": follow["actor"]}
    for _round in range(2):
        assert (await deliver(client, remote, "alice", follow)).status == 202
        await deliver(client, remote, "alice", follow)  # a plain redelivery changes nothing
        await worker.run_once(federation)
        assert await count(db, Follow) == 1
        await deliver(client, remote, "alice", {**undo, "object": follow})
        await worker.run_once(federation)
        assert await count(db, Follow) == 0
    assert [item.activity["type"] for item in remote.received] == ["Accept", "Accept"]


@pytest.mark.usefixtures("coop")
async def test_unsigned_post_is_401_and_nothing_is_stored(
    client: Any, db: Database, remote: FakeRemote
) -> None:
    body = json.dumps(follow_of(remote)).encode()
    response = await client.post(
        "/users/fairbnb/inbox", data=body, headers={"Content-Type": "application/activity+json"}
    )
    assert response.status == 401
    assert (await response.json()) == {"error": "Request not signed"}
    assert await count(db, InboxItem) == 0 and remote.requests == []


@pytest.mark.usefixtures("coop")
async def test_signer_and_actor_must_match(client: Any, db: Database, remote: FakeRemote) -> None:
    remote.actor("bob")
    activity = {**follow_of(remote), "actor": remote.actor("bob")}
    response = await deliver(client, remote, "alice", activity)  # signed by alice, claims bob
    assert response.status == 401
    assert (await response.json()) == {"error": "signer and actor do not match"}
    assert await count(db, InboxItem) == 0


@pytest.mark.usefixtures("coop")
async def test_a_changed_body_fails_the_digest(
    client: Any, db: Database, remote: FakeRemote
) -> None:
    body, headers = remote.signed("alice", INBOX, follow_of(remote))
    tampered = body.replace(b"Follow", b"Folloq")
    response = await client.post("/users/fairbnb/inbox", data=tampered, headers=headers)
    assert response.status == 401 and await count(db, InboxItem) == 0


@pytest.mark.usefixtures("coop")
async def test_the_same_activity_to_shared_and_personal_inbox_is_processed_once(
    client: Any, db: Database, federation: Federation, remote: FakeRemote
) -> None:
    assert (await deliver(client, remote, "alice", follow_of(remote))).status == 202
    assert (
        await deliver(client, remote, "alice", follow_of(remote), "http://hub.test/inbox")
    ).status == 202
    assert (await deliver(client, remote, "alice", follow_of(remote))).status == 202  # replay
    assert await count(db, InboxItem) == 1
    await worker.run_once(federation)
    assert len(remote.received) == 1


@pytest.mark.usefixtures("coop")
async def test_delete_from_an_unknown_actor_is_accepted_without_any_fetch(
    client: Any, db: Database, remote: FakeRemote
) -> None:
    activity = {
        "id": f"{remote.actor('ghost')}#delete",
        "type": "Delete",
        "actor": remote.actor("ghost"),
        "object": remote.actor("ghost"),
    }
    response = await deliver(client, remote, "ghost", activity)
    assert response.status == 202
    assert remote.requests == [] and await count(db, InboxItem) == 0


async def _post(db: Database, settings: Any, text: str = "Hallo Fediverse") -> int:
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        return (await posts.publish(session, Uris(settings), coop, Draft(text))).id


@pytest.mark.usefixtures("coop")
async def test_replies_and_mentions_are_stored_and_other_notes_are_not(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    post_id = await _post(db, settings)
    post_uri = f"{COOP}/statuses/{post_id}"
    reply = note_of(
        remote, "alice", 1, inReplyTo=post_uri, content="<p>Danke!<script>x()</script></p>"
    )
    mention = note_of(
        remote, "alice", 2, tag=[{"type": "Mention", "href": COOP, "name": "@fairbnb@hub.test"}]
    )
    unrelated = note_of(remote, "alice", 3)
    forged = note_of(remote, "alice", 4, inReplyTo=post_uri, attributedTo=remote.actor("bob"))
    for activity in (reply, mention, unrelated, forged):
        assert (await deliver(client, remote, "alice", activity)).status == 202
    await worker.run_once(federation)
    async with db.begin() as session:
        stored = (await session.execute(select(RemoteNote).order_by(RemoteNote.id))).scalars().all()
    assert [note.uri for note in stored] == [reply["object"]["id"], mention["object"]["id"]]
    assert stored[0].in_reply_to_post_id == post_id
    assert stored[0].content_html == "<p>Danke!</p>"


@pytest.mark.usefixtures("coop")
async def test_likes_and_boosts_are_counted_and_undone_only_by_their_author(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    post_uri = f"{COOP}/statuses/{await _post(db, settings)}"
    like = {
        "id": f"{remote.actor('alice')}#likes/1",
        "type": "Like",
        "actor": remote.actor("alice"),
        "object": post_uri,
    }
    boost = {
        "id": f"{remote.actor('alice')}#boosts/1",
        "type": "Announce",
        "actor": remote.actor("alice"),
        "object": post_uri,
    }
    await deliver(client, remote, "alice", like)
    await deliver(client, remote, "alice", boost)
    await worker.run_once(federation)
    assert await count(db, Interaction) == 2
    remote.actor("bob")
    forged = {
        "id": f"{remote.actor('bob')}#undo/9",
        "type": "Undo",
        "actor": remote.actor("bob"),
        "object": like,
    }
    await deliver(client, remote, "bob", forged)
    undo = {
        "id": f"{remote.actor('alice')}#undo/1",
        "type": "Undo",
        "actor": remote.actor("alice"),
        "object": like,
    }
    await deliver(client, remote, "alice", undo)
    await worker.run_once(federation)
    async with db.begin() as session:
        kinds = (await session.execute(select(Interaction.kind))).scalars().all()
    assert [kind.value for kind in kinds] == ["announce"]


@pytest.mark.usefixtures("coop")
async def test_a_published_post_reaches_the_followers_shared_inbox_signed(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    await deliver(client, remote, "alice", follow_of(remote))
    await deliver(client, remote, "bob", follow_of(remote, "bob"))
    await worker.run_once(federation)
    remote.received.clear()
    post_id = await _post(db, settings, "Neues aus der Coop")
    await worker.run_once(federation)
    [create] = remote.received
    assert create.path == "/inbox" and create.activity["type"] == "Create"
    assert create.activity["object"]["id"] == f"{COOP}/statuses/{post_id}"
    key = await our_key(db, settings)

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        return key

    await verify_request(
        "POST", "/inbox", create.headers, create.body, f"remote.test:{remote.port}", lookup
    )
    async with db.begin() as session:
        states = (await session.execute(select(Delivery.state))).scalars().all()
    assert set(states) == {DeliveryState.done}


@pytest.mark.usefixtures("coop")
async def test_failed_deliveries_are_retried_later_and_410_marks_the_actor_gone(
    client: Any, db: Database, settings: Any, federation: Federation, remote: FakeRemote
) -> None:
    await deliver(client, remote, "alice", follow_of(remote))
    remote.inbox_status = 503
    await worker.run_once(federation)
    async with db.begin() as session:
        row = (await session.execute(select(Delivery))).scalar_one()
    assert row.state == DeliveryState.pending and row.attempts == 1 and row.last_status == 503
    remote.inbox_status = 410
    async with db.begin() as session:
        row = await session.get(Delivery, row.id)
        assert row is not None
        row.next_attempt_at = row.created_at
    await worker.run_once(federation)
    async with db.begin() as session:
        row = await session.get(Delivery, row.id)
        actor = (await session.execute(select(RemoteActor))).scalar_one()
    assert row is not None and row.state == DeliveryState.gone
    assert actor.gone_at is not None


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"not json", 400), (b"[1, 2]", 400), (b'"text"', 400), (b"[" * 10_000 + b"]" * 10_000, 400),
     (b'{"type": "Follow"}', 400), (b'{"id": "x", "type": "Follow", "actor": ["a", "b"]}', 400),
     (b'{"id": "x\\u0000", "type": "Follow", "actor": "https://a.test/u"}', 400)],
)  # fmt: skip
@pytest.mark.usefixtures("coop")
async def test_malformed_bodies_are_400(
    client: Any, db: Database, body: bytes, status: int
) -> None:
    response = await client.post("/users/fairbnb/inbox", data=body)
    assert response.status == status
    assert list(await response.json()) == ["error"]
    assert await count(db, InboxItem) == 0


@pytest.mark.usefixtures("coop")
async def test_unknown_deleted_and_oversized_inboxes(
    client: Any, db: Database, remote: FakeRemote
) -> None:
    assert (
        await deliver(
            client, remote, "alice", follow_of(remote), "http://hub.test/users/nobody/inbox"
        )
    ).status == 404
    big = await client.post("/users/fairbnb/inbox", data=b"{" + b" " * (1024 * 1024 + 10) + b"}")
    assert big.status == 413
    async with db.begin() as session:
        await delete_coop(session, "fairbnb")
    assert (await deliver(client, remote, "alice", follow_of(remote))).status == 410
    assert await count(db, InboxItem) == 0


@pytest.mark.usefixtures("coop")
async def test_the_worker_processes_a_batch_and_one_failing_activity_fails_alone(
    client: Any,
    db: Database,
    federation: Federation,
    remote: FakeRemote,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    users = [f"u{number}" for number in range(CLAIM_BATCH + 5)]
    for user in users:
        assert (await deliver(client, remote, user, follow_of(remote, user))).status == 202
    broken = follow_of(remote, "u3")["id"]
    real_route = dispatch.route

    async def route(session: Any, fetcher: Any, uris: Any, activity: dict[str, Any]) -> str:
        if activity["id"] == broken:  # injected fault: this one activity cannot be handled
            raise RuntimeError("injected")
        return await real_route(session, fetcher, uris, activity)

    monkeypatch.setattr(dispatch, "route", route)
    assert await dispatch.process_batch(db, federation.fetcher, federation.uris) == CLAIM_BATCH
    await worker.run_once(federation)
    assert await count(db, Follow) == len(users) - 1
    async with db.begin() as session:
        failed = await session.execute(select(InboxItem).where(InboxItem.activity_uri == broken))
        item = failed.scalar_one()
    assert item.attempts == 1 and item.last_error == "RuntimeError: injected"
