"""Password reset by email: the login page's form, the mailed one-time link, limits."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from hub import mail
from hub.config import Settings
from hub.federation import Federation
from hub.ratelimit import Limits
from hub.store.db import Database
from hub.store.models import OneTimeToken, OutgoingMail
from hub.store.types import utcnow
from tests.apikit import PASSWORD, count, custom_client, login, person_with_coop
from tests.helpers import csrf_field
from tests.mailkit import Mailbox, body
from web.keys import LIMITS

SMTP_HOST = "127.0.0.170"
EMAIL = "mia@fairbnb.example"
NEW = "nach-der-mail-2026"
LINK = re.compile(r"http://hub\.test(/setup/[A-Za-z0-9_-]+)")


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    box.start(SMTP_HOST)
    yield box
    box.stop()


@pytest.fixture
def settings(settings: Settings, mailbox: Mailbox) -> Settings:
    """Test settings with a real SMTP server on loopback."""
    return dataclasses.replace(
        settings, smtp_host=SMTP_HOST, smtp_port=mailbox.port, smtp_from="hub@hub.test"
    )


async def ask(client: Any, email: str) -> Any:
    """Fill in the forgot-password form like a browser."""
    form = await client.get("/login/forgot")
    assert form.status == 200
    data = {"email": email, "csrf": csrf_field(await form.text())}
    return await client.post("/login/forgot", data=data)


async def set_password(client: Any, path: str, password: str) -> Any:
    """Open the link and submit a new password (the CSRF field comes from the login form)."""
    token = csrf_field(await (await client.get("/login")).text())
    data = {"csrf": token, "password": password, "password_confirm": password}
    return await client.post(path, data=data)


async def mailed_link(db: Database, settings: Settings, mailbox: Mailbox) -> str:
    """Let the worker send the outbox; the path of the one link mailed to EMAIL."""
    await mail.send_due(db, settings)
    messages = mailbox.to(EMAIL)
    assert len(messages) == 1
    found = LINK.search(body(messages[0]))
    assert found is not None, body(messages[0])
    return found.group(1)


async def test_the_login_page_leads_to_the_form(client: Any) -> None:
    page = await client.get("/login?lang=en")
    assert 'href="/login/forgot"' in await page.text()
    form = await client.get("/login/forgot?lang=en")
    html = await form.text()
    assert form.status == 200 and 'name="csrf"' in html and '<label for="email">' in html


async def test_a_mailed_link_sets_a_new_password_once(
    client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    answer = await ask(client, EMAIL.upper())
    assert answer.status == 200
    path = await mailed_link(db, settings, mailbox)
    assert mailbox.to(EMAIL)[0]["From"] == "hub@hub.test"
    assert await count(db, OutgoingMail) == 0  # sent mails leave the outbox
    assert (await client.get(path)).status == 200
    assert (await set_password(client, path, NEW)).status == 200
    assert (await login(client, EMAIL, NEW)).status == 303
    assert (await login(client, EMAIL, PASSWORD)).status == 401
    again = await set_password(client, path, "noch-ein-passwort-1")
    assert again.status == 404
    assert (await client.get(path)).status == 404
    assert (await login(client, EMAIL, NEW)).status == 303


async def test_an_unknown_email_gets_the_same_answer_and_no_mail(
    client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    known = await ask(client, EMAIL)
    unknown = await ask(client, "nobody@fairbnb.example")
    malformed = await ask(client, "not an address")
    assert known.status == unknown.status == malformed.status == 200
    assert await known.text() == await unknown.text() == await malformed.text()
    await mail.send_due(db, settings)
    assert [message["To"] for message in mailbox.messages] == [EMAIL]
    assert await count(db, OneTimeToken) == 1


async def test_a_mailed_link_expires(
    client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await ask(client, EMAIL)
    path = await mailed_link(db, settings, mailbox)
    async with db.begin() as session:
        past = utcnow() - timedelta(seconds=1)
        await session.execute(update(OneTimeToken).values(expires_at=past))
    assert (await client.get(path)).status == 404
    assert (await set_password(client, path, NEW)).status == 404
    assert (await login(client, EMAIL, NEW)).status == 401
    assert (await login(client, EMAIL, PASSWORD)).status == 303


async def test_a_newer_request_withdraws_the_older_link(
    client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await ask(client, EMAIL)
    first = await mailed_link(db, settings, mailbox)
    mailbox.messages.clear()
    await ask(client, EMAIL)
    second = await mailed_link(db, settings, mailbox)
    assert (await set_password(client, first, NEW)).status == 404
    assert (await set_password(client, second, NEW)).status == 200


async def test_requests_are_rate_limited_per_email_and_per_address(
    federation: Federation, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")

    def strict(app: Any) -> None:
        app[LIMITS] = Limits(resets_per_ip=4, resets_per_email=2)

    async with custom_client(federation, strict) as client:
        assert [(await ask(client, EMAIL)).status for _ in range(2)] == [200, 200]
        locked = await ask(client, EMAIL)
        assert locked.status == 429 and int(locked.headers["Retry-After"]) > 0
        assert (await ask(client, "other@fairbnb.example")).status == 200
        assert (await ask(client, "third@fairbnb.example")).status == 200
        assert (await ask(client, "fourth@fairbnb.example")).status == 429
    await mail.send_due(db, settings)
    assert len(mailbox.to(EMAIL)) == 2


async def test_without_csrf_or_smtp_nothing_is_sent(
    federation: Federation, client: Any, db: Database, settings: Settings, mailbox: Mailbox
) -> None:
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    refused = await client.post("/login/forgot", data={"email": EMAIL})
    assert refused.status == 403
    async with custom_client(federation, smtp_host="") as plain:
        answer = await ask(plain, EMAIL)
        assert answer.status == 200
    assert await count(db, OutgoingMail) == 0
    assert await count(db, OneTimeToken) == 0
    await mail.send_due(db, settings)
    assert mailbox.messages == []
