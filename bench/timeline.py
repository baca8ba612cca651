"""Benchmark the network timeline: its first and 100th page and its feeds, 1,000,000 posts.

Besides the local posts, remote member coops' notes (one row in REMOTE_EVERY of the posts) are
mixed into the timeline, with a reply from the fediverse to every REPLY_EVERY-th post.

Run alone (never beside other tests) with
`.venv/bin/python bench/timeline.py [--posts N] [--coops N] [--database-url postgresql://...]`.
Needs wrk and taskset and two cores: `hub serve` and the bare aiohttp baseline on core 0, wrk on
core 1. Targets: p99 under 30 ms for each page and feed at 4 connections, the hub's peak RSS
under 150 MB. Exits 1 when a target is missed; writes bench/results/timeline.json.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from harness import (
    HUB,
    OPENER,
    Result,
    exit_on_sigterm,
    fail,
    find,
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
from sqlalchemy import insert

from hub.actors import local
from hub.actors.keys import generate_keys
from hub.actors.validation import CoopDraft
from hub.bootstrap import open_database
from hub.config import load_settings
from hub.store.models import NetworkMember, Post, RemoteActor, RemoteNote, Visibility

HERE = Path(__file__).resolve().parent
HUB_HOST, BARE_HOST = "127.0.0.71", "127.0.0.72"
DOMAIN = "bench.test"
BATCH = 20_000
REPLY_EVERY = 50
REMOTE_EVERY = 20  # 5 % of the rows: notes of remote member coops
REMOTE_MEMBERS = 25
PAGES = 100
WRK_OPTIONS = ("-t1", "-c4", "--latency", "--timeout", "2s")
WARMUP, DURATION = "2s", "8s"
MAX_P99_MS = 30.0
MAX_RSS_MB = 150.0
START = datetime(2025, 1, 1, tzinfo=UTC)
HTML = {"Accept": "text/html"}


def main() -> int:
    """Seed, serve, measure, judge."""
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--coops", type=int, default=500)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server (default SQLite)")
    args = parser.parse_args()
    require(["wrk", "taskset"])
    with (
        tempfile.TemporaryDirectory(prefix="coophub-bench-") as scratch,
        scratch_database(args.database_url) as database_url,
    ):
        return run(Path(scratch), database_url, args.posts, args.coops)


def run(data_dir: Path, database_url: str | None, posts: int, coops: int) -> int:
    """The whole benchmark in one data directory."""
    port, bare_port = free_port(HUB_HOST), free_port(BARE_HOST)
    env = hub_env(data_dir, database_url, domain=DOMAIN, host=HUB_HOST, port=str(port))
    started = time.perf_counter()
    asyncio.run(seed(env, posts, coops))
    remote = posts // REMOTE_EVERY
    print(f"seeded {posts:,} posts of {coops} coops and {remote:,} notes of "
          f"{REMOTE_MEMBERS} remote members in {time.perf_counter() - started:.0f} s")  # fmt: skip
    busy = warn_if_busy()
    hub_url, bare_url = f"http://{HUB_HOST}:{port}", f"http://{BARE_HOST}:{bare_port}"
    bare = [str(Path(HUB).with_name("python")), str(HERE / "hello.py"), BARE_HOST, str(bare_port)]
    with (
        running([str(HUB), "serve"], env, data_dir / "hub.log") as hub,
        running(bare, env, data_dir / "bare.log") as baseline,
    ):
        wait_until_up(hub_url + "/", hub, data_dir / "hub.log")
        wait_until_up(bare_url + "/", baseline, data_dir / "bare.log")
        page_100 = walk_pages(hub_url, PAGES)
        targets = {
            "bare aiohttp": bare_url + "/",
            "first page": hub_url + "/",
            f"page {PAGES}": hub_url + page_100,
            "network RSS": hub_url + "/feed.rss",
            "network Atom": hub_url + "/feed.atom",
            "coop Atom": hub_url + "/users/coop7/feed.atom",
        }
        results = [measure(name, url) for name, url in targets.items()]
        rss_mb = peak_rss_mb(hub.pid)
    checks = judge(results, rss_mb)
    report(results, rss_mb)
    verdict_lines(checks)
    document = {"posts": posts, "coops": coops, "remote_notes": posts // REMOTE_EVERY,
                "remote_members": REMOTE_MEMBERS, "database": "postgresql" if database_url
                else "sqlite", "cpu_busy_before": busy, "peak_rss_mb": rss_mb,
                "results": [asdict(result) for result in results]}  # fmt: skip
    save("timeline", document, checks)
    return 0 if all(ok for _, ok in checks) else 1


async def seed(env: dict[str, str], posts: int, coops: int) -> None:
    """Coops through the hub's create_coop (one shared key set), posts and replies in bulk."""
    settings = load_settings(env)
    db = await open_database(settings)
    keys = generate_keys()
    try:
        async with db.begin() as session:
            ids = []
            for n in range(coops):
                draft = CoopDraft(name=f"Coop {n}")
                ids.append((await local.create_coop(session, settings, f"coop{n}", draft, keys)).id)
        for first in range(0, posts, BATCH):
            async with db.begin() as session:
                rows = [post_row(n, ids) for n in range(first, min(first + BATCH, posts))]
                await session.execute(insert(Post), rows)
        await seed_replies(db, posts)
        await seed_members(db, posts)
    finally:
        await db.dispose()


def post_row(number: int, coop_ids: list[int]) -> dict[str, Any]:
    """A post as the hub stores it; one in ten unlisted, one in fifty with a warning."""
    text = f"Neuigkeit {number} aus der Coop: Treffen, Termine und #Genossenschaft."
    return {
        "local_actor_id": coop_ids[number % len(coop_ids)],
        "content_html": f"<p>{text}</p>",
        "source_text": text,
        "summary": "Termine" if number % 50 == 0 else None,
        "language": "de",
        "visibility": Visibility.unlisted if number % 10 == 9 else Visibility.public,
        "tags": [],
        "published_at": START + timedelta(seconds=30 * number),
    }


async def seed_replies(db: Any, posts: int) -> None:
    """A reply from the fediverse to every REPLY_EVERY-th post."""
    async with db.begin() as session:
        actor = RemoteActor(uri="http://remote.bench.test/users/ada", domain="remote.bench.test")
        session.add(actor)
        await session.flush()
        rows = [
            {"uri": f"http://remote.bench.test/notes/{n}", "remote_actor_id": actor.id,
             "in_reply_to_post_id": n + 1, "content_html": "<p>Danke!</p>",
             "visibility": Visibility.public, "ap_json": {},
             "published_at": START + timedelta(seconds=30 * n + 5)}
            for n in range(0, posts, REPLY_EVERY)
        ]  # fmt: skip
        for first in range(0, len(rows), BATCH):
            await session.execute(insert(RemoteNote), rows[first : first + BATCH])


async def seed_members(db: Any, posts: int) -> None:
    """Remote member coops and their public notes, one per REMOTE_EVERY posts, spread evenly."""
    async with db.begin() as session:
        members = []
        for m in range(REMOTE_MEMBERS):
            host = f"member{m}.bench.test"
            actor = RemoteActor(uri=f"http://{host}/users/coop", domain=host, username="coop",
                                name=f"Member {m}", ap_json={})  # fmt: skip
            session.add(actor)
            await session.flush()
            session.add(NetworkMember(remote_actor_id=actor.id, handle=f"coop@{host}"))
            members.append(actor)
        count = posts // REMOTE_EVERY
        for first in range(0, count, BATCH):
            rows = [remote_row(n, members) for n in range(first, min(first + BATCH, count))]
            await session.execute(insert(RemoteNote), rows)


def remote_row(number: int, members: list[RemoteActor]) -> dict[str, Any]:
    """A member's public note as the inbox stores it; one in four with a photo link."""
    actor = members[number % len(members)]
    uri = f"{actor.uri}/statuses/{number}"
    photo = {"type": "Document", "url": f"{actor.uri}/media/{number}.jpg", "name": "Foto",
             "mediaType": "image/jpeg"}  # fmt: skip
    return {
        "uri": uri, "remote_actor_id": actor.id, "content_html": f"<p>Aus dem Netz {number}</p>",
        "summary": "Termine" if number % 50 == 0 else None, "visibility": Visibility.public,
        "ap_json": {"id": uri, "url": uri, "type": "Note",
                    "attachment": [photo] if number % 4 == 0 else []},
        "published_at": START + timedelta(seconds=30 * REMOTE_EVERY * number + 7),
    }  # fmt: skip


def walk_pages(hub_url: str, pages: int) -> str:
    """Follow "older posts" links from the first page; the path of page number `pages`."""
    path = "/"
    for _ in range(pages - 1):
        with OPENER.open(hub_url + path, timeout=10) as answer:
            html = answer.read().decode()
        found = re.search(r'<a rel="next" href="([^"]+)"', html)
        if found is None:
            fail(f"{path} has no link to older posts")
        path = found.group(1).replace("&amp;", "&")
    return path


def measure(name: str, url: str) -> Result:
    """Warm up, then measure with wrk on the client core."""
    return measure_get(name, url, WRK_OPTIONS, {"Accept": "text/html"}, (WARMUP, DURATION))


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(find(r"^VmHWM:\s+(\d+) kB", status)[0]) / 1024


def judge(results: list[Result], rss_mb: float) -> list[tuple[str, bool]]:
    """The targets: p99 of every hub target under 30 ms, no errors, peak RSS under 150 MB."""
    checks = [
        (f"{result.target}: p99 {result.p99_ms:.1f} ms < {MAX_P99_MS:.0f} ms, "
         f"{result.errors} errors", result.p99_ms < MAX_P99_MS and result.errors == 0)
        for result in results if result.target != "bare aiohttp"
    ]  # fmt: skip
    checks.append((f"peak RSS {rss_mb:.0f} MB < {MAX_RSS_MB:.0f} MB", rss_mb < MAX_RSS_MB))
    return checks


def report(results: list[Result], rss_mb: float) -> None:
    """One line per target."""
    print(f"\n{'target':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for result in results:
        print(f"{result.target:<16} {result.requests_per_s:>9.0f} {result.p50_ms:>8.2f} "
              f"{result.p99_ms:>8.2f} {result.errors:>7}")  # fmt: skip
    print(f"hub peak RSS: {rss_mb:.0f} MB")


if __name__ == "__main__":
    run_main(main)
