"""The store: migrations equal the models, SQLite pragmas, aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from hub.store.db import Database
from hub.store.migrate import current_revision, upgrade
from hub.store.models import Base, Person, Post
from hub.store.types import utcnow

HEAD = "0015"


async def test_migrated_schema_equals_the_models(db: Database) -> None:
    async with db.engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
            )
        )
    assert diff == []


async def test_upgrade_is_idempotent_and_records_the_head(db: Database) -> None:
    await upgrade(db.engine)
    assert await current_revision(db.engine) == HEAD


async def test_a_fresh_database_is_migrated_from_nothing(tmp_path: Any) -> None:
    fresh = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}")
    try:
        assert await current_revision(fresh.engine) is None
        await upgrade(fresh.engine)
        assert await current_revision(fresh.engine) == HEAD
    finally:
        await fresh.dispose()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(db: Database, backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("SQLite pragmas")
    async with db.engine.connect() as connection:
        assert (await connection.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await connection.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    with pytest.raises(IntegrityError):
        async with db.begin() as session:
            await session.execute(
                text("INSERT INTO one_time_tokens (token_hash, purpose, person_id, created_at, "
                     "expires_at) VALUES ('h', 'p', 999, '2026-01-01', '2026-01-02')")
            )  # fmt: skip


async def test_datetimes_come_back_aware_in_utc(db: Database) -> None:
    berlin = timezone(timedelta(hours=1))
    moment = datetime(2026, 5, 28, 14, 0, tzinfo=berlin)
    async with db.begin() as session:
        person = Person(email="a@coop.example", created_at=moment)
        session.add(person)
    async with db.begin() as session:
        loaded = await session.get(Person, person.id)
        assert loaded is not None
        assert loaded.created_at.tzinfo is not None
        assert loaded.created_at.utcoffset() == timedelta(0)
        assert loaded.created_at == datetime(2026, 5, 28, 13, 0, tzinfo=UTC)


async def test_naive_datetimes_are_refused(db: Database) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        async with db.begin() as session:
            session.add(Person(email="b@coop.example", created_at=datetime(2026, 1, 1)))
            await session.flush()
    assert utcnow().tzinfo is UTC


async def test_upgrading_an_older_schema_keeps_its_rows(tmp_path: Any) -> None:
    old = Database(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    try:
        await upgrade(old.engine, "0001")
        async with old.begin() as session:
            await session.execute(
                text("INSERT INTO local_actors (kind, username, name, summary, fields, "
                     "manually_approves_followers, discoverable, indexable, rsa_public_pem, "
                     "rsa_private_pem, ed25519_private_multibase, created_at, updated_at) VALUES "
                     "('coop', 'alt', 'Alt', '', '[]', 0, 1, 1, 'p', 'q', 'z', "
                     "'2026-01-01 00:00:00', '2026-01-01 00:00:00')")
            )  # fmt: skip
            await session.execute(
                text("INSERT INTO posts (local_actor_id, content_html, source_text, visibility, "
                     "published_at) VALUES (1, '<p>x</p>', 'x', 'public', '2026-01-01 00:00:00')")
            )  # fmt: skip
        await upgrade(old.engine)
        async with old.begin() as session:
            post = await session.get(Post, 1)
            assert post is not None and post.tags == [] and post.content_html == "<p>x</p>"
    finally:
        await old.dispose()
