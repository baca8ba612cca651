"""Mastodon's keyset paging (max_id, since_id, min_id, limit) over any table's integer id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.statuses import MAX_PAGE, Cursor, bounded
from hub.store.types import MAX_ID


async def keyset(
    session: AsyncSession, query: Select[Any], key: InstrumentedAttribute[int], cursor: Cursor
) -> Sequence[Any]:
    """One page of the query's rows, newest (highest id) first; never OFFSET."""
    cursor = bounded(cursor)
    if cursor.since_id == MAX_ID or cursor.min_id == MAX_ID:
        return []
    if cursor.max_id is not None:
        query = query.where(key < cursor.max_id)
    if cursor.since_id is not None:
        query = query.where(key > cursor.since_id)
    limit = max(1, min(cursor.limit, MAX_PAGE))
    if cursor.min_id is not None:
        query = query.where(key > cursor.min_id).order_by(key.asc()).limit(limit)
        return list(reversed((await session.execute(query)).scalars().all()))
    found = await session.execute(query.order_by(key.desc()).limit(limit))
    return list(found.scalars().all())
