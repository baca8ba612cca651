"""Benchmark discovery: actor GET and WebFinger of a hub with 1,000 coops, against bare aiohttp.

Run with `.venv/bin/python bench/discovery.py` (or `make bench`). Needs wrk and taskset and two
cores: the servers share core 0, wrk runs on core 1. Exits 1 when a target is missed.
Each target is primed (every URL fetched once), warmed up and measured in about 15 s, well
within the hub's 30 s document cache, so the measured run sees the cache-hit path.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from harness import running

from hub.actors import local
from hub.actors.keys import KeyMaterial, generate_keys
from hub.actors.validation import CoopDraft
from hub.bootstrap import open_database
from hub.config import Settings, load_settings

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "discovery.json"
HUB = Path(sys.executable).with_name("hub")
COOPS = 1000
BATCH = 100
DOMAIN = "bench.test"
HUB_HOST = "127.0.0.2"
BARE_HOST = "127.0.0.3"
SERVER_CORE = "0"
CLIENT_CORE = "1"
WRK_OPTIONS = ("-t1", "-c16", "--latency", "--timeout", "2s")
WARMUP = "3s"
DURATION = "10s"
START_TIMEOUT = 30.0
MAX_IDLE_BUSY = 0.10
MIN_ACTOR_RATIO = 0.40
MAX_ACTOR_P99_MS = 10.0
ACTIVITY_JSON = "application/activity+json"
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# Never let a proxy from the environment see the benchmark's requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Target:
    """One thing to load: a base URL, a path template over the coops, extra headers."""

    name: str
    base: str
    template: str
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """What one measured wrk run reported."""

    target: str
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int


def main() -> int:
    """Seed, start both servers, load them with wrk, report; 0 on PASS, 1 on FAIL."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _require_tools()
    with tempfile.TemporaryDirectory(prefix="coophub-bench-") as tmp:
        results, busy = run_benchmark(Path(tmp))
    checks = judge(results)
    report(results, checks)
    save(results, checks, busy)
    return 0 if all(ok for _, ok in checks) else 1


def run_benchmark(data_dir: Path) -> tuple[list[Result], float]:
    """Seed a hub in data_dir, start it and the bare server, measure every target.

    Returns the results and how busy the CPUs were just before the load.
    """
    env = hub_env(data_dir, free_port(HUB_HOST))
    seed(load_settings(env))
    hub_url = f"http://{HUB_HOST}:{env['HUB_PORT']}"
    bare_port = free_port(BARE_HOST)
    bare_url = f"http://{BARE_HOST}:{bare_port}"
    hub_command = [str(HUB), "serve"]
    bare_command = [sys.executable, str(HERE / "hello.py"), BARE_HOST, str(bare_port)]
    with contextlib.ExitStack() as stack:
        hub = stack.enter_context(running(hub_command, env, data_dir / "hub.log"))
        bare = stack.enter_context(running(bare_command, os.environ, data_dir / "bare.log"))
        wait_until_up(f"{hub_url}/.well-known/nodeinfo", hub, data_dir / "hub.log")
        wait_until_up(f"{bare_url}/hello", bare, data_dir / "bare.log")
        busy = warn_if_busy()
        check_answers(hub_url)
        return [measure(target) for target in targets(hub_url, bare_url)], busy


def targets(hub_url: str, bare_url: str) -> list[Target]:
    """The bare baseline, then the hub's actor GET and WebFinger, spread over the coops."""
    return [
        Target("bare hello", bare_url, "/hello/%04d"),
        Target("actor GET", hub_url, "/users/coop%04d", (f"Accept: {ACTIVITY_JSON}",)),
        Target("webfinger", hub_url, f"/.well-known/webfinger?resource=acct:coop%04d@{DOMAIN}"),
    ]


def username(number: int) -> str:
    """The seeded coop's username, coop0000 to coop0999."""
    return f"coop{number:04d}"


def hub_env(data_dir: Path, port: int) -> dict[str, str]:
    """The environment for `hub serve` and the seeding: our HUB_* values, none of the caller's."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    return {
        **inherited,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_DOMAIN": DOMAIN,
        "HUB_SCHEME": "http",
        "HUB_HOST": HUB_HOST,
        "HUB_PORT": str(port),
        "HUB_RUN_WORKER": "false",
        "HUB_LOG_LEVEL": "WARNING",
    }


def free_port(host: str) -> int:
    """A TCP port nothing listens on at host right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def seed(settings: Settings) -> None:
    """Create the database and COOPS coops; RSA keys are made in parallel beforehand."""
    started = time.perf_counter()
    asyncio.run(insert_coops(settings, generate_all_keys(COOPS)))
    print(f"seeded {COOPS} coops in {time.perf_counter() - started:.1f} s", flush=True)


def generate_all_keys(count: int) -> list[KeyMaterial]:
    """Generate count key sets on every core; on an interruption, drop what has not started."""
    pool = ProcessPoolExecutor()
    try:
        return list(pool.map(_fresh_keys, range(count), chunksize=25))
    finally:
        pool.shutdown(cancel_futures=True)


def _fresh_keys(_number: int) -> KeyMaterial:
    return generate_keys()


async def insert_coops(settings: Settings, keys: list[KeyMaterial]) -> None:
    """Create the coops with the hub's own create_coop, BATCH per transaction, given keys."""
    db = await open_database(settings)
    try:
        for start in range(0, COOPS, BATCH):
            async with db.begin() as session:
                for number in range(start, min(start + BATCH, COOPS)):
                    draft = CoopDraft(name=f"Bench Coop {number}")
                    await local.create_coop(
                        session, settings, username(number), draft, keys[number]
                    )
    finally:
        await db.dispose()


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll url until it answers 200; fail early if the server exits or takes too long."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _fail(f"server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        with contextlib.suppress(OSError), OPENER.open(url, timeout=1) as answer:
            if answer.status == 200:
                return
        time.sleep(0.1)
    _fail(f"no answer from {url} within {START_TIMEOUT:.0f} s:\n{log.read_text()[-2000:]}")


def check_answers(hub_url: str) -> None:
    """Make sure a few coops really answer with their actor and WebFinger documents."""
    for number in (0, 1, COOPS // 2, COOPS - 1):
        name = username(number)
        actor = _get_json(f"{hub_url}/users/{name}", ACTIVITY_JSON)
        finger = _get_json(f"{hub_url}/.well-known/webfinger?resource=acct:{name}@{DOMAIN}")
        if actor.get("id") != f"http://{DOMAIN}/users/{name}":
            _fail(f"unexpected actor document for {name}: {actor}")
        if finger.get("subject") != f"acct:{name}@{DOMAIN}":
            _fail(f"unexpected WebFinger document for {name}: {finger}")


def prime(target: Target) -> None:
    """Fetch every coop's URL once, so the measured run finds the cache full; all must be 200."""
    headers = dict(header.split(": ", 1) for header in target.headers)
    for number in range(COOPS):
        fetch(target.base + target.template % number, headers)


def fetch(url: str, headers: Mapping[str, str]) -> bytes:
    """GET url and return the body; fail unless it answers 200 itself, without a redirect."""
    request = urllib.request.Request(url, headers=dict(headers))
    try:
        with OPENER.open(request, timeout=5) as answer:
            if answer.status != 200 or answer.url != url:
                _fail(f"GET {url} answered {answer.status} from {answer.url}")
            return bytes(answer.read())
    except OSError as error:
        _fail(f"GET {url} failed: {error}")


def _get_json(url: str, accept: str = "application/json") -> dict[str, Any]:
    document: dict[str, Any] = json.loads(fetch(url, {"Accept": accept}))
    return document


def warn_if_busy() -> float:
    """Measure how busy the CPUs are before any load; warn when the figures will be noisy."""
    busy = cpu_busy_share()
    if busy > MAX_IDLE_BUSY:
        print(f"warning: the CPUs are {busy:.0%} busy before any load; figures will be noisy")
    return busy


def cpu_busy_share(seconds: float = 1.0) -> float:
    """The share of CPU time spent on anything but idling and waiting, over a short sample."""
    before = _cpu_times()
    time.sleep(seconds)
    after = _cpu_times()
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return 1 - (spent[3] + spent[4]) / max(sum(spent), 1)


def _cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        return [int(value) for value in stat.readline().split()[1:9]]


def measure(target: Target) -> Result:
    """Fetch every URL once and warm up (fills the hub's cache), then the measured run."""
    prime(target)
    run_wrk(target, WARMUP)
    result = parse_wrk(target.name, run_wrk(target, DURATION))
    print(f"{target.name}: {result.requests_per_s:.0f} req/s", flush=True)
    return result


def run_wrk(target: Target, duration: str) -> str:
    """Run wrk pinned to CLIENT_CORE and return what it printed."""
    headers = [arg for header in target.headers for arg in ("-H", header)]
    command = [
        *("taskset", "-c", CLIENT_CORE, "wrk", *WRK_OPTIONS, "-d", duration, *headers),
        *("-s", str(HERE / "spread.lua"), target.base, "--", target.template, str(COOPS)),
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        _fail(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def parse_wrk(name: str, output: str) -> Result:
    """Pick requests, req/s, p50, p99, non-2xx and socket errors out of wrk's report."""
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Result(
        target=name,
        requests=int(_find(r"(\d+) requests in", output)),
        requests_per_s=float(_find(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_latency_ms("50%", output),
        p99_ms=_latency_ms("99%", output),
        non_2xx=int(_find(r"non-2xx responses: (\d+)", output)),
        socket_errors=sum(int(count) for count in errors.groups()) if errors else 0,
    )


def _latency_ms(percentile: str, output: str) -> float:
    value, unit = _find(rf"^\s*{percentile}\s+([\d.]+)(us|ms|s|m|h)\s*$", output, groups=2)
    return float(value) * UNITS_MS[unit]


def _find(pattern: str, output: str, groups: int = 1) -> Any:
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        _fail(f"could not find {pattern!r} in wrk's output:\n{output}")
    return match.group(1) if groups == 1 else match.groups()


def judge(results: list[Result]) -> list[tuple[str, bool]]:
    """The targets: every answer 2xx and no socket errors; actor GET >= 40% of bare, p99 < 10 ms."""
    by_name = {result.target: result for result in results}
    bare, actor = by_name["bare hello"], by_name["actor GET"]
    checks = [
        (f"{r.target}: all answers 2xx, no socket errors", r.non_2xx == 0 and r.socket_errors == 0)
        for r in results
    ]
    ratio = actor.requests_per_s / bare.requests_per_s
    checks.append(
        (f"actor GET throughput >= {MIN_ACTOR_RATIO:.0%} of bare", ratio >= MIN_ACTOR_RATIO)
    )
    checks.append((f"actor GET p99 < {MAX_ACTOR_P99_MS:g} ms", actor.p99_ms < MAX_ACTOR_P99_MS))
    return checks


def report(results: list[Result], checks: list[tuple[str, bool]]) -> None:
    """Print the table and the verdict."""
    bare = results[0].requests_per_s
    header = f"{'target':<12} {'req/s':>8} {'p50':>9} {'p99':>9} {'vs bare':>8}"
    print(f"\n{header} {'non-2xx':>8} {'sock err':>8}")
    for r in results:
        print(
            f"{r.target:<12} {r.requests_per_s:>8.0f} {r.p50_ms:>6.2f} ms {r.p99_ms:>6.2f} ms"
            f" {r.requests_per_s / bare:>8.0%} {r.non_2xx:>8} {r.socket_errors:>8}"
        )
    print()
    for description, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {description}")
    if results[0].p99_ms >= MAX_ACTOR_P99_MS:
        print("note: even the bare server's p99 misses the p99 target: this machine is too noisy")
    print(f"\n{'PASS' if all(ok for _, ok in checks) else 'FAIL'}")


def save(results: list[Result], checks: list[tuple[str, bool]], busy: float) -> None:
    """Write the run to bench/results/discovery.json."""
    document = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "coops": COOPS,
        "wrk": [*WRK_OPTIONS, "-d", DURATION, "warm-up", WARMUP],
        "cores": {"servers": SERVER_CORE, "wrk": CLIENT_CORE},
        "cpu_busy_before_load": round(busy, 3),
        "results": [asdict(result) for result in results],
        "checks": [{"check": description, "ok": ok} for description, ok in checks],
        "pass": all(ok for _, ok in checks),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")
    print(f"results written to {RESULTS}")


def _require_tools() -> None:
    missing = [tool for tool in ("wrk", "taskset") if shutil.which(tool) is None]
    if missing:
        _fail(f"missing {', '.join(missing)}; install with: apt-get install -y wrk util-linux")
    if not HUB.exists():
        _fail(f"no hub command at {HUB}; run with the project's .venv/bin/python")
    if not {0, 1} <= os.sched_getaffinity(0):
        _fail("needs two cores: servers on core 0, wrk on core 1")


def _exit_on_sigterm(_signum: int, _frame: object) -> NoReturn:
    raise SystemExit(143)


def _fail(message: str) -> NoReturn:
    raise SystemExit(f"bench: {message}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
