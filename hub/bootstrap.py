"""Open the hub's database ready for use: data dir, migrations, built-in actors; settle the heap."""

from __future__ import annotations

import gc

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


def settle_heap() -> None:
    """Keep the objects made at start-up out of every later garbage collection.

    Modules, the schema, templates and catalogues are some 170,000 objects that live as long as
    the process. A full collection walked them all: under inbox load that was a pause of 50 to
    300 ms a few times a minute, and every request in flight waited for it.
    """
    gc.collect()
    gc.freeze()
