"""`hub event participants|approve|reject`: the organisers' view of registrations, on the CLI."""

from __future__ import annotations

import asyncio
import csv
import io

import pytest
from sqlalchemy import select

from hub.config import Settings
from hub.events import rsvp, webrsvp
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    Event,
    EventParticipant,
    LocalActor,
    OutgoingActivity,
    OutgoingMail,
    ParticipationState,
    RemoteActor,
)
from hub.store.types import utcnow
from hub.uris import Uris
from tests.test_cli import Hub, count
from tests.test_cli import env as env
from tests.test_cli import hub as hub

CREATE = ("event", "create", "fairbnb", "--title", "Workshop: Genossenschaft gründen",
          "--start", "2030-12-06T14:00", "--tz", "Europe/Berlin", "--place", "Nachbarschaftshaus",
          "--registration", "approval", "--capacity", "1")  # fmt: skip
CY = "https://gathering.test/users/cy"


@pytest.fixture
def event(hub: Hub, env: dict[str, str]) -> int:
    assert hub("coop", "create", "fairbnb", "--name", "Fairbnb Coop")[0] == 0
    assert hub(*CREATE)[0] == 0
    asyncio.run(_requests(env["HUB_DATABASE_URL"]))
    return 1


async def _requests(url: str) -> None:
    """Two pending requests: one on the web (Ada), one by a fediverse Join (Cy)."""
    db = Database(url)
    uris = Uris(Settings(domain="hub.test", scheme="http"))
    try:
        async with db.begin() as session:
            event = await rsvp.lock_event(session, 1)
            assert event is not None
            coop = await session.get(LocalActor, event.local_actor_id)
            assert coop is not None
            form = webrsvp.Form("Ada Lovelace", "ada@example.org", False)
            registration = await webrsvp.start(session, uris, coop, event, form, "h", utcnow())
            await webrsvp.confirm(session, uris, registration, utcnow())
            remote = RemoteActor(uri=CY, domain="gathering.test", username="cy",
                                 inbox_uri=f"{CY}/inbox")  # fmt: skip
            session.add(remote)
            await session.flush()
            join = EventParticipant(event_id=1, remote_actor_id=remote.id, join_uri=f"{CY}#j",
                                    by_join=True, state=ParticipationState.accepted,
                                    message="Ich komme mit\tzwei Leuten")  # fmt: skip
            await rsvp.register(session, uris, coop, event, remote, join)
            await session.execute(OutgoingMail.__table__.delete())
    finally:
        await db.dispose()


def answers(url: str) -> list[tuple[str, str]]:
    async def _read() -> list[tuple[str, str]]:
        db = Database(url)
        try:
            async with db.read() as session:
                query = (
                    select(Delivery.inbox_uri, OutgoingActivity.ap_json)
                    .join(OutgoingActivity, OutgoingActivity.id == Delivery.activity_id)
                    .where(Delivery.inbox_uri == f"{CY}/inbox")
                )
                return [(inbox, doc["type"]) for inbox, doc in (await session.execute(query))]
        finally:
            await db.dispose()

    return asyncio.run(_read())


def mails(url: str) -> list[tuple[str, str]]:
    async def _read() -> list[tuple[str, str]]:
        db = Database(url)
        try:
            async with db.read() as session:
                query = select(OutgoingMail.recipient, OutgoingMail.subject, OutgoingMail.body)
                return [
                    (to, f"{subject}\n{body}") for to, subject, body in await session.execute(query)
                ]
        finally:
            await db.dispose()

    return asyncio.run(_read())


def test_participants_are_listed_with_status_name_email_and_time(
    hub: Hub, env: dict[str, str], event: int
) -> None:
    code, out, err = hub("event", "participants", "1")
    assert (code, err) == (0, "")
    ada, cy = [line.split("\t") for line in out.splitlines()]
    assert ada[1:5] == ["pending", "Ada Lovelace", "ada@example.org", "web"]
    assert cy[1:5] == ["pending", "@cy@gathering.test", "", "fediverse"]
    assert cy[6] == "Ich komme mit zwei Leuten"
    code, out, _ = hub("event", "participants", "1", "--csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert code == 0 and rows[0] == ["id", "status", "name", "email", "source",
                                     "registered_at", "message"]  # fmt: skip
    assert [row[2] for row in rows[1:]] == ["Ada Lovelace", "@cy@gathering.test"]
    assert rows[2][6] == "Ich komme mit\tzwei Leuten"


def test_approving_sends_an_accept_or_a_mail_and_rejecting_a_reject(
    hub: Hub, env: dict[str, str], event: int
) -> None:
    url = env["HUB_DATABASE_URL"]
    assert hub("event", "approve", "1", "2") == (0, "approved participant 2 of event 1\n", "")
    assert answers(url) == [(f"{CY}/inbox", "Accept")]
    code, _, err = hub("event", "approve", "1", "1")
    assert code == 2 and err == "hub: event 1 is full (1 of 1 seats)\n"
    assert mails(url) == []
    assert hub("event", "reject", "1", "1") == (0, "rejected participant 1 of event 1\n", "")
    [(to, text)] = mails(url)
    assert to == "ada@example.org" and "leider nicht annehmen" in text
    assert count(url, EventParticipant) == 1
    assert count(url, Event) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("approve", "1", "9"), "no participant 9 for event 1"),
        (("reject", "7", "1"), "no event with the id 7"),
        (("participants", "7"), "no event with the id 7"),
    ],
)
def test_unknown_events_or_participants_exit_2_and_change_nothing(
    hub: Hub, env: dict[str, str], event: int, args: tuple[str, ...], message: str
) -> None:
    code, out, err = hub("event", *args)
    assert (code, out, err) == (2, "", f"hub: {message}\n")
    assert answers(env["HUB_DATABASE_URL"]) == [] and mails(env["HUB_DATABASE_URL"]) == []


def test_an_approved_web_registration_gets_a_mail_and_a_rejected_join_a_reject(
    hub: Hub, env: dict[str, str], event: int
) -> None:
    url = env["HUB_DATABASE_URL"]
    assert hub("event", "approve", "1", "1")[0] == 0
    [(to, text)] = mails(url)
    assert to == "ada@example.org" and text.startswith("Du bist dabei: Workshop")
    assert hub("event", "reject", "1", "2")[0] == 0
    assert answers(url) == [(f"{CY}/inbox", "Reject")]
    code, out, _ = hub("event", "participants", "1")
    assert code == 0 and [line.split("\t")[1] for line in out.splitlines()] == ["accepted"]
    code, _, err = hub("event", "reject", "1", "1")
    assert code == 2 and err == "hub: participant 1 is accepted, not pending\n"
