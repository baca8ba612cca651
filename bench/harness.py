"""What bench/inbox.py and bench/fanout.py share: processes on pinned cores, databases, results.

Every process started here is stopped on the way out, whatever happens; every address is on
loopback (127.0.0.0/8); a PostgreSQL database made here is dropped at the end.
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
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from sqlalchemy import make_url, text

from hub.config import normalize_database_url
from hub.store.db import Database

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
HUB = Path(sys.executable).with_name("hub")
SERVER_CORE = "0"
CLIENT_CORE = "1"
START_TIMEOUT = 30.0
# Servers and load run at a high priority, so other work on these shared machines disturbs
# the measured processes less (both the hub and its bare baseline get the same).
NICENESS = "-15"
MAX_IDLE_BUSY = 0.10
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
# Never let a proxy from the environment see the benchmark's requests.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port(host: str) -> int:
    """A TCP port nothing listens on at host right now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def hub_env(data_dir: Path, database_url: str | None, **values: str) -> dict[str, str]:
    """The environment for `hub` commands: our HUB_* values, none of the caller's."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith("HUB_")}
    env = {
        **inherited,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_SCHEME": "http",
        "HUB_RUN_WORKER": "false",
        "HUB_LOG_LEVEL": "WARNING",
        "HUB_ALLOW_PRIVATE_ADDRESSES": "true",
        **{f"HUB_{name.upper()}": value for name, value in values.items()},
    }
    if database_url:
        env["HUB_DATABASE_URL"] = database_url
    return env


@contextlib.contextmanager
def scratch_database(base_url: str | None) -> Iterator[str | None]:
    """None for SQLite in the data dir; else a fresh PostgreSQL database, dropped at the end."""
    if not base_url:
        yield None
        return
    admin = normalize_database_url(base_url)
    name = f"coophub_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(admin, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    db = Database(url, isolation_level="AUTOCOMMIT")
    try:
        async with db.engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await db.dispose()


def pinned(core: str) -> list[str]:
    """The command prefix that runs a process on one core at the benchmark's priority."""
    return ["nice", "-n", NICENESS, "taskset", "-c", core]


@contextlib.contextmanager
def running(
    command: Sequence[str], env: Mapping[str, str], log: Path, core: str = SERVER_CORE
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a process pinned to core, output to log; stop it on the way out, come what may."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*pinned(core), *command],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is not gone within five seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = START_TIMEOUT
) -> None:
    """Poll url until it answers below 500; fail early if the process exits or takes too long."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"server exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with OPENER.open(url, timeout=1) as answer:
                if answer.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    fail(f"no answer from {url} within {START_TIMEOUT:.0f} s:\n{log.read_text()[-2000:]}")


def get_json(url: str) -> Any:
    """GET a JSON document from one of our loopback servers."""
    with OPENER.open(url, timeout=10) as answer:
        return json.loads(answer.read())


def warn_if_busy() -> float:
    """Measure how busy the CPUs are before any load; warn when the figures will be noisy."""
    before = _cpu_times()
    time.sleep(1.0)
    spent = [b - a for a, b in zip(before, _cpu_times(), strict=True)]
    busy = 1 - (spent[3] + spent[4]) / max(sum(spent), 1)
    if busy > MAX_IDLE_BUSY:
        print(f"warning: the CPUs are {busy:.0%} busy before any load; figures will be noisy")
    return busy


def _cpu_times() -> list[int]:
    with open("/proc/stat") as stat:
        return [int(value) for value in stat.readline().split()[1:9]]


@dataclass(frozen=True)
class Result:
    """One measured wrk run of a GET target."""

    target: str
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def measure_get(
    name: str,
    url: str,
    options: Sequence[str],
    headers: Mapping[str, str],
    durations: Sequence[str],
) -> Result:
    """Run wrk for each duration (the first ones warm up) on the client core; the last's figures."""
    output = ""
    for duration in durations:
        output = wrk_get(url, options, headers, duration)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                        output)  # fmt: skip
    return Result(
        target=name,
        requests_per_s=float(find(r"Requests/sec:\s+([\d.]+)", output)[0]),
        p50_ms=latency_ms(*find(r"^\s*50%\s+([\d.]+)(us|ms|s|m|h)\s*$", output)),
        p99_ms=latency_ms(*find(r"^\s*99%\s+([\d.]+)(us|ms|s|m|h)\s*$", output)),
        errors=(int(errors.group(1)) if errors else 0)
        + (sum(int(count) for count in sockets.groups()) if sockets else 0),
    )


def wrk_get(url: str, options: Sequence[str], headers: Mapping[str, str], duration: str) -> str:
    """Run wrk once, pinned to the client core; its report."""
    header_args = [part for name, value in headers.items() for part in ("-H", f"{name}: {value}")]
    command = [*pinned(CLIENT_CORE), "wrk", *options, *header_args, "-d", duration, url]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        fail(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout


def find(pattern: str, output: str) -> tuple[str, ...]:
    """The groups of a pattern's first match in a tool's output; stop if it is missing."""
    match = re.search(pattern, output, re.MULTILINE)
    if match is None:
        fail(f"could not find {pattern!r} in the output:\n{output}")
    return match.groups()


def latency_ms(value: str, unit: str) -> float:
    """A wrk latency figure such as 1.23ms in milliseconds."""
    return float(value) * UNITS_MS[unit]


def verdict_lines(checks: Sequence[tuple[str, bool]]) -> None:
    """Print one PASS/FAIL line per check and the overall verdict."""
    print()
    for description, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {description}")
    print(f"\n{'PASS' if all(ok for _, ok in checks) else 'FAIL'}")


def save(name: str, document: dict[str, Any], checks: Sequence[tuple[str, bool]]) -> None:
    """Write the run to bench/results/<name>.json, with the time, the checks and the verdict."""
    path = RESULTS / f"{name}.json"
    full = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        **document,
        "checks": [{"check": description, "ok": ok} for description, ok in checks],
        "pass": all(ok for _, ok in checks),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(full, indent=2) + "\n")
    print(f"results written to {path}")


def require(tools: Sequence[str]) -> None:
    """Fail unless the tools, the hub command and two cores are there."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        fail(f"missing {', '.join(missing)}; install with: apt-get install -y wrk util-linux")
    if not HUB.exists():
        fail(f"no hub command at {HUB}; run with the project's .venv/bin/python")
    if not {0, 1} <= os.sched_getaffinity(0):
        fail("needs two cores: the hub on core 0, the load on core 1")


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so every `finally` stops what it started."""
    signal.signal(signal.SIGTERM, _exit_143)


def _exit_143(_signum: int, _frame: object) -> NoReturn:
    raise SystemExit(143)


def fail(message: str) -> NoReturn:
    """Stop the benchmark with one line (exit status 1)."""
    raise SystemExit(f"bench: {message}")


def run_main(main: Any) -> None:
    """Run main() and exit with its status; Ctrl-C exits 130 after cleaning up."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        sys.exit(130)
