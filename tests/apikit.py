"""Helpers for the client-API tests: people with coops, tokens, and logging in by form."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from hub import accounts, memberships, oauth
from hub.config import Settings
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import LocalActor, Person, Role
from tests.helpers import csrf_field, make_coop
from web.app import create_app

PASSWORD = "genossenschaft-2026"


async def person_with_coop(
    db: Database, settings: Settings, email: str, username: str, role: Role = Role.editor
) -> tuple[Person, LocalActor]:
    """A person with a password who manages a new coop."""
    coop = await make_coop(db, settings, username)
    async with db.begin() as session:
        person, _ = await accounts.create_person(session, email, PASSWORD)
        await memberships.grant(session, person, coop, role)
    return person, coop


async def token_for(db: Database, person: Person, coop: LocalActor, scope: str) -> str:
    """A personal access token (as `hub token create` makes) for the person and coop."""
    async with db.begin() as session:
        issued = await oauth.issue_token(session, None, person.id, coop.id, scope, refresh=False)
    return issued.access_token


async def count(db: Database, model: type, *where: Any) -> int:
    """How many rows of a model match."""
    async with db.read() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int((await session.execute(query)).scalar_one())


async def login(client: Any, email: str, password: str = PASSWORD, target: str = "") -> Any:
    """Fill in the login form like a browser (CSRF field included); return the answer."""
    form = await client.get("/login" + (f"?next={target}" if target else ""))
    token = csrf_field(await form.text())
    data = {"email": email, "password": password, "csrf": token, "next": target}
    return await client.post("/login", data=data, allow_redirects=False)


def pkce_pair() -> tuple[str, str]:
    """A PKCE verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@asynccontextmanager
async def custom_client(
    federation: Federation, change: Callable[[Any], None] | None = None, **settings: Any
) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client for an app with changed settings; `change` may adjust the app first."""
    context = dataclasses.replace(
        federation, settings=dataclasses.replace(federation.settings, **settings)
    )
    app = create_app(context)
    if change:
        change(app)
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
