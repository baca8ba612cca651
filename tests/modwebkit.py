"""Helpers for the moderation web tests: managers and other people, logged in, posting forms."""

from __future__ import annotations

from typing import Any

from hub import accounts
from hub.store.db import Database
from hub.store.models import Person
from tests.apikit import PASSWORD, login
from tests.helpers import csrf_field

MANAGER_EMAIL = "moderatorin@hub.test"
PERSON_EMAIL = "redakteur@fairbnb.test"


async def make_person(db: Database, email: str, manager: bool) -> Person:
    """A person with a password, with or without the manager role."""
    async with db.begin() as session:
        person, _ = await accounts.create_person(session, email, PASSWORD)
        person.is_manager = manager
    return person


async def log_in(
    client: Any, db: Database, email: str = MANAGER_EMAIL, manager: bool = True
) -> None:
    """Create the person and log the test client in as them."""
    await make_person(db, email, manager)
    assert (await login(client, email)).status == 303


async def token(client: Any, path: str = "/moderation/domains") -> str:
    """The CSRF value of a manager page's forms."""
    page = await client.get(path)
    assert page.status == 200, await page.text()
    return csrf_field(await page.text())


async def submit(client: Any, path: str, data: dict[str, str], csrf: str | None = None) -> Any:
    """POST a form like a browser (with the CSRF value unless given as ''); no redirects."""
    form = dict(data)
    if csrf != "":
        form["csrf"] = csrf or await token(client)
    return await client.post(path, data=form, allow_redirects=False)
