"""Print the query plans of the network timeline's first and 100th page (local and remote).

Seeds the data of bench/timeline.py (fewer posts by default), walks 100 pages with
hub.timeline.network_page and shows EXPLAIN QUERY PLAN (SQLite) or EXPLAIN ANALYZE
(PostgreSQL) of the page query. Each table must be read through an index, newest first, and
stop after one page; the only sort allowed is the merge of those two short slices (at most
2 x 21 rows). A plan that reads posts or remote notes otherwise is flagged.
`.venv/bin/python bench/timeline_plans.py [--posts N] [--database-url postgresql://...]`
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
from pathlib import Path
from typing import Any

from harness import hub_env, scratch_database
from sqlalchemy import event, text
from timeline import DOMAIN, PAGES, seed

from hub.bootstrap import open_database
from hub.config import load_settings
from hub.timeline import Cursor, network_page

# Reading a whole table, or sorting one: SQLite's "SCAN t" without an index, PostgreSQL's
# "Seq Scan on t"; a sort of the table's rows shows up as a sort below the table's own scan.
UNINDEXED = re.compile(
    r"SCAN (posts|remote_notes|reply)(?! USING)|Seq Scan on (posts|remote_notes)"
)


def main() -> int:
    """Seed, walk, explain."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--coops", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="coophub-plans-") as scratch,
        scratch_database(args.database_url) as database_url,
    ):
        env = hub_env(Path(scratch), database_url, domain=DOMAIN)
        return asyncio.run(explain(env, args.posts, args.coops))


async def explain(env: dict[str, str], posts: int, coops: int) -> int:
    """Walk to page PAGES; print the plans of the first and the last page's queries."""
    await seed(env, posts, coops)
    db = await open_database(load_settings(env))
    flagged = 0
    try:
        async with db.begin() as session:
            await session.execute(text("ANALYZE"))
        for number, cursor in ((1, None), (PAGES, await _cursor_of_page(db, PAGES))):
            for statement, plan in await _plans(db, cursor):
                bad = UNINDEXED.search(plan) is not None
                flagged += bad
                print(f"--- page {number}{' (NO INDEX)' if bad else ''}\n{statement}\n{plan}\n")
    finally:
        await db.dispose()
    print("every table read through an index" if not flagged else f"{flagged} plans read a table")
    return 1 if flagged else 0


async def _cursor_of_page(db: Any, number: int) -> Cursor | None:
    cursor = None
    async with db.read() as session:
        for _ in range(number - 1):
            cursor = (await network_page(session, cursor)).next_cursor
    return cursor


async def _plans(db: Any, cursor: Cursor | None) -> list[tuple[str, str]]:
    """Each statement of one page with its plan, explained on the same DBAPI cursor."""
    found: list[tuple[str, str]] = []
    sqlite = db.engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ANALYZE "

    def explain(_conn: Any, dbapi: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            dbapi.execute(prefix + statement, params)
            rows = dbapi.fetchall()
            found.append((statement, "\n".join(" ".join(map(str, row)) for row in rows)))

    event.listen(db.engine.sync_engine, "before_cursor_execute", explain)
    try:
        async with db.read() as session:
            await network_page(session, cursor)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", explain)
    return found


if __name__ == "__main__":
    raise SystemExit(main())
