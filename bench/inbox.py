"""Benchmark the inbox: signed Create(Note) POSTs from 1,000 remote actors, against bare aiohttp.

Run with `.venv/bin/python bench/inbox.py [--database-url postgresql://127.0.0.1:5432/test]`.
Needs wrk and taskset and two cores: the servers (and later the worker) on core 0, wrk on
core 1. Exits 1 when a target is missed.

The hub's database gets 10 coops with one post each and 1,000 remote actors (100 hosts, ten
actors each) whose keys are cached, so no key is fetched (their hosts resolve to a loopback
address where nothing listens: a fetch would fail and show as a non-202 answer). RSA keygen
costs about 150 ms here, so the 1,000 actors share 50 key pairs; every actor has its own key
id, and verifying costs the same. Every request is a distinct activity, pre-built and signed
for the hub's domain before the load starts (signing is the sender's cost), about 2 KB of
JSON: half are replies to a coop's post sent to the shared inbox, half mention a coop and go
to its personal inbox. wrk replays each request once (bench/replay.lua). The bare baseline
(bench/jsonpost.py: parse the JSON, answer 202) gets the same requests from the same wrk.
The hub runs without its worker while it accepts; then `hub worker` alone drains the queue,
and every stored activity must end processed (state done).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bovine.crypto import generate_rsa_public_private_key
from harness import (
    CLIENT_CORE,
    HERE,
    HUB,
    SERVER_CORE,
    exit_on_sigterm,
    fail,
    free_port,
    hub_env,
    latency_ms,
    pinned,
    require,
    run_main,
    running,
    save,
    scratch_database,
    verdict_lines,
    wait_until_up,
    warn_if_busy,
)
from sqlalchemy import func, insert, select

from hub.activitypub.signatures import load_private_key, sign_post
from hub.actors import local
from hub.actors.validation import CoopDraft
from hub.bootstrap import open_database
from hub.config import Settings, load_settings
from hub.posts import Draft, publish
from hub.store.db import Database
from hub.store.models import InboxItem, InboxState, RemoteActor
from hub.uris import Uris

DOMAIN = "hub.test"
HUB_HOST = "127.0.0.2"
BARE_HOST = "127.0.0.3"
NOWHERE = "127.0.0.4"  # the remote hosts resolve here; nothing listens
COOPS = 10
REMOTE_HOSTS = 100
ACTORS_PER_HOST = 10
ACTORS = REMOTE_HOSTS * ACTORS_PER_HOST
REMOTE_KEYS = 50
BODY_BYTES = 2048
WARMUP_RECORDS = 3000
MIN_RECORDS = 40_000
MAX_RECORDS = 60_000
CHUNK = 500
WARMUP = "2s"
HUB_WARMUP = "60s"  # at most: the warm-up stops when its records run out
MEASURE_SECONDS = 10
DRAIN_TIMEOUT = 600.0
WRK_OPTIONS = ("-t1", "-c16", "--latency", "--timeout", "2s")
MIN_RATIO = 0.25
MAX_P99_MS = 20.0
AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"
FILLER = "Solidarity economy notes from the bench: shared ownership, shared governance. "


@dataclass(frozen=True)
class Plan:
    """What building the requests needs: our coops and posts, the remote actors' keys."""

    coops: tuple[str, ...]
    posts: tuple[str, ...]
    private_keys: tuple[str, ...]
    signed_at: datetime


@dataclass(frozen=True)
class Run:
    """What one measured wrk run reported."""

    target: str
    seconds: float
    requests: int
    accepted: int
    other: int
    socket_errors: int
    socket_detail: str
    accepted_per_s: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    taken: int
    exhausted: bool


@dataclass(frozen=True)
class Processing:
    """How the worker drained the queue."""

    rows: int
    states: dict[str, int]
    drain_seconds: float
    span_seconds: float
    per_s: float


def main() -> int:
    """Seed, pre-sign, load the bare server and the hub, drain, report; 0 on PASS, 1 on FAIL."""
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="run on PostgreSQL (a scratch database in it)")
    args = parser.parse_args()
    require(["wrk", "taskset"])
    with (
        tempfile.TemporaryDirectory(prefix="coophub-bench-") as tmp,
        scratch_database(args.database_url) as database_url,
    ):
        outcome = run_benchmark(Path(tmp), database_url)
    runs, processing, accepted_rows, busy = outcome
    checks = judge(runs, processing, accepted_rows)
    report(runs, processing, checks)
    save(
        "inbox-postgresql" if args.database_url else "inbox",
        {
            "database": "postgresql" if args.database_url else "sqlite",
            "actors": ACTORS,
            "body_bytes": BODY_BYTES,
            "wrk": [*WRK_OPTIONS, "warm-up", WARMUP],
            "cores": {"servers and worker": SERVER_CORE, "wrk": CLIENT_CORE},
            "cpu_busy_before_load": round(busy, 3),
            "runs": [asdict(run) for run in runs],
            "processing": asdict(processing),
        },
        checks,
    )
    return 0 if all(ok for _, ok in checks) else 1


def run_benchmark(
    data_dir: Path, database_url: str | None
) -> tuple[list[Run], Processing, int, float]:
    """Seed, pre-sign, measure bare and hub, then drain with the worker."""
    resolve = ",".join(f"{remote_host(h)}={NOWHERE}" for h in range(REMOTE_HOSTS))
    env = hub_env(
        data_dir,
        database_url,
        domain=DOMAIN,
        host=HUB_HOST,
        port=str(free_port(HUB_HOST)),
        resolve=resolve,
    )
    settings = load_settings(env)
    plan = asyncio.run(seed(settings))
    signers = ProcessPoolExecutor(initializer=_remember, initargs=(plan,))
    try:
        return measure_all(data_dir, env, settings, signers)
    finally:
        signers.shutdown(cancel_futures=True)


def measure_all(
    data_dir: Path,
    env: dict[str, str],
    settings: Settings,
    signers: ProcessPoolExecutor,
) -> tuple[list[Run], Processing, int, float]:
    """Start the hub and the bare server; warm up, sign the measured requests, measure, drain."""
    warm_records, records = data_dir / "warm-up.txt", data_dir / "measured.txt"
    build_requests(signers, warm_records, range(WARMUP_RECORDS))
    hub_url = f"http://{HUB_HOST}:{env['HUB_PORT']}"
    bare_port = free_port(BARE_HOST)
    bare_url = f"http://{BARE_HOST}:{bare_port}"
    bare_command = [sys.executable, str(HERE / "jsonpost.py"), BARE_HOST, str(bare_port)]
    with contextlib.ExitStack() as stack:
        hub = stack.enter_context(running([str(HUB), "serve"], env, data_dir / "hub.log"))
        bare = stack.enter_context(running(bare_command, env, data_dir / "bare.log"))
        wait_until_up(f"{hub_url}/.well-known/nodeinfo", hub, data_dir / "hub.log")
        wait_until_up(f"{bare_url}/", bare, data_dir / "bare.log")
        # Every actor once (3 requests each) before measuring, however slow: the keys are
        # meant to be cached, as they are for senders a running server has heard from.
        warm = parse_wrk("hub warm-up", wrk(hub_url, warm_records, "once", HUB_WARMUP))
        count = measured_count(warm)
        build_requests(signers, records, range(WARMUP_RECORDS, WARMUP_RECORDS + count))
        rewarm_records = data_dir / "re-warm.txt"
        rewarm = WARMUP_RECORDS + count
        build_requests(signers, rewarm_records, range(rewarm, rewarm + ACTORS))
        busy = warn_if_busy()
        bare_run = measure(bare_url, records, "bare JSON 202", "cycle")
        # Signing and the bare run take longer than a key stays cached on a busy machine:
        # every actor sends once more, so the measured run starts with every key cached.
        rewarmed = parse_wrk("hub re-warm", wrk(hub_url, rewarm_records, "once", HUB_WARMUP))
        hub_run = measure(hub_url, records, "hub inbox", "once")
        worker_log = data_dir / "worker.log"
        with running([str(HUB), "worker"], env, worker_log):
            processing = asyncio.run(drain(settings))
    if processing.states.get("pending", 0):
        print(f"worker log tail:\n{worker_log.read_text()[-2000:]}")
    return (
        [bare_run, hub_run],
        processing,
        warm.accepted + rewarmed.accepted + hub_run.accepted,
        busy,
    )


def measured_count(warm: Run) -> int:
    """How many distinct requests the measured run needs: twice what the warm-up rate sends."""
    needed = int(warm.accepted_per_s * MEASURE_SECONDS * 2)
    return min(MAX_RECORDS, max(MIN_RECORDS, needed - needed % CHUNK + CHUNK))


def remote_host(number: int) -> str:
    """The name of a remote host, r000.test to r099.test."""
    return f"r{number:03d}.test"


def remote_actor(number: int) -> str:
    """The id of remote actor `number` (0 to 999), ten on each host."""
    host = remote_host(number // ACTORS_PER_HOST)
    return f"http://{host}/users/u{number % ACTORS_PER_HOST}"


async def seed(settings: Settings) -> Plan:
    """Create the coops and their posts, and insert the remote actors with their keys."""
    started = time.perf_counter()
    pairs = generate_pairs(REMOTE_KEYS)
    db = await open_database(settings)
    uris = Uris(settings)
    coops, posts = [], []
    try:
        async with db.begin() as session:
            for number in range(COOPS):
                coop = await local.create_coop(
                    session, settings, f"coop{number:02d}", CoopDraft(name=f"Bench Coop {number}")
                )
                post = await publish(session, uris, coop, Draft(text=f"Post {number} of a coop"))
                coops.append(coop.username)
                posts.append(uris.note(coop.username, post.id))
        async with db.begin() as session:
            await session.execute(insert(RemoteActor), [actor_row(n, pairs) for n in range(ACTORS)])
    finally:
        await db.dispose()
    print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)
    private = tuple(private for _, private in pairs)
    return Plan(tuple(coops), tuple(posts), private, datetime.now(UTC))


def generate_pairs(count: int) -> list[tuple[str, str]]:
    """RSA pairs (public, private PEM), made on every core."""
    with ProcessPoolExecutor() as pool:
        return list(pool.map(_pair, range(count)))


def _pair(_number: int) -> tuple[str, str]:
    return generate_rsa_public_private_key()


def actor_row(number: int, pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """A remote actor's cached row, as fetching its document would have stored it."""
    uri = remote_actor(number)
    host = remote_host(number // ACTORS_PER_HOST)
    return {
        "uri": uri,
        "domain": host,
        "username": uri.rsplit("/", 1)[1],
        "name": f"Remote {number}",
        "inbox_uri": f"{uri}/inbox",
        "shared_inbox_uri": f"http://{host}/inbox",
        "key_id": f"{uri}#main-key",
        "public_key_pem": pairs[number % len(pairs)][0],
        "followers_uri": f"{uri}/followers",
        "ap_json": {"id": uri, "type": "Person", "summary": "", "url": uri, "fields": []},
    }


def build_requests(signers: ProcessPoolExecutor, path: Path, numbers: range) -> None:
    """Write signed raw requests as records "<size>\\n<bytes>", signed on every core."""
    started = time.perf_counter()
    starts = range(numbers.start, numbers.stop, CHUNK)
    with path.open("wb") as out:
        for block in signers.map(_build_block, starts, [CHUNK] * len(starts)):
            out.write(block)
    print(f"signed {len(numbers)} requests in {time.perf_counter() - started:.1f} s", flush=True)


_PLAN: list[Plan] = []


def _remember(plan: Plan) -> None:
    """Keep the plan in a signing process, and parse its keys once (30 ms each)."""
    _PLAN.append(plan)
    for pem in plan.private_keys:
        load_private_key(pem)


def _build_block(first: int, count: int) -> bytes:
    return b"".join(_record(signed_request(_PLAN[0], n)) for n in range(first, first + count))


def _record(raw: bytes) -> bytes:
    return str(len(raw)).encode() + b"\n" + raw


def signed_request(plan: Plan, number: int) -> bytes:
    """Request `number` as raw HTTP/1.1: a reply (shared inbox) or a mention (personal inbox)."""
    actor = remote_actor(number % ACTORS)
    coop = plan.coops[number % len(plan.coops)]
    reply = number % 2 == 0
    path = "/inbox" if reply else f"/users/{coop}/inbox"
    body = activity_body(plan, number, actor, coop, reply)
    key = plan.private_keys[(number % ACTORS) % len(plan.private_keys)]
    headers = sign_post(f"http://{DOMAIN}{path}", body, f"{actor}#main-key", key, plan.signed_at)
    lines = [f"POST {path} HTTP/1.1", *(f"{name}: {value}" for name, value in headers.items())]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def activity_body(plan: Plan, number: int, actor: str, coop: str, reply: bool) -> bytes:
    """A Create of a Note (a reply to a coop's post, or a mention of a coop), about 2 KB."""
    coop_uri = f"http://{DOMAIN}/users/{coop}"
    published = plan.signed_at.isoformat(timespec="seconds").replace("+00:00", "Z")
    note: dict[str, Any] = {
        "id": f"{actor}/notes/{number}",
        "type": "Note",
        "attributedTo": actor,
        "published": published,
        "to": [PUBLIC],
        "cc": [f"{actor}/followers", coop_uri],
        "content": "",
    }
    if reply:
        note["inReplyTo"] = plan.posts[number % len(plan.posts)]
    else:
        note["tag"] = [{"type": "Mention", "href": coop_uri, "name": f"@{coop}@{DOMAIN}"}]
    activity = {
        "@context": AS,
        "id": f"{actor}/activities/{number}",
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": note["to"],
        "cc": note["cc"],
        "object": note,
    }
    room = BODY_BYTES - len(json.dumps(activity)) - len("<p></p>")
    note["content"] = f"<p>{(FILLER * (room // len(FILLER) + 1))[: max(room, 0)]}</p>"
    return json.dumps(activity).encode()


def measure(url: str, records: Path, name: str, mode: str) -> Run:
    """Warm up (the bare server; the hub was warmed up before), then the measured run."""
    if mode == "cycle":
        wrk(url, records, mode, WARMUP)
    result = parse_wrk(name, wrk(url, records, mode, f"{MEASURE_SECONDS}s"))
    print(f"{name}: {result.accepted_per_s:.0f} accepted/s", flush=True)
    return result


def wrk(url: str, records: Path, mode: str, duration: str) -> str:
    """Run wrk pinned to CLIENT_CORE with bench/replay.lua and return what it printed."""
    command = [
        *pinned(CLIENT_CORE),
        *("wrk", *WRK_OPTIONS, "-d", duration),
        *("-s", str(HERE / "replay.lua"), url, "--", str(records), mode, DOMAIN),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0 or "replay:" not in done.stdout:
        fail(f"wrk failed ({done.returncode}): {done.stderr.strip()}\n{done.stdout}")
    return done.stdout


def parse_wrk(name: str, output: str) -> Run:
    """Pick counts, duration, latency percentiles and socket errors out of wrk's report."""
    requests, value, unit = _find(r"(\d+) requests in ([\d.]+)(s|m)\b", output, 3)
    seconds = float(value) * (60 if unit == "m" else 1)
    replay = _find(r"replay: taken (\d+) accepted (\d+) other (\d+) exhausted (\d+)", output, 4)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    accepted = int(replay[1])
    return Run(
        target=name,
        seconds=seconds,
        requests=int(requests),
        accepted=accepted,
        other=int(replay[2]),
        socket_errors=sum(int(count) for count in errors.groups()) if errors else 0,
        socket_detail=errors.group(0) if errors else "",
        accepted_per_s=accepted / seconds,
        p50_ms=_percentile("50%", output),
        p90_ms=_percentile("90%", output),
        p99_ms=_percentile("99%", output),
        taken=int(replay[0]),
        exhausted=replay[3] != "0",
    )


def _percentile(percentile: str, output: str) -> float:
    value, unit = _find(rf"^\s*{percentile}\s+([\d.]+)(us|ms|s|m|h)\s*$", output, 2)
    return latency_ms(value, unit)


def _find(pattern: str, output: str, groups: int = 1) -> Any:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        fail(f"could not find {pattern!r} in wrk's output:\n{output}")
    return match.group(1) if groups == 1 else match.groups()


async def drain(settings: Settings) -> Processing:
    """Wait (bounded) until the worker has processed every stored activity; measure its rate."""
    db = Database(settings.database_url)
    started = time.monotonic()
    try:
        while time.monotonic() - started < DRAIN_TIMEOUT:
            if not await _pending(db):
                break
            await asyncio.sleep(0.25)
        drained = time.monotonic() - started
        return await _processing(db, drained)
    finally:
        await db.dispose()


async def _pending(db: Database) -> int:
    # A plain read on the engine: it never takes SQLite's write lock away from the worker.
    async with db.engine.connect() as connection:
        query = select(func.count()).where(InboxItem.state == InboxState.pending)
        return int((await connection.execute(query)).scalar_one())


async def _processing(db: Database, drained: float) -> Processing:
    async with db.engine.connect() as connection:
        grouped = select(InboxItem.state, func.count()).group_by(InboxItem.state)
        found = await connection.execute(grouped)
        states = {InboxState(state).value: int(n) for state, n in found}
        span = select(func.min(InboxItem.processed_at), func.max(InboxItem.processed_at))
        first, last = (await connection.execute(span)).one()
    rows = sum(states.values())
    seconds = (last - first).total_seconds() if first and last else 0.0
    done = states.get("done", 0)
    return Processing(rows, states, drained, seconds, (done - 1) / seconds if seconds else 0.0)


def judge(runs: list[Run], processing: Processing, accepted: int) -> list[tuple[str, bool]]:
    """The targets: all answers 202; >= 25% of bare; p99 < 20 ms; every accepted one processed."""
    bare, hub = runs
    checks = [
        (f"{r.target}: every answer 202, no socket errors", r.other == 0 and r.socket_errors == 0)
        for r in runs
    ]
    checks.append(("hub inbox: the distinct requests did not run out", not hub.exhausted))
    ratio = hub.accepted_per_s / bare.accepted_per_s
    checks.append(
        (f"hub accepted rate >= {MIN_RATIO:.0%} of bare ({ratio:.0%})", ratio >= MIN_RATIO)
    )
    checks.append((f"hub p99 < {MAX_P99_MS:g} ms ({hub.p99_ms:.1f} ms)", hub.p99_ms < MAX_P99_MS))
    stored = f"{processing.rows} rows for {accepted} accepted"
    checks.append((f"zero lost: a row for every 202 ({stored})", processing.rows >= accepted))
    done = processing.states.get("done", 0)
    checks.append(
        (f"every row processed, state done ({done} of {processing.rows})", done == processing.rows)
    )
    return checks


def report(runs: list[Run], processing: Processing, checks: list[tuple[str, bool]]) -> None:
    """Print the table, the worker's figures and the verdict."""
    bare = runs[0].accepted_per_s
    print(
        f"\n{'target':<14} {'202/s':>8} {'p50':>9} {'p90':>9} {'p99':>9} {'vs bare':>8}"
        f" {'202s':>7} {'other':>6} {'sock err':>8}"
    )
    for r in runs:
        print(
            f"{r.target:<14} {r.accepted_per_s:>8.0f} {r.p50_ms:>6.2f} ms {r.p90_ms:>6.2f} ms"
            f" {r.p99_ms:>6.2f} ms {r.accepted_per_s / bare:>8.0%} {r.accepted:>7}"
            f" {r.other:>6} {r.socket_errors:>8}"
        )
    states = ", ".join(f"{state} {count}" for state, count in sorted(processing.states.items()))
    print(
        f"\nworker: {processing.rows} rows ({states}); {processing.per_s:.0f} processed/s"
        f" (first to last processed_at: {processing.span_seconds:.1f} s;"
        f" drained in {processing.drain_seconds:.1f} s)"
    )
    for r in runs:
        if r.socket_errors:
            print(f"{r.target}: {r.socket_detail} (timeout: no answer within 2 s)")
    verdict_lines(checks)


if __name__ == "__main__":
    run_main(main)
