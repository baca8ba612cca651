"""Live timeline updates: an open page hears how many posts are newer than its top post."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from hub.store.db import Database
from tests.helpers import BROWSER_ACCEPT, make_coop
from tests.timeline_data import make_post


async def _next_event(response: Any, seconds: float = 10) -> dict[str, Any]:
    async def read() -> dict[str, Any]:
        event = None
        while True:
            line = (await response.content.readline()).decode().rstrip("\n")
            if line.startswith("event: "):
                event = line.removeprefix("event: ")
            elif line.startswith("data: ") and event == "posts":
                found: dict[str, Any] = json.loads(line.removeprefix("data: "))
                return found

    return await asyncio.wait_for(read(), seconds)


async def test_stream_counts_posts_newer_than_the_page_top(
    client: Any, db: Database, settings: Any
) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    await make_post(db, settings, coop, "Schon da", minute=1)
    page = await (await client.get("/", headers=BROWSER_ACCEPT)).text()
    stream_url = re.search(r'data-stream="([^"]+)"', page)
    assert stream_url is not None and 'src="/static/live.js' in page
    response = await client.get(stream_url.group(1).replace("&amp;", "&"))
    assert response.headers["Content-Type"] == "text/event-stream"
    await make_post(db, settings, coop, "Neu eins", minute=2)
    await make_post(db, settings, coop, "Neu zwei", minute=3)
    event = await _next_event(response)
    if event["count"] == 1:  # the two posts may fall into two polls
        event = await _next_event(response)
    assert event == {"count": 2, "text": "2 neue Beiträge"}
    response.close()


async def test_stream_with_a_forged_cursor_is_400(client: Any) -> None:
    response = await client.get("/timeline/stream?after=x")
    assert response.status == 400


async def test_older_pages_have_no_live_stream(client: Any, db: Database, settings: Any) -> None:
    coop = await make_coop(db, settings, "fairbnb")
    await make_post(db, settings, coop, "Alt")
    html = await (await client.get("/?before=1-1", headers=BROWSER_ACCEPT)).text()
    assert "data-stream" not in html and "live.js" not in html
