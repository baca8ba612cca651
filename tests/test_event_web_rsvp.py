"""Registering on the web without an account: double opt-in through a real SMTP server."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from hub import mail, worker
from hub.config import Settings
from hub.events import service
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import (
    Event,
    EventParticipant,
    OutgoingMail,
    ParticipationState,
    WebRegistration,
)
from hub.uris import Uris
from tests.events_data import CALL, add_event
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop
from tests.inboxkit import COOP, deliver
from tests.mailkit import Mailbox, body, csrf_of, private_link

SMTP_HOST = "127.0.0.90"
GATHERING = ("gathering.test", "127.0.0.91")
MEETING = "https://meet.example.org/coop-call"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start(SMTP_HOST)
    yield box
    box.stop()


@pytest.fixture
def settings(settings: Settings, mailbox: Mailbox) -> Settings:
    """Test settings with the local SMTP server and this suite's fake fediverse server."""
    return dataclasses.replace(
        settings,
        smtp_host=SMTP_HOST,
        smtp_port=mailbox.port,
        smtp_from="events@hub.test",
        resolve={**settings.resolve, GATHERING[0]: GATHERING[1]},
    )


@pytest.fixture
async def coop(db: Database, settings: Settings) -> None:
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


@pytest.fixture
async def gathering() -> AsyncIterator[FakeRemote]:
    server = FakeRemote(*GATHERING)
    await server.start()
    yield server
    await server.stop()


async def sign_up(
    client: Any, event_id: int, name: str, email: str, whole_series: bool = False
) -> Any:
    """Fill in the form on the event page like a browser."""
    page = f"/users/fairbnb/events/{event_id}"
    data = {"csrf": await csrf_of(client, page), "name": name, "email": email}
    if whole_series:
        data["whole_series"] = "1"
    return await client.post(f"{page}/register", data=data)


async def confirm(client: Any, mailbox: Mailbox, hub: Federation, email: str) -> str:
    """Send the queued mails, follow the link in the newest one, press the button."""
    await mail.send_due(hub.db, hub.settings)
    link = private_link(mailbox.to(email)[-1])
    csrf = await csrf_of(client, link)
    response = await client.post(f"{link}/confirm", data={"csrf": csrf}, allow_redirects=False)
    assert response.status == 303, await response.text()
    return str(response.headers["Location"]).removeprefix("http://hub.test")


async def registered(
    client: Any, mailbox: Mailbox, hub: Federation, event_id: int, name: str, email: str
) -> str:
    """Sign up and confirm; the private page's path."""
    assert (await sign_up(client, event_id, name, email)).status == 200
    return await confirm(client, mailbox, hub, email)


async def states(db: Database) -> list[ParticipationState]:
    async with db.read() as session:
        query = select(EventParticipant.state).order_by(EventParticipant.id)
        return list((await session.execute(query)).scalars())


async def rows(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.usefixtures("coop")
async def test_a_confirmed_web_registration_gets_a_seat_and_the_meeting_link(
    client: Any, db: Database, settings: Settings, federation: Federation, mailbox: Mailbox
) -> None:
    event = await add_event(db, settings, CALL)
    response = await sign_up(client, event.id, "Ada Lovelace", "ada@example.org")
    assert response.status == 200 and "ada@example.org" in await response.text()
    assert await states(db) == []  # no seat before the double opt-in
    await mail.send_due(db, settings)
    [request] = mailbox.to("ada@example.org")
    assert request["From"] == "events@hub.test" and "Bitte bestätigen" in request["Subject"]
    assert MEETING not in body(request)
    link = private_link(request)
    page = await (await client.get(link)).text()
    assert "Anmeldung bestätigen" in page and MEETING not in page
    private = await confirm(client, mailbox, federation, "ada@example.org")
    assert await states(db) == [ParticipationState.accepted]
    page = await (await client.get(private)).text()
    assert MEETING in page and "angemeldet" in page
    await mail.send_due(db, settings)
    confirmed = mailbox.to("ada@example.org")[-1]
    assert "bestätigt" in confirmed["Subject"] and MEETING in body(confirmed)
    assert private_link(confirmed) == private
    async with db.read() as session:
        stored = (await session.execute(select(WebRegistration))).scalar_one()
    token = private.rsplit("/", 1)[1]
    assert stored.manage_hash and token not in (stored.manage_hash, stored.confirm_hash)
    assert (await client.post(f"{link}/confirm", data={"csrf": "x"})).status == 403
    retry = await client.post(f"{link}/confirm", data={"csrf": await csrf_of(client, private)})
    assert retry.status == 404  # the confirmation link works once
    assert await rows(db, OutgoingMail) == 0  # sent mails (with private links) are not kept


@pytest.mark.usefixtures("coop")
async def test_a_form_without_the_csrf_token_or_from_another_origin_is_refused(
    client: Any, db: Database, settings: Settings
) -> None:
    event = await add_event(db, settings, CALL)
    path = f"/users/fairbnb/events/{event.id}"
    data = {"name": "Ada", "email": "ada@example.org"}
    assert (await client.post(f"{path}/register", data=data)).status == 403
    csrf = await csrf_of(client, path)
    forged = {**data, "csrf": csrf[:-2] + "xx"}
    assert (await client.post(f"{path}/register", data=forged)).status == 403
    other = {"Origin": "http://evil.test"}
    response = await client.post(f"{path}/register", data={**data, "csrf": csrf}, headers=other)
    assert response.status == 403 and "nur von dieser Seite" in await response.text()
    client.session.cookie_jar.clear()
    assert (await client.post(f"{path}/register", data={**data, "csrf": csrf})).status == 403
    assert await rows(db, WebRegistration) == 0 and await rows(db, OutgoingMail) == 0


@pytest.mark.usefixtures("coop")
@pytest.mark.parametrize(
    ("name", "email", "line"),
    [
        ("", "ada@example.org", "Bitte gib einen Namen an"),
        ("Ada", "not-an-address", "gültige E-Mail-Adresse"),
        ("Ada", "ada@example.org\r\nBcc: x@example.org", "gültige E-Mail-Adresse"),
        ("Ada\x00", "ada@example.org", "Bitte gib einen Namen an"),
    ],
)
async def test_bad_form_input_gets_one_readable_line_and_writes_nothing(
    client: Any, db: Database, settings: Settings, name: str, email: str, line: str
) -> None:
    event = await add_event(db, settings, CALL)
    response = await sign_up(client, event.id, name, email)
    assert response.status == 422 and line in await response.text()
    assert await rows(db, WebRegistration) == 0 and await rows(db, OutgoingMail) == 0


@pytest.mark.usefixtures("coop")
async def test_registration_for_a_cancelled_or_closed_event_is_refused(
    client: Any, db: Database, settings: Settings
) -> None:
    open_one = await add_event(db, settings, CALL)
    closed = await add_event(db, settings, CALL, registration="closed")
    page = await (await client.get(f"/users/fairbnb/events/{closed.id}")).text()
    assert 'name="email"' not in page
    csrf = await csrf_of(client, f"/users/fairbnb/events/{open_one.id}")
    data = {"csrf": csrf, "name": "Ada", "email": "ada@example.org"}
    response = await client.post(f"/users/fairbnb/events/{closed.id}/register", data=data)
    assert response.status == 422 and "keine Anmeldung" in await response.text()
    async with db.begin() as session:
        coop = await service.owner_of_event(session, open_one.id)
        await service.cancel_event(session, Uris(settings), coop, open_one.id)
    response = await client.post(f"/users/fairbnb/events/{open_one.id}/register", data=data)
    assert response.status == 422 and "abgesagt" in await response.text()
    assert await rows(db, WebRegistration) == 0


@pytest.mark.usefixtures("coop")
async def test_the_form_and_its_refusals_come_in_english_when_chosen(
    client: Any, db: Database, settings: Settings
) -> None:
    event = await add_event(db, settings, CALL, registration="closed")
    open_one = await add_event(db, settings, CALL)
    page = await (await client.get(f"/users/fairbnb/events/{open_one.id}?lang=en")).text()
    assert "<h2>Register</h2>" in page and "deleted 30 days after the event" in page
    data = {"csrf": await csrf_of(client, f"/users/fairbnb/events/{open_one.id}")}
    refused = await client.post(
        f"/users/fairbnb/events/{event.id}/register",
        data={**data, "name": "Ada", "email": "ada@example.org"},
    )
    assert "Registration is not possible: this event takes no registrations." in (
        await refused.text()
    )
    wrong = await client.post(
        f"/users/fairbnb/events/{open_one.id}/register", data={**data, "name": "", "email": "x"}
    )
    assert "Please give a name (at most 200 characters)." in await wrong.text()
    sent = await sign_up(client, open_one.id, "Ada", "ada@example.org")
    assert "Almost done" in await sent.text()


@pytest.mark.usefixtures("coop")
async def test_registrations_are_rate_limited_per_email_and_per_address(
    client: Any, db: Database, settings: Settings
) -> None:
    event = await add_event(db, settings, CALL)
    for _ in range(5):
        assert (await sign_up(client, event.id, "Ada", "ada@example.org")).status == 200
    response = await sign_up(client, event.id, "Ada", "ADA@EXAMPLE.ORG")
    assert response.status == 429 and "Zu viele Anmeldungen" in await response.text()
    for number in range(5):
        assert (await sign_up(client, event.id, "Bo", f"bo{number}@example.org")).status == 200
    assert (await sign_up(client, event.id, "Cy", "cy@example.org")).status == 429
    assert await rows(db, WebRegistration) == 10


def fediverse(remote: FakeRemote, user: str, kind: str, event_id: int) -> dict[str, Any]:
    """A Join or Leave of one of our events from a fediverse user."""
    return {
        "id": f"{remote.actor(user)}#{kind.lower()}/{event_id}",
        "type": kind,
        "actor": remote.actor(user),
        "object": f"{COOP}/events/{event_id}",
    }


def answers(remote: FakeRemote) -> list[tuple[str, str]]:
    return [
        (r.path, r.activity["type"])
        for r in remote.received
        if r.activity["type"] in {"Accept", "Reject"}
    ]


@pytest.mark.usefixtures("coop")
async def test_web_and_fediverse_share_seats_and_a_web_cancel_promotes_a_join(
    client: Any,
    db: Database,
    settings: Settings,
    federation: Federation,
    mailbox: Mailbox,
    gathering: FakeRemote,
) -> None:
    event = await add_event(db, settings, CALL, capacity=1)
    private = await registered(client, mailbox, federation, event.id, "Ada", "ada@example.org")
    await deliver(client, gathering, "bob", fediverse(gathering, "bob", "Join", event.id))
    await worker.run_once(federation)
    assert answers(gathering) == [("/users/bob/inbox", "Reject")]
    assert await states(db) == [ParticipationState.accepted, ParticipationState.waiting]
    gathering.received.clear()
    csrf = await csrf_of(client, private)
    cancelled = await client.post(f"{private}/cancel", data={"csrf": csrf}, allow_redirects=False)
    assert cancelled.status == 303
    await worker.run_once(federation)
    assert answers(gathering) == [("/users/bob/inbox", "Accept")]
    assert await states(db) == [ParticipationState.accepted]
    page = await (await client.get(private)).text()
    assert "für keinen Termin (mehr) angemeldet" in page and MEETING not in page


@pytest.mark.usefixtures("coop")
async def test_a_fediverse_leave_gives_the_seat_to_the_web_waiting_list_by_mail(
    client: Any,
    db: Database,
    settings: Settings,
    federation: Federation,
    mailbox: Mailbox,
    gathering: FakeRemote,
) -> None:
    event = await add_event(db, settings, CALL, capacity=1)
    await deliver(client, gathering, "bob", fediverse(gathering, "bob", "Join", event.id))
    await worker.run_once(federation)
    private = await registered(client, mailbox, federation, event.id, "Ada", "ada@example.org")
    await mail.send_due(db, settings)
    waiting = mailbox.to("ada@example.org")[-1]
    assert "Warteliste" in body(waiting) and MEETING not in body(waiting)
    assert MEETING not in await (await client.get(private)).text()
    await deliver(client, gathering, "bob", fediverse(gathering, "bob", "Leave", event.id))
    await worker.run_once(federation)
    assert await states(db) == [ParticipationState.accepted]
    promoted = mailbox.to("ada@example.org")[-1]
    assert "Du bist dabei" in promoted["Subject"] and MEETING in body(promoted)
    assert MEETING in await (await client.get(private)).text()


@pytest.mark.usefixtures("coop")
async def test_registering_for_the_whole_series_covers_every_date_and_new_ones(
    client: Any, db: Database, settings: Settings, federation: Federation, mailbox: Mailbox
) -> None:
    now = datetime(2030, 12, 1, tzinfo=BERLIN)
    series = await add_event(db, settings, CALL, now=now, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=FR")
    dates = await dates_of(db, series.id)
    response = await sign_up(client, dates[0].id, "Ada", "ada@example.org", whole_series=True)
    assert response.status == 200
    private = await confirm(client, mailbox, federation, "ada@example.org")
    assert await states(db) == [ParticipationState.accepted] * len(dates)
    async with db.begin() as session:
        made = await service.extend_series(session, Uris(settings), now + timedelta(days=60))
    assert made > 0
    assert await states(db) == [ParticipationState.accepted] * (len(dates) + made)
    page = await (await client.get(private)).text()
    assert page.count(MEETING) >= len(dates) + made
    csrf = await csrf_of(client, private)
    await client.post(f"{private}/cancel", data={"csrf": csrf}, allow_redirects=False)
    assert await states(db) == []
    async with db.begin() as session:
        later = await service.extend_series(session, Uris(settings), now + timedelta(days=120))
    assert later > 0 and await states(db) == []  # cancelled: new dates are not added


async def dates_of(db: Database, series_id: int) -> list[Event]:
    async with db.read() as session:
        query = select(Event).where(Event.series_id == series_id).order_by(Event.starts_at)
        return list((await session.execute(query)).scalars())


@pytest.mark.usefixtures("coop")
async def test_without_smtp_the_mail_with_the_link_goes_to_the_log(
    db: Database, settings: Settings, client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    event = await add_event(db, settings, CALL)
    assert (await sign_up(client, event.id, "Ada", "ada@example.org")).status == 200
    caplog.set_level("INFO", logger="hub.mail")
    assert await mail.send_due(db, dataclasses.replace(settings, smtp_host="")) == 1
    assert "http://hub.test/registrations/" in caplog.text and "ada@example.org" in caplog.text
    assert await rows(db, OutgoingMail) == 0


@pytest.mark.usefixtures("coop")
async def test_web_participants_get_a_mail_when_their_date_is_cancelled(
    client: Any, db: Database, settings: Settings, federation: Federation, mailbox: Mailbox
) -> None:
    event = await add_event(db, settings, CALL)
    await registered(client, mailbox, federation, event.id, "Ada", "ada@example.org")
    async with db.begin() as session:
        coop = await service.owner_of_event(session, event.id)
        await service.cancel_event(session, Uris(settings), coop, event.id)
    await mail.send_due(db, settings)
    notice = mailbox.to("ada@example.org")[-1]
    assert notice["Subject"] == "Abgesagt: Offener Community-Call"
    assert "findet leider nicht statt" in body(notice)


@pytest.mark.usefixtures("coop")
async def test_before_registration_opens_there_is_no_form_and_posts_are_refused(
    client: Any, db: Database, settings: Settings
) -> None:
    later = await add_event(db, settings, CALL, registration_opens="2030-11-20T10:00")
    page = await (await client.get(f"/users/fairbnb/events/{later.id}")).text()
    assert 'name="email"' not in page
    open_one = await add_event(db, settings, CALL)
    csrf = await csrf_of(client, f"/users/fairbnb/events/{open_one.id}")
    data = {"csrf": csrf, "name": "Ada", "email": "ada@example.org"}
    response = await client.post(f"/users/fairbnb/events/{later.id}/register", data=data)
    assert response.status == 422 and "noch nicht geöffnet" in await response.text()
    assert await rows(db, WebRegistration) == 0


@pytest.mark.usefixtures("coop")
async def test_one_address_registered_twice_holds_one_seat_on_the_newest_page(
    client: Any, db: Database, settings: Settings, federation: Federation, mailbox: Mailbox
) -> None:
    event = await add_event(db, settings, CALL)
    first = await registered(client, mailbox, federation, event.id, "Ada", "ada@example.org")
    second = await registered(client, mailbox, federation, event.id, "Ada L.", "Ada@example.org")
    assert await states(db) == [ParticipationState.accepted]
    assert MEETING in await (await client.get(second)).text()
    assert MEETING not in await (await client.get(first)).text()


@pytest.mark.usefixtures("coop")
async def test_behind_a_local_proxy_the_forwarded_address_is_rate_limited(
    client: Any, db: Database, settings: Settings
) -> None:
    event = await add_event(db, settings, CALL)
    path = f"/users/fairbnb/events/{event.id}"
    csrf = await csrf_of(client, path)

    async def send(number: int, forwarded: str) -> int:
        data = {"csrf": csrf, "name": "Bo", "email": f"bo{number}@example.org"}
        headers = {"X-Forwarded-For": forwarded}
        return int((await client.post(f"{path}/register", data=data, headers=headers)).status)

    assert [await send(n, f"203.0.113.1, 198.51.100.{n}") for n in range(12)] == [200] * 12
    assert [await send(20 + n, "198.51.100.7") for n in range(10)] == [200] * 9 + [429] * 1
