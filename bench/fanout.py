"""Benchmark fan-out: one post to 10,000 followers on 1,000 hosts, against a bare aiohttp client.

Run with `.venv/bin/python bench/fanout.py [--database-url postgresql://127.0.0.1:5432/test]`.
Needs taskset and two cores: this process (the worker's side) on core 0, the fake hosts on
core 1. Exits 1 when a target is missed.

One process (bench/fakehosts.py) listens on 1,000 loopback addresses, one remote host each
(h0000.test to h0999.test, resolved through HUB_RESOLVE), with a shared inbox that answers 202
and counts what it gets. The database gets one coop and 10,000 followers, ten per host, all
with the host's shared inbox; `hub.posts.publish` stores one post and its deliveries (one per
shared inbox), then `hub.worker.run_once` runs in this process, as `hub worker` would, until no
delivery is pending. The same run measures a bare aiohttp client POSTing the same body to the
same 1,000 inboxes with the sender's concurrency limits, unsigned and then signed per request.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from fakehosts import address, host_name
from harness import (
    CLIENT_CORE,
    HERE,
    SERVER_CORE,
    exit_on_sigterm,
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
)
from sqlalchemy import func, insert, select

from hub import sender, worker
from hub.activitypub.signatures import PublicKey, SignatureError, sign_post, verify_request
from hub.activitypub.vocab import rsa_key_id
from hub.actors import local
from hub.actors.validation import CoopDraft
from hub.bootstrap import open_database
from hub.config import Settings, load_settings
from hub.delivery import queue_counts
from hub.federation import Federation, open_federation
from hub.posts import Draft, publish
from hub.store.db import Database
from hub.store.models import (
    Delivery,
    DeliveryState,
    Follow,
    FollowDirection,
    FollowState,
    LocalActor,
    OutgoingActivity,
    RemoteActor,
)
from hub.uris import Uris

DOMAIN = "hub.test"
CONTROL_HOST = "127.0.0.5"
HOSTS = 1000
FOLLOWERS_PER_HOST = 10
MAX_SECONDS = 3.0
MAX_SIGNATURES = HOSTS
DELIVERY_TIMEOUT = 60.0
IDLE = 0.05
TEXT = "Our cooperative's general assembly is on Friday: everyone is welcome. #coops"


@dataclass(frozen=True)
class Received:
    """What the fake hosts counted during one phase."""

    posts: int
    hosts: int
    max_per_host: int
    min_per_host: int
    host_mismatch: int
    signatures: int
    unsigned: int
    digest_mismatch: int


@dataclass(frozen=True)
class Phase:
    """One timed way of getting the post to every inbox."""

    name: str
    seconds: float
    deliveries: int
    answered_2xx: int
    signatures_made: int
    received: Received
    states: dict[str, int] = field(default_factory=dict)

    @property
    def per_s(self) -> float:
        """Deliveries (shared inboxes reached) per second."""
        return self.deliveries / self.seconds if self.seconds else 0.0


@dataclass(frozen=True)
class Outcome:
    """The whole run."""

    publish_seconds: float
    phases: list[Phase]
    samples_verified: int
    samples: int


@dataclass(frozen=True)
class Target:
    """The post as stored: its body, its inboxes, the signer's key id and keys."""

    body: bytes
    inboxes: list[str]
    key_id: str
    private_pem: str
    public_pem: str


def main() -> int:
    """Start the fake hosts, seed, publish, time bare and hub deliveries; 0 on PASS, 1 on FAIL."""
    exit_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="run on PostgreSQL (a scratch database in it)")
    args = parser.parse_args()
    require(["taskset"])
    with (
        tempfile.TemporaryDirectory(prefix="coophub-bench-") as tmp,
        scratch_database(args.database_url) as database_url,
    ):
        outcome = run_benchmark(Path(tmp), database_url)
    checks = judge(outcome)
    report(outcome, checks)
    document = asdict(outcome) | {
        "database": "postgresql" if args.database_url else "sqlite",
        "hosts": HOSTS,
        "followers": HOSTS * FOLLOWERS_PER_HOST,
        "concurrency": {"per_host": sender.PER_HOST, "total": sender.TOTAL},
        "cores": {"worker": SERVER_CORE, "fake hosts": CLIENT_CORE},
    }
    save("fanout-postgresql" if args.database_url else "fanout", document, checks)
    return 0 if all(ok for _, ok in checks) else 1


def run_benchmark(data_dir: Path, database_url: str | None) -> Outcome:
    """Run the fake hosts on the client core and everything else pinned to the server core."""
    control_port = free_port(CONTROL_HOST)
    control = f"http://{CONTROL_HOST}:{control_port}"
    command = [sys.executable, str(HERE / "fakehosts.py"), str(HOSTS), CONTROL_HOST]
    log = data_dir / "fakehosts.log"
    with running([*command, str(control_port)], os.environ, log, core=CLIENT_CORE) as fake:
        wait_until_up(f"{control}/port", fake, log)
        port = int(get_json(f"{control}/port")["port"])
        resolve = ",".join(f"{host_name(n)}={address(n)}" for n in range(HOSTS))
        env = hub_env(data_dir, database_url, domain=DOMAIN, resolve=resolve)
        settings = load_settings(env)
        os.sched_setaffinity(0, {int(SERVER_CORE)})
        return asyncio.run(fan_out(settings, control, port))


async def fan_out(settings: Settings, control: str, port: int) -> Outcome:
    """Seed, publish, then the bare client unsigned and signed, then the hub's worker."""
    db = await open_database(settings)
    try:
        coop = await seed(db, settings, port)
        started = time.perf_counter()
        async with db.begin() as session:
            await publish(session, Uris(settings), coop, Draft(text=TEXT))
        published = time.perf_counter() - started
        target = await stored_target(db, settings, coop)
        federation = await open_federation(settings, db)  # what a running worker has
        try:
            async with aiohttp.ClientSession(trust_env=False) as client:
                bare, signed = bare_post(settings, target, False), bare_post(settings, target, True)
                phases = [
                    await counted(client, control, "bare client", bare),
                    await counted(client, control, "bare + signing", signed),
                    await counted(client, control, "hub worker", hub_deliver(federation)),
                ]
                samples = (await get_stats(client, control))["samples"]
        finally:
            await federation.close()
    finally:
        await db.dispose()
    verified = sum([await verifies(sample, target) for sample in samples])
    return Outcome(published, phases, verified, len(samples))


async def seed(db: Database, settings: Settings, port: int) -> LocalActor:
    """One coop, and FOLLOWERS_PER_HOST accepted followers on each of the HOSTS fake hosts."""
    started = time.perf_counter()
    async with db.begin() as session:
        coop = await local.create_coop(session, settings, "coop", CoopDraft(name="Bench Coop"))
        await session.execute(
            insert(RemoteActor), [follower(n, port) for n in range(HOSTS * FOLLOWERS_PER_HOST)]
        )
        ids = (await session.execute(select(RemoteActor.id))).scalars().all()
        follows = [
            {
                "local_actor_id": coop.id,
                "remote_actor_id": remote_id,
                "direction": FollowDirection.inbound,
                "state": FollowState.accepted,
            }
            for remote_id in ids
        ]
        await session.execute(insert(Follow), follows)
    count = len(ids)
    print(f"seeded {count} followers in {time.perf_counter() - started:.1f} s", flush=True)
    return coop


def follower(number: int, port: int) -> dict[str, Any]:
    """Follower `number`: user f<n mod 10> on host n div 10, with the host's shared inbox."""
    origin = f"http://{host_name(number // FOLLOWERS_PER_HOST)}:{port}"
    uri = f"{origin}/users/f{number % FOLLOWERS_PER_HOST}"
    return {
        "uri": uri,
        "domain": f"{host_name(number // FOLLOWERS_PER_HOST)}:{port}",
        "username": f"f{number % FOLLOWERS_PER_HOST}",
        "inbox_uri": f"{uri}/inbox",
        "shared_inbox_uri": f"{origin}/inbox",
        "key_id": f"{uri}#main-key",
        "followers_uri": f"{uri}/followers",
        "ap_json": {"id": uri, "type": "Person", "summary": "", "url": uri, "fields": []},
    }


async def stored_target(db: Database, settings: Settings, coop: LocalActor) -> Target:
    """The stored activity as the sender serializes it, and the inboxes of its deliveries."""
    async with db.begin() as session:
        activity = (await session.execute(select(OutgoingActivity.ap_json))).scalar_one()
        inboxes = (await session.execute(select(Delivery.inbox_uri))).scalars().all()
    key_id = rsa_key_id(Uris(settings).actor(coop.username))
    body = json.dumps(activity).encode()
    return Target(body, list(inboxes), key_id, coop.rsa_private_pem, coop.rsa_public_pem)


async def counted(client: aiohttp.ClientSession, control: str, name: str, job: Any) -> Phase:
    """Reset the fake hosts' counts, time the job, and collect what the hosts received."""
    async with client.post(f"{control}/reset") as answer:
        answer.raise_for_status()
    started = time.perf_counter()
    deliveries, answered, signatures, states = await job
    seconds = time.perf_counter() - started
    stats = await get_stats(client, control)
    received = Received(**{name: stats[name] for name in Received.__dataclass_fields__})
    phase = Phase(name, seconds, deliveries, answered, signatures, received, states)
    print(f"{name}: {phase.seconds:.2f} s, {phase.per_s:.0f} deliveries/s", flush=True)
    return phase


async def get_stats(client: aiohttp.ClientSession, control: str) -> dict[str, Any]:
    """The fake hosts' counts since the last reset."""
    async with client.get(f"{control}/stats") as answer:
        answer.raise_for_status()
        stats: dict[str, Any] = await answer.json()
        return stats


async def bare_post(
    settings: Settings, target: Target, sign: bool
) -> tuple[int, int, int, dict[str, int]]:
    """POST the body to every inbox with the sender's limits; a fresh session, like a worker's."""
    per_host: dict[str, asyncio.Semaphore] = {}
    total = asyncio.Semaphore(sender.TOTAL)
    answered = 0
    connector = aiohttp.TCPConnector(resolver=FixedResolver(settings.resolve))
    headers = {"Content-Type": "application/activity+json"}

    async def send(client: aiohttp.ClientSession, inbox: str) -> None:
        nonlocal answered
        host = inbox.split("/")[2]
        async with per_host.setdefault(host, asyncio.Semaphore(sender.PER_HOST)), total:
            signed = (
                sign_post(inbox, target.body, target.key_id, target.private_pem) if sign else {}
            )
            async with client.post(inbox, data=target.body, headers=headers | signed) as answer:
                await answer.read()
                answered += 200 <= answer.status < 300

    async with aiohttp.ClientSession(connector=connector, trust_env=False) as client:
        await asyncio.gather(*(send(client, inbox) for inbox in target.inboxes))
    return len(target.inboxes), answered, len(target.inboxes) if sign else 0, {}


class FixedResolver(AbstractResolver):
    """Resolve names from a fixed map (the HUB_RESOLVE entries) and nothing else."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    async def resolve(self, host: str, port: int = 0, family: Any = 0) -> list[ResolveResult]:
        """The one address the map gives for host."""
        ip = self._names.get(host)
        if ip is None:
            raise OSError(f"{host} is not a benchmark host")
        found: ResolveResult = {
            "hostname": host,
            "host": ip,
            "port": port,
            "family": socket.AF_INET,
            "proto": 0,
            "flags": 0,
        }
        return [found]

    async def close(self) -> None:
        """Nothing to close."""


async def hub_deliver(federation: Federation) -> tuple[int, int, int, dict[str, int]]:
    """Run the worker's run_once until no delivery is pending; count the signatures it makes."""
    db = federation.db
    made = CallCounter()
    started = time.perf_counter()
    with mock.patch.object(sender, "sign_post", made.wrap(sign_post)):
        while time.perf_counter() - started < DELIVERY_TIMEOUT:
            if await worker.run_once(federation) == 0:
                await asyncio.sleep(IDLE)
            if not await _pending(db):
                break
    async with db.begin() as session:
        states = await queue_counts(session)
    return sum(states.values()), states["done"], made.count, states


class CallCounter:
    """Counts the calls of a wrapped function."""

    def __init__(self) -> None:
        self.count = 0

    def wrap(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """The function, counting its calls."""

        def counting(*args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return function(*args, **kwargs)

        return counting


async def _pending(db: Database) -> int:
    # A plain read on the engine, as cheap as it gets; it never takes SQLite's write lock.
    async with db.engine.connect() as connection:
        query = select(func.count()).where(Delivery.state == DeliveryState.pending)
        return int((await connection.execute(query)).scalar_one())


async def verifies(sample: dict[str, Any], target: Target) -> bool:
    """A request the hub sent carries a valid signature by the coop's key over its body."""
    headers: dict[str, str] = sample["headers"]
    body = base64.b64decode(sample["body"])
    key = PublicKey(target.key_id, target.key_id.split("#", 1)[0], target.public_pem)

    async def lookup(key_id: str, _refresh: bool) -> PublicKey | None:
        return key if key_id == target.key_id else None

    try:
        await verify_request("POST", "/inbox", headers, body, headers["Host"], lookup)
    except SignatureError as error:
        print(f"a sampled signature does not verify: {error}")
        return False
    return body == target.body


def judge(outcome: Outcome) -> list[tuple[str, bool]]:
    """The targets: all delivered within 3 s, one POST per host, at most 1,000 signatures."""
    checks = []
    for phase in outcome.phases:
        got = phase.received
        checks.append(
            (
                f"{phase.name}: {phase.deliveries} inboxes, each got one POST answered 2xx",
                phase.deliveries == HOSTS
                and phase.answered_2xx == HOSTS
                and (got.posts, got.hosts, got.max_per_host) == (HOSTS, HOSTS, 1)
                and got.host_mismatch == 0,
            )
        )
    hub = outcome.phases[-1]
    states = ", ".join(f"{state} {count}" for state, count in hub.states.items())
    checks.append((f"hub: every delivery done ({states})", hub.states.get("done") == HOSTS))
    checks.append(
        (f"hub: all delivered in < {MAX_SECONDS:g} s ({hub.seconds:.2f} s)", hub.seconds < 3.0)
    )
    signatures = max(hub.signatures_made, hub.received.signatures)
    checks.append(
        (f"hub: at most {MAX_SIGNATURES} signatures ({signatures})", signatures <= MAX_SIGNATURES)
    )
    checks.append(
        (
            f"hub: sampled signatures verify ({outcome.samples_verified} of {outcome.samples})",
            outcome.samples > 0 and outcome.samples_verified == outcome.samples,
        )
    )
    checks.append(("hub: every Digest matches its body", hub.received.digest_mismatch == 0))
    return checks


def report(outcome: Outcome, checks: list[tuple[str, bool]]) -> None:
    """Print the table and the verdict."""
    bare = outcome.phases[0].seconds
    print(
        f"\n{'target':<16} {'seconds':>8} {'deliv/s':>8} {'followers/s':>12} {'vs bare':>8}"
        f" {'POSTs':>6} {'hosts':>6} {'max/host':>8} {'signed':>7} {'distinct sig':>12}"
    )
    for p in outcome.phases:
        got = p.received
        print(
            f"{p.name:<16} {p.seconds:>8.2f} {p.per_s:>8.0f}"
            f" {p.per_s * FOLLOWERS_PER_HOST:>12.0f} {bare / p.seconds:>8.0%} {got.posts:>6}"
            f" {got.hosts:>6} {got.max_per_host:>8} {p.signatures_made:>7} {got.signatures:>12}"
        )
    print(
        f"\npublish (the post and its {HOSTS} delivery rows, one transaction):"
        f" {outcome.publish_seconds:.2f} s"
    )
    verdict_lines(checks)


if __name__ == "__main__":
    run_main(main)
