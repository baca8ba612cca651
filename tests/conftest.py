"""Fixtures: every database test runs on SQLite and again on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url

from hub.actors.local import ensure_builtin_actors
from hub.config import Settings, normalize_database_url
from hub.federation import Federation, open_federation
from hub.store.db import Database
from hub.store.migrate import upgrade
from hub.store.models import Base
from tests.fakeremote import FakeRemote
from tests.helpers import NoDns
from web.app import create_app

PG_ENV = "HUB_TEST_DATABASE_URL"
PG_SKIP = (
    f"PostgreSQL run skipped: set {PG_ENV} (e.g. postgresql://127.0.0.1:5432/test) "
    "to run the whole suite on PostgreSQL too"
)
TEST_DOMAIN = "hub.test"
# Fake remote servers: each name on its own loopback address (ports are picked at start).
REMOTES = {"remote.test": "127.0.0.31", "other.test": "127.0.0.32", "third.test": "127.0.0.33"}


def pytest_report_header(config: pytest.Config) -> str:
    """Say up front whether the PostgreSQL run happens."""
    url = os.environ.get(PG_ENV)
    return f"PostgreSQL run: {url}" if url else PG_SKIP


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (migrating once is the slow part)."""
    path = tmp_path_factory.mktemp("template") / "hub.sqlite3"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated, dropped at the end."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    admin_url = normalize_database_url(base)
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    db = Database(url, isolation_level="AUTOCOMMIT")
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await db.dispose()


async def _migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db.engine)
    finally:
        await db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database this run of the test uses."""
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database of the chosen backend for this test."""
    if backend == "sqlite":
        target = tmp_path / "hub.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("postgres_url")
    asyncio.run(_truncate(url))
    return url


async def _truncate(url: str) -> None:
    tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    db = Database(url)
    try:
        async with db.begin() as session:
            await session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await db.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a hub at http://hub.test on the test database."""
    return Settings(
        domain=TEST_DOMAIN,
        scheme="http",
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        allow_private_addresses=True,
        resolve=REMOTES,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    """The test database with the built-in actors in place."""
    database = Database(settings.database_url)
    async with database.begin() as session:
        await ensure_builtin_actors(session, settings)
    yield database
    await database.dispose()


@pytest.fixture
async def remote() -> AsyncIterator[FakeRemote]:
    """A fake fediverse server at remote.test that signs for real."""
    server = FakeRemote("remote.test", REMOTES["remote.test"])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def federation(settings: Settings, db: Database) -> AsyncIterator[Federation]:
    """The federation context: its client reaches the fake remotes and never asks real DNS."""
    context = await open_federation(settings, db, NoDns())
    yield context
    await context.close()


@pytest.fixture
async def client(federation: Federation) -> AsyncIterator[TestClient[object, object]]:
    """A real HTTP client talking to the app served on a loopback port."""
    server = TestServer(create_app(federation), host="127.0.0.1")
    async with TestClient(server) as test_client:
        yield test_client
