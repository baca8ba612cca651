"""RSVP from the fediverse: Join and Leave signed for real, seats, waiting list, answers back."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from hub import worker
from hub.activitypub.signatures import PublicKey, verify_request
from hub.actors.local import get_coop
from hub.config import Settings
from hub.dispatch import process_one
from hub.events import service
from hub.events.validation import EventError, check_event
from hub.federation import Federation
from hub.sender import deliver_due
from hub.store.db import Database
from hub.store.models import Event, EventParticipant, ParticipationState
from hub.uris import Uris
from tests.events_data import CALL, add_event
from tests.fakeremote import FakeRemote
from tests.helpers import AP_ACCEPT, BROWSER_ACCEPT, make_coop
from tests.inboxkit import COOP, deliver

MOBILIZON = ("mobilizon.test", "127.0.0.50")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with the fake Mobilizon on this suite's own address."""
    return dataclasses.replace(settings, resolve={**settings.resolve, MOBILIZON[0]: MOBILIZON[1]})


@pytest.fixture
async def mobilizon() -> AsyncIterator[FakeRemote]:
    server = FakeRemote(*MOBILIZON)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def coop(db: Database, settings: Settings) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


def join(remote: FakeRemote, user: str, event_id: int, number: int = 1) -> dict[str, Any]:
    return {
        "id": f"{remote.actor(user)}#join/{event_id}/{number}",
        "type": "Join",
        "actor": remote.actor(user),
        "object": f"{COOP}/events/{event_id}",
        "participationMessage": "Ich bringe Kuchen mit.",
    }


def leave(remote: FakeRemote, user: str, event_id: int, embed: bool = False) -> dict[str, Any]:
    """A Leave of the event, or (embed) of the user's own Join."""
    target: Any = join(remote, user, event_id) if embed else f"{COOP}/events/{event_id}"
    return {
        "id": f"{remote.actor(user)}#leave/{event_id}",
        "type": "Leave",
        "actor": remote.actor(user),
        "object": target,
    }


def answers(remote: FakeRemote) -> list[tuple[str, str, str]]:
    """(recipient inbox, Accept/Reject, the answered Join id) as the remote received them."""
    return [
        (r.path, r.activity["type"], r.activity["object"]["id"])
        for r in remote.received
        if r.activity["type"] in {"Accept", "Reject"}
    ]


async def participants(db: Database) -> list[tuple[str, ParticipationState]]:
    async with db.begin() as session:
        rows = await session.execute(
            select(EventParticipant.join_uri, EventParticipant.state).order_by(EventParticipant.id)
        )
        return [(uri, state) for uri, state in rows.all()]


@pytest.mark.usefixtures("coop")
async def test_a_join_is_accepted_by_the_coop_with_a_real_signature(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL)
    activity = join(mobilizon, "alice", event.id)
    assert (await deliver(client, mobilizon, "alice", activity)).status == 202
    await worker.run_once(federation)
    assert answers(mobilizon) == [("/users/alice/inbox", "Accept", activity["id"])]
    [accept] = [r for r in mobilizon.received if r.activity["type"] == "Accept"]
    assert accept.activity["actor"] == COOP
    assert accept.activity["object"]["object"] == f"{COOP}/events/{event.id}"
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        stored = (await session.execute(select(EventParticipant))).scalar_one()
    key = PublicKey(f"{COOP}#main-key", COOP, coop.rsa_public_pem)

    async def lookup(key_id: str, refresh: bool) -> PublicKey | None:
        return key if key_id == key.key_id else None

    host = f"{MOBILIZON[0]}:{mobilizon.port}"
    verified = await verify_request("POST", accept.path, accept.headers, accept.body, host, lookup)
    assert verified is not None and verified.owner == COOP
    assert stored.state == ParticipationState.accepted
    assert stored.message == "Ich bringe Kuchen mit."
    path = f"/users/fairbnb/events/{event.id}"
    document = await (await client.get(path, headers=AP_ACCEPT)).json()
    assert (document["participantCount"], document["remainingAttendeeCapacity"]) == (1, 49)
    assert "50 (noch 49 frei)" in await (await client.get(path, headers=BROWSER_ACCEPT)).text()


@pytest.mark.usefixtures("coop")
async def test_when_full_a_join_is_rejected_and_queued_then_promoted_on_a_leave(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL, capacity=1)
    for user in ("alice", "bob", "carol"):
        await deliver(client, mobilizon, user, join(mobilizon, user, event.id))
    await worker.run_once(federation)
    assert [(path, kind) for path, kind, _ in answers(mobilizon)] == [
        ("/users/alice/inbox", "Accept"),
        ("/users/bob/inbox", "Reject"),
        ("/users/carol/inbox", "Reject"),
    ]
    assert [state for _, state in await participants(db)] == [
        ParticipationState.accepted, ParticipationState.waiting, ParticipationState.waiting
    ]  # fmt: skip
    mobilizon.received.clear()
    await deliver(client, mobilizon, "carol", leave(mobilizon, "carol", event.id, embed=True))
    await deliver(client, mobilizon, "alice", leave(mobilizon, "alice", event.id))
    await worker.run_once(federation)
    assert answers(mobilizon) == [
        ("/users/bob/inbox", "Accept", join(mobilizon, "bob", event.id)["id"])
    ]
    assert [state for _, state in await participants(db)] == [ParticipationState.accepted]


@pytest.mark.usefixtures("coop")
async def test_an_undone_join_frees_the_seat(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL)
    original = join(mobilizon, "alice", event.id)
    await deliver(client, mobilizon, "alice", original)
    await worker.run_once(federation)
    forged = {"id": f"{mobilizon.actor('bob')}#undo/1", "type": "Undo",
              "actor": mobilizon.actor("bob"), "object": original}  # fmt: skip
    await deliver(client, mobilizon, "bob", forged)
    await worker.run_once(federation)
    assert len(await participants(db)) == 1
    undo = {"id": f"{mobilizon.actor('alice')}#undo/1", "type": "Undo",
            "actor": mobilizon.actor("alice"), "object": original}  # fmt: skip
    await deliver(client, mobilizon, "alice", undo)
    await worker.run_once(federation)
    assert await participants(db) == []


@pytest.mark.usefixtures("coop")
@pytest.mark.parametrize(
    "setup",
    ["cancelled", "closed", "over", "series"],
)
async def test_joins_that_cannot_be_taken_are_rejected_and_nothing_is_stored(
    client: Any,
    db: Database,
    settings: Settings,
    federation: Federation,
    mobilizon: FakeRemote,
    setup: str,
) -> None:
    changes: dict[str, Any] = {
        "cancelled": {},
        "closed": {"registration": "closed"},
        "over": {"start": "2020-01-10T10:00", "end": "2020-01-10T12:00"},
        "series": {"rrule": "FREQ=WEEKLY"},
    }[setup]
    event = await add_event(db, settings, CALL, **changes)
    if setup == "cancelled":
        async with db.begin() as session:
            coop = await get_coop(session, "fairbnb")
            await service.cancel_event(session, Uris(settings), coop, event.id)
    await deliver(client, mobilizon, "alice", join(mobilizon, "alice", event.id))
    await worker.run_once(federation)
    assert [kind for _, kind, _ in answers(mobilizon)] == ["Reject"]
    assert await participants(db) == []


@pytest.mark.usefixtures("coop")
async def test_two_joins_for_the_last_seat_processed_at_once_get_exactly_one_accept(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL, capacity=1)
    for user in ("alice", "bob"):
        await deliver(client, mobilizon, user, join(mobilizon, user, event.id))
    steps = [process_one(db, federation.fetcher, federation.uris) for _ in range(2)]
    assert await asyncio.gather(*steps) == [True, True]
    await deliver_due(db, federation.http, federation.policy, federation.uris)
    assert sorted(kind for _, kind, _ in answers(mobilizon)) == ["Accept", "Reject"]
    assert sorted(state for _, state in await participants(db)) == [
        ParticipationState.accepted, ParticipationState.waiting
    ]  # fmt: skip


@pytest.mark.usefixtures("coop")
async def test_a_join_for_an_unknown_event_is_ignored(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    assert (await deliver(client, mobilizon, "alice", join(mobilizon, "alice", 999))).status == 202
    await worker.run_once(federation)
    assert answers(mobilizon) == [] and await participants(db) == []


@pytest.mark.usefixtures("coop")
async def test_with_approval_a_join_waits_unanswered_for_the_coop(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL, registration="approval")
    await deliver(client, mobilizon, "alice", join(mobilizon, "alice", event.id))
    await worker.run_once(federation)
    assert answers(mobilizon) == []
    assert [state for _, state in await participants(db)] == [ParticipationState.pending]


@pytest.mark.usefixtures("coop")
async def test_the_capacity_cannot_drop_below_the_registrations(
    client: Any, db: Database, settings: Settings, federation: Federation, mobilizon: FakeRemote
) -> None:
    event = await add_event(db, settings, CALL)
    for user in ("alice", "bob"):
        await deliver(client, mobilizon, user, join(mobilizon, user, event.id))
    await worker.run_once(federation)
    async with db.begin() as session:
        coop = await get_coop(session, "fairbnb")
        with pytest.raises(EventError, match="2 people are registered"):
            await service.update_event(
                session, Uris(settings), coop, event.id, check_event(replace(CALL, capacity=1))
            )
    async with db.begin() as session:
        assert (await session.get(Event, event.id)).capacity == 50  # type: ignore[union-attr]
