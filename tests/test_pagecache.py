"""The per-process cache of rendered timeline pages: keys, budget, and writes in flight."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import make_mocked_request

from web.pagecache import Page, PageCache


def renderer(body: bytes, calls: list[str]) -> object:
    async def render() -> Page:
        calls.append(body.decode())
        return body, [1]

    return render


async def test_pages_are_keyed_by_viewer_path_and_paging_only() -> None:
    cache, calls = PageCache(), []
    first = make_mocked_request("GET", "/api/v1/timelines/public?max_id=9&n=1")
    same = make_mocked_request("GET", "/api/v1/timelines/public?n=2&max_id=9")
    await cache.page(first, 0, renderer(b"a", calls))  # type: ignore[arg-type]
    assert await cache.page(same, 0, renderer(b"b", calls)) == (b"a", [1])  # type: ignore[arg-type]
    assert await cache.page(same, 7, renderer(b"c", calls)) == (b"c", [1])  # type: ignore[arg-type]
    assert calls == ["a", "c"]


async def test_the_oldest_pages_go_when_the_budget_is_spent() -> None:
    cache, calls = PageCache(budget=10), []
    for number in range(3):
        request = make_mocked_request("GET", f"/api/v1/timelines/public?max_id={number}")
        await cache.page(request, 0, renderer(b"x" * 4 + str(number).encode(), calls))  # type: ignore[arg-type]
    again = make_mocked_request("GET", "/api/v1/timelines/public?max_id=0")
    await cache.page(again, 0, renderer(b"fresh", calls))  # type: ignore[arg-type]
    newest = make_mocked_request("GET", "/api/v1/timelines/public?max_id=2")
    await cache.page(newest, 0, renderer(b"never", calls))  # type: ignore[arg-type]
    assert calls == ["xxxx0", "xxxx1", "xxxx2", "fresh"]


async def test_a_page_rendered_while_a_write_lands_is_not_kept() -> None:
    cache, calls = PageCache(), []
    started = asyncio.Event()
    go_on = asyncio.Event()

    async def slow() -> Page:
        started.set()
        await go_on.wait()
        return b"before the write", [1]

    request = make_mocked_request("GET", "/api/v1/timelines/home")
    pending = asyncio.create_task(cache.page(request, 1, slow))
    await started.wait()
    cache.clear()
    go_on.set()
    assert await pending == (b"before the write", [1])
    assert await cache.page(request, 1, renderer(b"after", calls)) == (b"after", [1])  # type: ignore[arg-type]


async def test_requests_for_a_page_being_rendered_share_that_render() -> None:
    cache, calls = PageCache(), []
    go_on = asyncio.Event()

    async def slow() -> Page:
        calls.append("render")
        await go_on.wait()
        return b"page", [1]

    request = make_mocked_request("GET", "/api/v1/timelines/public")
    waiting = [asyncio.create_task(cache.page(request, 0, slow)) for _ in range(16)]
    await asyncio.sleep(0)
    go_on.set()
    assert await asyncio.gather(*waiting) == [(b"page", [1])] * 16
    assert calls == ["render"]


async def test_a_write_during_a_render_makes_later_requests_render_anew() -> None:
    cache, calls = PageCache(), []
    go_on = asyncio.Event()

    async def slow() -> Page:
        await go_on.wait()
        return b"before the write", [1]

    request = make_mocked_request("GET", "/api/v1/timelines/home")
    first = asyncio.create_task(cache.page(request, 1, slow))
    await asyncio.sleep(0)
    cache.clear()
    after = asyncio.create_task(cache.page(request, 1, renderer(b"after", calls)))  # type: ignore[arg-type]
    go_on.set()
    assert await first == (b"before the write", [1])
    assert await after == (b"after", [1])
