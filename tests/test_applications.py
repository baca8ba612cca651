"""Membership applications: the public form, approval with the owner's link, decline, the CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Iterator
from html import unescape as html_unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hub import accounts, mail, memberships
from hub.actors.local import find_actor
from hub.config import Settings
from hub.federation import Federation
from hub.moderation import ModerationError
from hub.moderation.applications import ApplicationDraft, approve, decline, submit
from hub.ratelimit import Limits
from hub.store.db import Database
from hub.store.models import (
    LocalActor,
    MembershipApplication,
    ModerationAction,
    OutgoingMail,
    Person,
    Role,
)
from tests.apikit import count, custom_client, login
from tests.helpers import csrf_field, make_coop
from tests.mailkit import Mailbox, body
from tests.test_cli import Hub
from tests.test_cli import count as cli_count
from web.keys import LIMITS

SMTP_HOST = "127.0.0.110"
MANAGER = "manager@hub.test"
EMAIL = "lena@velocoop.example"
SETUP = re.compile(r"http://hub\.test(/setup/[A-Za-z0-9_-]+)")
FORM = {
    "name": "Velo Coop",
    "username": "VeloCoop",
    "summary": "Lastenräder *gemeinsam* nutzen.",
    "website": "https://velocoop.example",
    "legal_form": "eG",
    "sector": "Mobilität",
    "region": "Leipzig",
    "contact_name": "Lena Rad",
    "contact_email": EMAIL,
}


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start(SMTP_HOST)
    yield box
    box.stop()


@pytest.fixture
def settings(settings: Settings, mailbox: Mailbox) -> Settings:
    """Test settings with a real SMTP server on loopback."""
    return dataclasses.replace(settings, smtp_host=SMTP_HOST, smtp_port=mailbox.port)


async def apply(client: Any, **changes: str) -> Any:
    """Fill in the application form like a browser."""
    token = csrf_field(await (await client.get("/apply")).text())
    data = {**FORM, **changes, "csrf": token}
    return await client.post("/apply", data=data, allow_redirects=False)


async def stored(db: Database) -> list[MembershipApplication]:
    async with db.read() as session:
        query = select(MembershipApplication).order_by(MembershipApplication.id)
        return list((await session.execute(query)).scalars())


async def audit_actions(db: Database) -> list[tuple[str, str, str]]:
    async with db.read() as session:
        query = select(ModerationAction).order_by(ModerationAction.id)
        return [(r.action, r.target, r.moderator) for r in (await session.execute(query)).scalars()]


async def test_the_form_stores_an_application_and_shows_the_thank_you_page(
    client: Any, db: Database
) -> None:
    response = await apply(client)
    assert response.status == 303 and response.headers["Location"] == "/apply/thanks"
    thanks = await client.get("/apply/thanks")
    assert thanks.status == 200 and "<h1>" in await thanks.text()
    [application] = await stored(db)
    assert (application.username, application.state, application.sector) == (
        "velocoop", "pending", "Mobilität"
    )  # fmt: skip
    assert application.contact_email == EMAIL and application.website == FORM["website"]
    assert await count(db, LocalActor, LocalActor.username == "velocoop") == 0


async def test_approval_creates_the_coop_and_its_owner_sets_a_password_by_the_mailed_link(
    client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    assert (await apply(client)).status == 303
    [application] = await stored(db)
    async with db.begin() as session:
        approval = await approve(session, settings, application.id, MANAGER, "passt")
    assert approval.link is not None
    async with db.read() as session:
        coop = await find_actor(session, "velocoop")
        assert coop is not None
        assert (coop.name, coop.legal_form, coop.region) == ("Velo Coop", "eG", "Leipzig")
        owner = await accounts.get_person(session, EMAIL)
        member = await memberships.membership(session, owner, coop)
        assert member is not None and member.role == Role.owner
    [decided] = await stored(db)
    assert (decided.state, decided.decided_by, decided.local_actor_id) == (
        "approved", MANAGER, coop.id
    )  # fmt: skip
    assert await audit_actions(db) == [("application.approve", "velocoop", MANAGER)]
    assert await count(db, OutgoingMail, OutgoingMail.recipient == EMAIL) == 1
    await mail.send_due(db, settings)
    [welcome] = mailbox.to(EMAIL)
    found = SETUP.search(body(welcome))
    assert found is not None and "Velo Coop" in welcome["Subject"]
    setup = await client.get(found.group(1))
    assert setup.status == 200 and EMAIL in await setup.text()
    password = "lastenrad-2026"
    data = {"csrf": csrf_field(await setup.text()), "password": password,
            "password_confirm": password}  # fmt: skip
    assert (await client.post(found.group(1), data=data)).status == 200
    assert (await login(client, EMAIL, password)).status == 303
    assert "@velocoop" in await (await client.get("/account")).text()
    assert (await client.get(found.group(1))).status == 404  # used up


async def test_declining_stores_the_reason_mails_it_and_creates_nothing(
    client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    assert (await apply(client)).status == 303
    [application] = await stored(db)
    async with db.begin() as session:
        with pytest.raises(ModerationError, match="needs a reason"):
            await decline(session, application.id, MANAGER, "  ")
        await decline(session, application.id, MANAGER, "Keine Genossenschaft")
    [declined] = await stored(db)
    assert (declined.state, declined.reason) == ("declined", "Keine Genossenschaft")
    assert await audit_actions(db) == [("application.decline", "velocoop", MANAGER)]
    await mail.send_due(db, settings)
    [message] = mailbox.to(EMAIL)
    assert "Keine Genossenschaft" in body(message)
    assert await count(db, LocalActor, LocalActor.username == "velocoop") == 0
    assert await count(db, Person) == 0
    async with db.begin() as session:
        with pytest.raises(ModerationError, match="declined already"):
            await approve(session, settings, application.id, MANAGER)


async def test_an_existing_person_with_a_password_becomes_owner_without_a_new_link(
    db: Database, settings: Settings
) -> None:
    async with db.begin() as session:
        await accounts.create_person(session, EMAIL, "schon-ein-passwort")
        application = await submit(session, settings, ApplicationDraft(
            "Velo Coop", "velocoop", "Lena Rad", EMAIL.upper()))  # fmt: skip
        approval = await approve(session, settings, application.id, MANAGER)
    assert approval.link is None and approval.owner.email == EMAIL
    async with db.read() as session:
        [mailed] = (await session.execute(select(OutgoingMail))).scalars()
    assert "/setup/" not in mailed.body


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"username": "nicht gültig"}, "'nicht gültig' ist kein gültiger Benutzername"),
        ({"username": "admin"}, "'admin' ist reserviert"),
        ({"name": "   "}, "Namen der Coop"),
        ({"contact_email": "keine-adresse"}, "'keine-adresse' ist keine gültige E-Mail"),
        ({"website": "javascript:alert(1)"}, "ist keine Webadresse"),
        ({"contact_name": ""}, "Ansprechperson"),
        ({"sector": "x" * 101}, "Branche ist länger als 100"),
    ],
)
async def test_bad_input_is_422_with_one_line_and_stores_nothing(
    client: Any, db: Database, changes: dict[str, str], line: str
) -> None:
    response = await apply(client, **changes)
    html = await response.text()
    assert response.status == 422
    [error] = re.findall(r'<p class="error" role="alert">([^<]*)</p>', html)
    assert line in html_unescape(error)
    assert await stored(db) == []


async def test_a_taken_or_already_requested_username_is_refused(
    client: Any, db: Database, settings: Settings
) -> None:
    await make_coop(db, settings, "fairbnb")
    assert (await apply(client, username="fairbnb")).status == 422
    assert (await apply(client)).status == 303
    again = await apply(client, contact_email="other@velocoop.example")
    assert again.status == 422 and "liegt schon vor" in await again.text()
    assert len(await stored(db)) == 1


async def test_the_form_without_csrf_is_403_and_stores_nothing(client: Any, db: Database) -> None:
    await client.get("/apply")
    response = await client.post("/apply", data=FORM)
    assert response.status == 403
    assert await stored(db) == []


async def test_applications_are_rate_limited_per_address(
    federation: Federation, db: Database
) -> None:
    def strict(app: Any) -> None:
        app[LIMITS] = Limits(per_form=2)

    async with custom_client(federation, strict) as client:
        assert (await apply(client, username="eins")).status == 303
        assert (await apply(client, username="zwei")).status == 303
        third = await apply(client, username="drei")
        assert third.status == 429 and int(third.headers["Retry-After"]) > 0
    assert [a.username for a in await stored(db)] == ["eins", "zwei"]


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "HUB_DATA_DIR": str(tmp_path / "data"),
        "HUB_DATABASE_URL": database_url,
        "HUB_DOMAIN": "hub.test",
    }


def _submit(url: str, username: str) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            async with db.begin() as session:
                email = f"{username}@x.example"
                draft = ApplicationDraft(username.title(), username, "Lena", email)
                await submit(session, Settings(domain="hub.test", scheme="http"), draft)
        finally:
            await db.dispose()

    asyncio.run(go())


def test_cli_lists_approves_and_declines_applications(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str]
) -> None:
    hub, url = Hub(monkeypatch, capsys, env), env["HUB_DATABASE_URL"]
    _submit(url, "velocoop")
    _submit(url, "spamcoop")
    code, out, _ = hub("moderation", "applications")
    assert code == 0 and [line.split("\t")[:3] for line in out.strip().splitlines()] == [
        ["1", "pending", "velocoop"], ["2", "pending", "spamcoop"]
    ]  # fmt: skip
    code, out, _ = hub("moderation", "approve-application", "1", "--by", "ada")
    assert code == 0 and "@velocoop@hub.test is owned by velocoop@x.example" in out
    assert "http://hub.test/setup/" in out
    code, _, err = hub("moderation", "decline-application", "2")
    assert code == 2 and "--reason" in err
    declined = ("decline-application", "2", "--reason", "Werbung", "--by", "bea")
    code, out, _ = hub("moderation", *declined)
    assert (code, out.strip()) == (0, "application 2: declined")
    code, _, err = hub("moderation", "approve-application", "2")
    assert code == 2 and err.strip() == "hub: application 2 is declined already"
    code, out, _ = hub("moderation", "applications")
    assert (code, out) == (0, "")
    assert cli_count(url, LocalActor, LocalActor.username == "velocoop") == 1
    assert cli_count(url, OutgoingMail) == 2
    code, out, _ = hub("moderation", "audit", "list")
    assert [line.split("\t")[1:4] for line in out.strip().splitlines()] == [
        ["bea", "application.decline", "spamcoop"],
        ["ada", "application.approve", "velocoop"],
    ]
