"""Friendica and Hubzilla RSVP: Accept, TentativeAccept, Reject of the event, and their Undo."""

from __future__ import annotations

from typing import Any

import pytest

from hub import worker
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import ParticipationState
from tests.events_data import CALL, add_event
from tests.fakeremote import FakeRemote
from tests.inboxkit import COOP, deliver
from tests.test_event_rsvp import answers, join, participants
from tests.test_event_rsvp import coop as coop  # the fixtures are shared
from tests.test_event_rsvp import mobilizon as mobilizon
from tests.test_event_rsvp import settings as settings


def rsvp(remote: FakeRemote, user: str, kind: str, target: Any, number: int = 1) -> dict[str, Any]:
    return {
        "id": f"{remote.actor(user)}#{kind.lower()}/{number}",
        "type": kind,
        "actor": remote.actor(user),
        "object": target,
    }


@pytest.mark.usefixtures("coop")
async def test_friendica_going_maybe_and_not_going_are_recorded_without_answers(
    client: Any, db: Database, settings: Any, federation: Federation, mobilizon: FakeRemote
) -> None:
    friendica = mobilizon  # any signing server; Friendica and Hubzilla speak this dialect
    event = await add_event(db, settings, CALL)
    url = f"{COOP}/events/{event.id}"
    await deliver(client, friendica, "alice", rsvp(friendica, "alice", "Accept", url))
    await deliver(client, friendica, "bob", rsvp(friendica, "bob", "TentativeAccept", url))
    await worker.run_once(federation)
    assert [state for _, state in await participants(db)] == [
        ParticipationState.accepted, ParticipationState.tentative
    ]  # fmt: skip
    assert answers(friendica) == []
    await deliver(client, friendica, "alice", rsvp(friendica, "alice", "Reject", url, 2))
    await deliver(client, friendica, "bob", rsvp(friendica, "bob", "Accept", url, 2))
    await worker.run_once(federation)
    assert [(uri.split("#")[0], state) for uri, state in await participants(db)] == [
        (friendica.actor("bob"), ParticipationState.accepted)
    ]


@pytest.mark.usefixtures("coop")
async def test_hubzilla_accepting_an_invite_is_going_and_its_undo_withdraws(
    client: Any, db: Database, settings: Any, federation: Federation, mobilizon: FakeRemote
) -> None:
    friendica = mobilizon  # any signing server; Friendica and Hubzilla speak this dialect
    event = await add_event(db, settings, CALL)
    invite = {"id": f"{COOP}#invites/1", "type": "Invite", "actor": COOP,
              "object": {"id": f"{COOP}/events/{event.id}", "type": "Event"}}  # fmt: skip
    accept = rsvp(friendica, "alice", "Accept", invite)
    await deliver(client, friendica, "alice", accept)
    await worker.run_once(federation)
    assert [state for _, state in await participants(db)] == [ParticipationState.accepted]
    forged = rsvp(friendica, "bob", "Undo", accept)
    await deliver(client, friendica, "bob", forged)
    await worker.run_once(federation)
    assert len(await participants(db)) == 1
    await deliver(client, friendica, "alice", rsvp(friendica, "alice", "Undo", accept))
    await worker.run_once(federation)
    assert await participants(db) == []


@pytest.mark.usefixtures("coop")
async def test_a_friendica_going_for_a_full_event_waits_and_is_promoted_silently(
    client: Any, db: Database, settings: Any, federation: Federation, mobilizon: FakeRemote
) -> None:
    friendica = mobilizon  # any signing server; Friendica and Hubzilla speak this dialect
    event = await add_event(db, settings, CALL, capacity=1)
    url = f"{COOP}/events/{event.id}"
    await deliver(client, friendica, "alice", join(friendica, "alice", event.id))
    await deliver(client, friendica, "bob", rsvp(friendica, "bob", "Accept", url))
    await worker.run_once(federation)
    assert [state for _, state in await participants(db)] == [
        ParticipationState.accepted, ParticipationState.waiting
    ]  # fmt: skip
    friendica.received.clear()
    await deliver(
        client,
        friendica,
        "alice",
        rsvp(friendica, "alice", "Undo", join(friendica, "alice", event.id)),
    )
    await worker.run_once(federation)
    assert [state for _, state in await participants(db)] == [ParticipationState.accepted]
    assert answers(friendica) == []  # Friendica expects no Accept
