"""Open the hub's database ready for use: data dir, migrations, built-in actors."""

from __future__ import annotations

from hub.actors.local import ensure_builtin_actors
from hub.config import Settings
from hub.store.db import Database
from hub.store.migrate import upgrade


async def open_database(settings: Settings, migrate: bool = True) -> Database:
    """Create the data dir, migrate to the newest schema and make sure the built-in actors exist."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        if migrate:
            await upgrade(db.engine)
        async with db.begin() as session:
            await ensure_builtin_actors(session, settings)
    except BaseException:
        await db.dispose()
        raise
    return db
