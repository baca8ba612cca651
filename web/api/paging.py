"""Mastodon's keyset paging: max_id/since_id/min_id/limit in, a Link header out."""

from __future__ import annotations

from aiohttp import web
from yarl import URL

from hub.statuses import MAX_PAGE, Cursor
from web.keys import URIS
from web.responses import fail


def cursor(request: web.Request) -> Cursor:
    """The paging parameters of the request; 422 when one is not a number."""
    values: dict[str, int | None] = {}
    for name in ("max_id", "since_id", "min_id", "limit"):
        raw = request.query.get(name, "").strip()
        if raw and (not raw.isdigit() or len(raw) > 18):
            fail(422, f"{name} must be a number")
        values[name] = int(raw) if raw else None
    limit = values.pop("limit") or 20
    return Cursor(limit=max(1, min(limit, MAX_PAGE)), **values)


def link_header(request: web.Request, ids: list[int]) -> dict[str, str]:
    """`Link: <...max_id=oldest>; rel="next", <...min_id=newest>; rel="prev"` for a page."""
    if not ids:
        return {}
    base = URL(request.app[URIS].base + request.path)
    keep = {k: v for k, v in request.query.items() if k not in {"max_id", "since_id", "min_id"}}
    older = base.with_query({**keep, "max_id": str(min(ids))})
    newer = base.with_query({**keep, "min_id": str(max(ids))})
    return {"Link": f'<{older}>; rel="next", <{newer}>; rel="prev"'}
