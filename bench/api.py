"""Benchmark the client API: home and public timelines with 100,000 statuses, against bare aiohttp.

Run with `.venv/bin/python bench/api.py [--statuses N]` while nothing else runs (needs wrk,
taskset and two cores: the servers share core 0, wrk runs on core 1). SQLite by default; set
HUB_BENCH_DATABASE_URL=postgresql://... to measure on a scratch PostgreSQL database. Targets:
p99 under 30 ms and at least 30% of the bare server's throughput. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from discovery import Result, Target, parse_wrk
from harness import (
    CLIENT_CORE,
    HERE,
    HUB,
    exit_on_sigterm,
    fail,
    free_port,
    get_json,
    hub_env,
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

from hub import accounts, memberships, oauth
from hub.actors import local
from hub.actors.validation import CoopDraft
from hub.bootstrap import open_database
from hub.config import Settings, load_settings
from hub.store.models import Post, Role, Visibility
from hub.store.types import utcnow

STATUSES = 100_000
COOPS = 10
BATCH = 5_000
HUB_HOST = "127.0.0.102"
BARE_HOST = "127.0.0.103"
WRK_OPTIONS = ("-t1", "-c16", "--latency", "--timeout", "2s")
WARMUP = "3s"
DURATION = "10s"
PAGES = 1000  # wrk spreads max_id over this many points of the id range
MAX_P99_MS = 30.0
MIN_RATIO = 0.30


def main() -> int:
    """Seed, start both servers, load them, report; 0 on PASS, 1 on FAIL."""
    global STATUSES
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=STATUSES, help="how many to seed")
    STATUSES = max(1_000, parser.parse_args().statuses)
    exit_on_sigterm()
    require(("wrk", "taskset"))
    with tempfile.TemporaryDirectory(prefix="coophub-bench-api-") as tmp:
        base_url = os.environ.get("HUB_BENCH_DATABASE_URL")
        with scratch_database(base_url) as database_url:
            results, busy = run(Path(tmp), database_url)
    checks = judge(results)
    print(f"\n{'target':<16} {'req/s':>8} {'p50':>9} {'p99':>9} {'vs bare':>8}")
    for r in results:
        ratio = r.requests_per_s / results[0].requests_per_s
        print(f"{r.target:<16} {r.requests_per_s:>8.0f} {r.p50_ms:>6.2f} ms {r.p99_ms:>6.2f} ms"
              f" {ratio:>8.0%}")  # fmt: skip
    verdict_lines(checks)
    document = {"statuses": STATUSES, "backend": "postgresql" if base_url else "sqlite",
                "wrk": [*WRK_OPTIONS, "-d", DURATION], "cpu_busy_before_load": round(busy, 3),
                "results": [asdict(r) for r in results]}  # fmt: skip
    save("api", document, checks)
    return 0 if all(ok for _, ok in checks) else 1


def run(data_dir: Path, database_url: str | None) -> tuple[list[Result], float]:
    """Seed the hub, start it and the bare server, measure every target."""
    env = hub_env(data_dir, database_url, domain="bench.test", host=HUB_HOST,
                  port=str(free_port(HUB_HOST)))  # fmt: skip
    token = asyncio.run(seed(load_settings(env)))
    hub_url = f"http://{HUB_HOST}:{env['HUB_PORT']}"
    bare_port = free_port(BARE_HOST)
    bare_url = f"http://{BARE_HOST}:{bare_port}"
    bare_command = [sys.executable, str(HERE / "hello.py"), BARE_HOST, str(bare_port)]
    with contextlib.ExitStack() as stack:
        hub = stack.enter_context(running([str(HUB), "serve"], env, data_dir / "hub.log"))
        bare = stack.enter_context(running(bare_command, os.environ, data_dir / "bare.log"))
        # A shared core may be busy: give the first start (imports, migrations) more time.
        wait_until_up(f"{hub_url}/api/v1/custom_emojis", hub, data_dir / "hub.log", 120)
        wait_until_up(f"{bare_url}/hello", bare, data_dir / "bare.log")
        if len(get_json(f"{hub_url}/api/v1/timelines/public")) != 20:
            fail("the public timeline does not answer 20 statuses")
        busy = warn_if_busy()
        auth = (f"Authorization: Bearer {token}",)
        targets = [
            Target("bare hello", bare_url, "/hello/%04d"),
            Target("public newest", hub_url, "/api/v1/timelines/public?n=%04d"),
            Target("public paged", hub_url, "/api/v1/timelines/public?max_id=%04d00"),
            Target("home paged", hub_url, "/api/v1/timelines/home?max_id=%04d00", auth),
        ]
        return [measure(target) for target in targets], busy


async def seed(settings: Settings) -> str:
    """COOPS coops, STATUSES public posts spread over them; a read token for the first coop."""
    started = time.perf_counter()
    db = await open_database(settings)
    try:
        async with db.begin() as session:
            coops = [await local.create_coop(session, settings, f"coop{n}",
                                             CoopDraft(name=f"Bench Coop {n}"))
                     for n in range(COOPS)]  # fmt: skip
            person, _ = await accounts.create_person(session, "bench@bench.test", "x" * 16)
            await memberships.grant(session, person, coops[0], Role.editor)
            token = await oauth.issue_token(session, None, person.id, coops[0].id, "read",
                                            refresh=False)  # fmt: skip
        ids = [coop.id for coop in coops]
        start = utcnow() - timedelta(days=365)
        for first in range(0, STATUSES, BATCH):
            rows = [_row(n, ids[n % COOPS], start + timedelta(minutes=5 * n))
                    for n in range(first, min(first + BATCH, STATUSES))]  # fmt: skip
            async with db.begin() as session:
                await session.execute(insert(Post), rows)
    finally:
        await db.dispose()
    print(f"seeded {STATUSES} statuses in {time.perf_counter() - started:.1f} s", flush=True)
    return token.access_token


def _row(number: int, coop_id: int, when: object) -> dict[str, object]:
    text = f"Neuigkeit {number} aus dem Netzwerk #Genossenschaft"
    return {"local_actor_id": coop_id, "content_html": f"<p>{text}</p>", "source_text": text,
            "visibility": Visibility.public, "tags": [], "attachments": [],
            "published_at": when}  # fmt: skip


def measure(target: Target) -> Result:
    """Warm up, then the measured run."""
    run_wrk(target, WARMUP)
    result = parse_wrk(target.name, run_wrk(target, DURATION))
    print(f"{target.name}: {result.requests_per_s:.0f} req/s, p99 {result.p99_ms:.1f} ms")
    return result


def run_wrk(target: Target, duration: str) -> str:
    """wrk pinned to the client core, spreading the template over PAGES numbers."""
    headers = [arg for header in target.headers for arg in ("-H", header)]
    command = [
        *("taskset", "-c", CLIENT_CORE, "wrk", *WRK_OPTIONS, "-d", duration, *headers),
        *("-s", str(HERE / "spread.lua"), target.base, "--", target.template, str(PAGES)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def judge(results: list[Result]) -> list[tuple[str, bool]]:
    """Every answer 2xx; each hub target p99 < 30 ms and >= 30% of the bare throughput."""
    bare = results[0]
    checks = [(f"{r.target}: all answers 2xx, no socket errors",
               r.non_2xx == 0 and r.socket_errors == 0) for r in results]  # fmt: skip
    for r in results[1:]:
        checks.append((f"{r.target}: p99 < {MAX_P99_MS:g} ms", r.p99_ms < MAX_P99_MS))
        ratio = r.requests_per_s / bare.requests_per_s
        checks.append((f"{r.target}: >= {MIN_RATIO:.0%} of bare ({ratio:.0%})", ratio >= MIN_RATIO))
    return checks


if __name__ == "__main__":
    run_main(main)
