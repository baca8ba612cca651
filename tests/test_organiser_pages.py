"""Organiser pages: participants per date, approve/reject with CSRF, CSV export, access."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from hub.config import Settings
from hub.events import rsvp, webrsvp
from hub.store.db import Database
from hub.store.models import (
    Event,
    EventParticipant,
    LocalActor,
    OutgoingMail,
    ParticipationState,
    RemoteActor,
    WebRegistration,
)
from hub.store.types import utcnow
from hub.uris import Uris
from tests.apikit import count, login, person_with_coop
from tests.events_data import CALL, WORKSHOP, add_event, sent
from tests.helpers import csrf_field

CY = "https://gathering.test/users/cy"
PAGE = "/organise/events/{}"


async def register_web(db: Database, settings: Settings, event_id: int, name: str,
                       email: str) -> int:  # fmt: skip
    """A confirmed web registration for one date; the id of its participant row."""
    uris = Uris(settings)
    async with db.begin() as session:
        event = await rsvp.lock_event(session, event_id)
        assert event is not None
        coop = await session.get(LocalActor, event.local_actor_id)
        assert coop is not None
        form = webrsvp.Form(name, email, False)
        registration = await webrsvp.start(session, uris, coop, event, form, "h", utcnow())
        await webrsvp.confirm(session, uris, registration, utcnow())
        query = select(EventParticipant.id).where(
            EventParticipant.web_registration_id == registration.id
        )
        participant_id = (await session.execute(query)).scalar_one()
        await session.execute(OutgoingMail.__table__.delete())
    return participant_id


async def join_from_fediverse(db: Database, settings: Settings, event_id: int) -> int:
    """A Join by @cy@gathering.test; the id of its participant row."""
    async with db.begin() as session:
        event = await rsvp.lock_event(session, event_id)
        assert event is not None
        coop = await session.get(LocalActor, event.local_actor_id)
        assert coop is not None
        remote = RemoteActor(uri=CY, domain="gathering.test", username="cy",
                             inbox_uri=f"{CY}/inbox")  # fmt: skip
        session.add(remote)
        await session.flush()
        join = EventParticipant(event_id=event_id, remote_actor_id=remote.id, join_uri=f"{CY}#j",
                                by_join=True, state=ParticipationState.accepted,
                                message="Ich bringe Kuchen")  # fmt: skip
        await rsvp.register(session, Uris(settings), coop, event, remote, join)
        return join.id


@pytest.fixture
async def workshop(db: Database, settings: Settings) -> dict[str, Any]:
    """An approval-mode workshop with one seat: Ada (web) and Cy (fediverse) wait for approval."""
    await person_with_coop(db, settings, "orga@fairbnb.test", "fairbnb")
    await person_with_coop(db, settings, "other@coop.test", "othercoop")
    event = await add_event(db, settings, WORKSHOP, capacity=1)
    ada = await register_web(db, settings, event.id, '=HYPERLINK("x")', "ada@example.org")
    cy = await join_from_fediverse(db, settings, event.id)
    return {"id": event.id, "ada": ada, "cy": cy}


async def state_of(db: Database, participant_id: int) -> ParticipationState | None:
    async with db.read() as session:
        found = await session.get(EventParticipant, participant_id)
        return found.state if found else None


async def test_organisers_see_every_registration_with_status_and_source(
    client: Any, db: Database, workshop: dict[str, Any]
) -> None:
    await login(client, "orga@fairbnb.test")
    answer = await client.get(PAGE.format(workshop["id"]))
    html = await answer.text()
    assert answer.status == 200 and answer.headers["Cache-Control"] == "no-store"
    assert "Teilnehmende: Workshop: Genossenschaft gründen" in html
    assert "ada@example.org" in html and "@cy@gathering.test" in html
    assert html.count("wartet auf Freigabe") == 2 and "Ich bringe Kuchen" in html
    assert "Fediverse" in html and "0 von 1 Plätzen belegt" in html
    english = await (await client.get(PAGE.format(workshop["id"]) + "?lang=en")).text()
    assert "Participants: Workshop" in english and "waiting for approval" in english


async def test_approving_gives_a_seat_and_sends_an_accept_rejecting_sends_a_mail(
    client: Any, db: Database, workshop: dict[str, Any]
) -> None:
    await login(client, "orga@fairbnb.test")
    page = PAGE.format(workshop["id"])
    token = csrf_field(await (await client.get(page)).text())
    answer = await client.post(f"{page}/participants/{workshop['cy']}/approve",
                               data={"csrf": token}, allow_redirects=False)  # fmt: skip
    assert answer.status == 303 and answer.headers["Location"] == f"{page}?done=approved"
    assert await state_of(db, workshop["cy"]) == ParticipationState.accepted
    assert [activity["type"] for inbox, activity in await sent(db)
            if inbox == f"{CY}/inbox"] == ["Accept"]  # fmt: skip
    full = await client.post(f"{page}/participants/{workshop['ada']}/approve",
                             data={"csrf": token})  # fmt: skip
    assert full.status == 422 and "ist voll" in await full.text()
    assert await state_of(db, workshop["ada"]) == ParticipationState.pending
    await client.post(f"{page}/participants/{workshop['ada']}/reject", data={"csrf": token})
    assert await state_of(db, workshop["ada"]) is None
    assert await count(db, OutgoingMail, OutgoingMail.recipient == "ada@example.org") == 1
    html = await (await client.get(page)).text()
    assert "abgelehnt" in html and "bestätigt" in html


async def test_a_post_without_the_csrf_token_or_from_another_coop_changes_nothing(
    client: Any, db: Database, workshop: dict[str, Any]
) -> None:
    page = PAGE.format(workshop["id"])
    await login(client, "orga@fairbnb.test")
    forged = await client.post(f"{page}/participants/{workshop['cy']}/approve", data={})
    assert forged.status == 403
    await client.post("/logout", data={"csrf": csrf_field(await (await client.get(page)).text())})
    await login(client, "other@coop.test")
    assert (await client.get(page)).status == 403
    assert (await client.get(page + "/participants.csv")).status == 403
    token = csrf_field(await (await client.get("/account")).text())
    foreign = await client.post(f"{page}/participants/{workshop['cy']}/approve",
                                data={"csrf": token})  # fmt: skip
    assert foreign.status == 403
    assert await state_of(db, workshop["cy"]) == ParticipationState.pending
    assert await sent(db) == [] or all(inbox != f"{CY}/inbox" for inbox, _ in await sent(db))
    assert (await client.get(PAGE.format(999))).status == 404


async def test_without_login_the_page_leads_to_the_login(
    client: Any, workshop: dict[str, Any]
) -> None:
    page = PAGE.format(workshop["id"])
    answer = await client.get(page, allow_redirects=False)
    assert answer.status == 303 and answer.headers["Location"].startswith("/login?next=")


async def test_csv_export_is_an_attachment_and_neutralises_formulas(
    client: Any, db: Database, settings: Settings, workshop: dict[str, Any]
) -> None:
    await login(client, "orga@fairbnb.test")
    answer = await client.get(PAGE.format(workshop["id"]) + "/participants.csv")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    assert answer.headers["Content-Disposition"] == (
        f'attachment; filename="event-{workshop["id"]}-participants.csv"'
    )
    rows = list(csv.reader(io.StringIO((await answer.read()).decode("utf-8-sig"))))
    assert rows[0] == ["event_id", "date", "id", "status", "name", "email", "source",
                       "registered_at", "message"]  # fmt: skip
    assert [row[4] for row in rows[1:]] == ['\'=HYPERLINK("x")', "'@cy@gathering.test"]
    assert rows[1][3] == "pending" and rows[1][5] == "ada@example.org"


async def test_a_series_shows_each_date_and_cancelled_registrations(
    client: Any, db: Database, settings: Settings
) -> None:
    await person_with_coop(db, settings, "orga@fairbnb.test", "fairbnb")
    series = await add_event(db, settings, CALL, rrule="FREQ=WEEKLY;COUNT=3")
    async with db.read() as session:
        query = select(Event.id).where(Event.series_id == series.id).order_by(Event.starts_at)
        dates = list((await session.execute(query)).scalars())
    assert len(dates) == 3
    await register_web(db, settings, dates[0], "Ada Lovelace", "ada@example.org")
    await register_web(db, settings, dates[1], "Bo Brandt", "bo@example.org")
    async with db.begin() as session:
        query = select(WebRegistration).where(WebRegistration.email == "bo@example.org")
        registration = (await session.execute(query)).scalar_one()
        assert await webrsvp.cancel(session, Uris(settings), registration, utcnow()) == 1
    await login(client, "orga@fairbnb.test")
    html = await (await client.get(PAGE.format(series.id))).text()
    assert html.count('<h2 id="date-') == 3 and "Ada Lovelace" in html and "bestätigt" in html
    assert "Bo Brandt" in html and "abgesagt" in html
    answer = await client.get(PAGE.format(series.id) + "/participants.csv")
    rows = list(csv.reader(io.StringIO((await answer.read()).decode("utf-8-sig"))))
    assert [(int(row[0]), row[3], row[4]) for row in rows[1:]] == [
        (dates[0], "accepted", "Ada Lovelace"),
        (dates[1], "cancelled", "Bo Brandt"),
    ]
