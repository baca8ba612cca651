"""Benchmark the network's event calendar and upcoming list: 500 coops, 20,000 events, 100 series.

Run alone (never beside other tests) with
`.venv/bin/python bench/events.py [--events N] [--series N] [--coops N] [--database-url ...]`.
Needs wrk and taskset and two cores: `hub serve` and the bare aiohttp baseline on core 0, wrk
on core 1. Measures `/events.ics` (the network's iCalendar feed) plain and gzipped, the feed
revalidated with `If-None-Match` (304), and the `/events` page. Target: p99 under 50 ms each
at 4 connections; the feed carries an ETag, answers 304 to it, and a change to any event
changes it. Exits 1 when a target is missed; writes bench/results/events.json.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import urllib.request
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (
    HUB,
    OPENER,
    Result,
    exit_on_sigterm,
    free_port,
    hub_env,
    measure_get,
    require,
    run_main,
    running,
    save,
    scratch_database,
    verdict_lines,
    wait_until_up,
    warn_if_busy,
)
from sqlalchemy import insert, select, update

from hub.actors import local
from hub.actors.keys import generate_keys
from hub.actors.validation import CoopDraft
from hub.bootstrap import open_database
from hub.config import load_settings
from hub.store.models import Event, EventStatus, RegistrationMode
from hub.store.types import utcnow

HERE = Path(__file__).resolve().parent
HUB_HOST, BARE_HOST = "127.0.0.160", "127.0.0.161"
DOMAIN = "bench.test"
BATCH = 5_000
DATES_PER_SERIES = 13
WRK_OPTIONS = ("-t1", "-c4", "--latency", "--timeout", "5s")
WARMUP, DURATION = "3s", "8s"
MAX_P99_MS = 50.0
GZIP = {"Accept-Encoding": "gzip"}  # as calendar apps ask
ZONES = ("Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "Europe/Lisbon", "America/New_York")
CATEGORIES = ("MEETING", "WORKSHOPS_SKILL_SHARING", "COMMUNITY", "LEARNING")


def main() -> int:
    """Seed, serve, measure, judge."""
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--coops", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    args = parser.parse_args()
    require(["wrk", "taskset"])
    with (
        tempfile.TemporaryDirectory(prefix="coophub-bench-") as scratch,
        scratch_database(args.database_url) as database_url,
    ):
        return run(Path(scratch), database_url, args.events, args.series, args.coops)


def run(data_dir: Path, database_url: str | None, events: int, series: int, coops: int) -> int:
    """The whole benchmark in one data directory."""
    port, bare_port = free_port(HUB_HOST), free_port(BARE_HOST)
    env = hub_env(data_dir, database_url, domain=DOMAIN, host=HUB_HOST, port=str(port))
    started = time.perf_counter()
    asyncio.run(seed(env, events, series, coops))
    print(f"seeded {events:,} events and {series} series of {coops} coops "
          f"in {time.perf_counter() - started:.0f} s")  # fmt: skip
    busy = warn_if_busy()
    hub_url, bare_url = f"http://{HUB_HOST}:{port}", f"http://{BARE_HOST}:{bare_port}"
    bare = [str(Path(HUB).with_name("python")), str(HERE / "hello.py"), BARE_HOST, str(bare_port)]
    with (
        running([str(HUB), "serve"], env, data_dir / "hub.log") as hub,
        running(bare, env, data_dir / "bare.log") as baseline,
    ):
        wait_until_up(hub_url + "/", hub, data_dir / "hub.log")
        wait_until_up(bare_url + "/", baseline, data_dir / "bare.log")
        first_ms, etag, size = timed_get(hub_url + "/events.ics")
        revalidated = status_of(hub_url + "/events.ics", {"If-None-Match": etag})
        targets: dict[str, tuple[str, dict[str, str]]] = {
            "bare aiohttp": (bare_url + "/", {}),
            "feed /events.ics": (hub_url + "/events.ics", {}),
            "feed, gzip": (hub_url + "/events.ics", GZIP),
            "feed, 304": (hub_url + "/events.ics", {"If-None-Match": etag}),
            "page /events": (hub_url + "/events", {"Accept": "text/html"}),
        }
        results = [measure(name, url, headers) for name, (url, headers) in targets.items()]
        asyncio.run(change_one_event(env))
        changed_ms, new_etag, _ = timed_get(hub_url + "/events.ics")
    checks = judge(results, etag, revalidated, new_etag)
    report(results, first_ms, changed_ms, size)
    verdict_lines(checks)
    document = {"events": events, "series": series, "coops": coops,
                "database": "postgresql" if database_url else "sqlite",
                "cpu_busy_before": busy, "feed_bytes": size, "first_render_ms": first_ms,
                "render_after_change_ms": changed_ms,
                "results": [asdict(result) for result in results]}  # fmt: skip
    save("events", document, checks)
    return 0 if all(ok for _, ok in checks) else 1


async def seed(env: dict[str, str], events: int, series: int, coops: int) -> None:
    """Coops through the hub's create_coop (one shared key set), events and series in bulk."""
    settings = load_settings(env)
    db = await open_database(settings)
    keys = generate_keys()
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    try:
        async with db.begin() as session:
            ids = []
            for n in range(coops):
                draft = CoopDraft(name=f"Coop {n}")
                ids.append((await local.create_coop(session, settings, f"coop{n}", draft, keys)).id)
        rows = [event_row(n, ids, now, events) for n in range(events)]
        for first in range(0, len(rows), BATCH):
            async with db.begin() as session:
                await session.execute(insert(Event), rows[first : first + BATCH])
        await seed_series(db, ids, now, series)
    finally:
        await db.dispose()


def event_row(number: int, coop_ids: list[int], now: datetime, total: int) -> dict[str, Any]:
    """A single event: spread from 60 days ago to 300 days ahead, a few cancelled or online."""
    start = now - timedelta(days=60) + timedelta(minutes=(360 * 24 * 60 // total) * number)
    online = number % 3 == 0
    return {
        **template(number),
        "local_actor_id": coop_ids[number % len(coop_ids)],
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "status": EventStatus.cancelled if number % 40 == 0 else EventStatus.scheduled,
        "online_url": "https://meet.example.org/room" if online else None,
        "place_name": None if online else "Nachbarschaftshaus",
        "place_address": None if online else "Hauptstraße 1, 10827 Berlin",
        "published_at": now - timedelta(days=90),
    }


def template(number: int) -> dict[str, Any]:
    """The fields every seeded event shares."""
    text = f"Treffen {number} der Genossenschaften: Austausch, Werkzeuge und #Kooperation."
    return {
        "title": f"Treffen {number}: Plattform-Genossenschaften",
        "description_source": text,
        "description_html": f"<p>{text}</p>",
        "timezone": ZONES[number % len(ZONES)],
        "category": CATEGORIES[number % len(CATEGORIES)],
        "hashtags": ["kooperation"],
        "language": "de",
        "capacity": 30,
        "registration_mode": RegistrationMode.open,
        "exdates": [],
        "customised": False,
    }


async def seed_series(db: Any, coop_ids: list[int], now: datetime, series: int) -> None:
    """Weekly series with their next dates; one date in four of the first series changed."""
    for number in range(series):
        start = now - timedelta(days=14) + timedelta(hours=number)
        base = {**template(100_000 + number), "local_actor_id": coop_ids[number % len(coop_ids)],
                "online_url": "https://meet.example.org/call", "status": EventStatus.scheduled,
                "published_at": now - timedelta(days=90)}  # fmt: skip
        async with db.begin() as session:
            head = Event(**base, rrule="FREQ=WEEKLY;INTERVAL=1", starts_at=start,
                         ends_at=start + timedelta(hours=1), materialised_until=now)  # fmt: skip
            session.add(head)
            await session.flush()
            dates = []
            for week in range(DATES_PER_SERIES):
                moment = start + timedelta(weeks=week)
                dates.append({**base, "series_id": head.id, "recurrence_id": moment,
                              "starts_at": moment, "ends_at": moment + timedelta(hours=1),
                              "customised": week % 4 == 1})  # fmt: skip
            await session.execute(insert(Event), dates)


async def change_one_event(env: dict[str, str]) -> None:
    """What an organiser's edit does to a row: a new title and updated_at (another process)."""
    db = await open_database(load_settings(env), migrate=False)
    try:
        async with db.begin() as session:
            first = (await session.execute(select(Event.id).order_by(Event.id).limit(1))).scalar()
            await session.execute(
                update(Event).where(Event.id == first).values(title="Geändert", updated_at=utcnow())
            )
    finally:
        await db.dispose()


def timed_get(url: str) -> tuple[float, str, int]:
    """GET once: milliseconds, the ETag, the body's size."""
    started = time.perf_counter()
    with OPENER.open(url, timeout=60) as answer:
        body = answer.read()
        etag = answer.headers.get("ETag", "")
    return (time.perf_counter() - started) * 1000, etag, len(body)


def status_of(url: str, headers: dict[str, str]) -> int:
    """The status of a GET with headers (304 is an answer, not an error)."""
    try:
        with OPENER.open(urllib.request.Request(url, headers=headers), timeout=60) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def measure(name: str, url: str, headers: dict[str, str]) -> Result:
    """Warm up, then measure with wrk on the client core."""
    return measure_get(name, url, WRK_OPTIONS, headers, (WARMUP, DURATION))


def judge(results: list[Result], etag: str, revalidated: int, new_etag: str) -> list[
    tuple[str, bool]
]:  # fmt: skip
    """The targets: p99 under 50 ms and no errors for each hub target; ETag and 304 work."""
    checks = [
        (f"{result.target}: p99 {result.p99_ms:.1f} ms < {MAX_P99_MS:.0f} ms, "
         f"{result.errors} errors", result.p99_ms < MAX_P99_MS and result.errors == 0)
        for result in results if result.target != "bare aiohttp"
    ]  # fmt: skip
    checks.append((f"the feed has an ETag ({etag or 'none'})", bool(etag)))
    checks.append((f"If-None-Match answers 304 (got {revalidated})", revalidated == 304))
    checks.append(("a changed event changes the ETag", bool(new_etag) and new_etag != etag))
    return checks


def report(results: list[Result], first_ms: float, changed_ms: float, size: int) -> None:
    """One line per target, then the cold renders."""
    print(f"\n{'target':<18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for result in results:
        print(f"{result.target:<18} {result.requests_per_s:>9.0f} {result.p50_ms:>8.2f} "
              f"{result.p99_ms:>8.2f} {result.errors:>7}")  # fmt: skip
    print(f"feed: {size / 1e6:.1f} MB; first render {first_ms:.0f} ms, "
          f"after a change {changed_ms:.0f} ms")  # fmt: skip


if __name__ == "__main__":
    run_main(main)
