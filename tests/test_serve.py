"""`hub serve` and `hub worker` as real processes: first start, setup link, clean stop."""

from __future__ import annotations

import gc
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO

import aiohttp
import pytest

from hub import worker
from hub.bootstrap import settle_heap
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import OneTimeToken
from hub.store.types import utcnow
from tests.helpers import csrf_field

HUB = str(Path(sys.executable).parent / "hub")
LINK = re.compile(r"(http://\S+/setup/\S+)")


def free_port(address: str) -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


class Served:
    """A `hub serve` process on its own loopback address."""

    def __init__(self, cwd: Path, address: str, extra_env: dict[str, str]) -> None:
        self.port = free_port(address)
        self.base = f"http://{address}:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(HUB_HOST=address, HUB_PORT=str(self.port), HUB_DOMAIN=f"hub.test:{self.port}")
        env.update(extra_env)
        self.process = subprocess.Popen(
            [HUB, "serve"],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines = self._read_until_serving()

    def _read_until_serving(self) -> list[str]:
        lines: list[str] = []
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = stdout.readline()
            if not line:
                raise AssertionError(f"hub serve ended early: {self.process.stderr.read()}")  # type: ignore[union-attr]
            lines.append(line.rstrip("\n"))
            if line.startswith("serving "):
                return lines
        raise AssertionError(f"hub serve did not start: {lines}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[type[Served]]:
    started: list[Served] = []

    def start(address: str, **env: str) -> Served:
        served = Served(tmp_path, address, env)
        started.append(served)
        return served

    yield start  # type: ignore[misc]
    for served in started:
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait()


async def test_first_start_migrates_sqlite_in_data_and_prints_a_setup_link(
    serve: type[Served], tmp_path: Path
) -> None:
    served = serve("127.0.0.11")  # type: ignore[call-arg]
    assert (tmp_path / "data" / "hub.sqlite3").exists()
    assert (tmp_path / "data" / "secret_key").exists()
    links = [m.group(1) for line in served.lines if (m := LINK.search(line))]
    assert len(links) == 1
    setup_path = links[0].split(f":{served.port}", 1)[1]
    jar = aiohttp.CookieJar(unsafe=True)  # a browser's cookie jar; the server is an IP here
    async with aiohttp.ClientSession(served.base, cookie_jar=jar) as http:
        page = await http.get(setup_path)
        html = await page.text()
        assert page.status == 200 and 'name="email"' in html
        token = {"csrf": csrf_field(html)}
        assert (await http.post(setup_path, data={"password": "x" * 12})).status == 403
        mismatch = {"email": "ela@coop.example", "password": "a" * 12, "password_confirm": "b" * 12}
        assert (await http.post(setup_path, data={**mismatch, **token})).status == 422
        short = {"email": "ela@coop.example", "password": "short", "password_confirm": "short"}
        assert (await http.post(setup_path, data={**short, **token})).status == 422
        good = {
            "email": "ela@coop.example",
            "password": "lange-genug-1",
            "password_confirm": "lange-genug-1",
            **token,
        }
        done = await http.post(setup_path, data=good)
        assert done.status == 200 and "ela@coop.example" in await done.text()
        assert (await http.get(setup_path)).status == 404
        actor = await http.get("/users/network", headers={"Accept": "application/activity+json"})
        assert (await actor.json(content_type=None))["type"] == "Group"
    assert served.stop() == 0

    again = serve("127.0.0.11")  # type: ignore[call-arg]
    assert not any(LINK.search(line) for line in again.lines)
    assert again.stop() == 0


async def test_serve_runs_on_the_test_database(serve: type[Served], database_url: str) -> None:
    served = serve("127.0.0.12", HUB_DATABASE_URL=database_url)  # type: ignore[call-arg]
    async with aiohttp.ClientSession(served.base) as http:
        response = await http.get(
            f"/.well-known/webfinger?resource=acct:network@hub.test:{served.port}"
        )
        assert response.status == 200
    assert served.stop() == 0


def test_invalid_configuration_stops_serve_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DOMAIN"] = "https://wrong"
    result = subprocess.run(
        [HUB, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("hub: HUB_DOMAIN")
    assert not (tmp_path / "data").exists()


def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.13", 0))
        taken.listen()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        env.update(HUB_HOST="127.0.0.13", HUB_PORT=str(taken.getsockname()[1]))
        result = subprocess.run(
            [HUB, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1
    assert result.stderr.startswith("hub: ") and "Traceback" not in result.stderr


def test_worker_process_stops_cleanly_on_sigterm(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(HUB_DATABASE_URL=database_url, HUB_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen(
        [HUB, "worker"], cwd=tmp_path, env=env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("worker started")
    time.sleep(0.5)
    assert process.poll() is None
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=15) == 0


async def test_worker_run_once_purges_expired_and_used_links(
    db: Database, federation: Federation
) -> None:
    async with db.begin() as session:
        now = utcnow()
        session.add(
            OneTimeToken(token_hash="a" * 64, purpose="x", expires_at=now - timedelta(seconds=1))
        )
        session.add(
            OneTimeToken(
                token_hash="b" * 64, purpose="x", expires_at=now + timedelta(days=1), used_at=now
            )
        )
        session.add(
            OneTimeToken(token_hash="c" * 64, purpose="x", expires_at=now + timedelta(days=1))
        )
    assert await worker.run_once(federation) == 2
    assert await worker.run_once(federation) == 0


def test_settling_the_heap_keeps_start_up_objects_out_of_later_collections() -> None:
    import web.app  # noqa: F401  (what `hub serve` has loaded when it settles)

    try:
        settle_heap()
        assert gc.get_freeze_count() > 50_000
    finally:
        gc.unfreeze()
