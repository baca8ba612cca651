"""Start `hub serve` and the peers as real processes on their own loopback addresses.

Every server gets a `.test` name on its own 127.0.0.x address and a free port. The hub reaches
the peers through HUB_RESOLVE; the peers reach the hub and each other through PEER_RESOLVE,
which tests/peers/loopback.py reads (no /etc/hosts line is needed, so no root either).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

from hub import posts
from hub.actors.local import get_coop
from hub.bootstrap import open_database
from hub.config import load_settings, with_secret_key
from hub.uris import Uris

ROOT = Path(__file__).resolve().parents[2]
PEERS = Path(__file__).resolve().parent
PEERS_PYTHON = ROOT / ".peers" / "bin" / "python"
HUB = str(Path(sys.executable).parent / "hub")
ADDRESSES = {"hub.test": "127.0.0.41", "herd.test": "127.0.0.42", "pasture.test": "127.0.0.43"}
PEER_ENV = {"PEER_RESOLVE": ",".join(f"{name}={ip}" for name, ip in ADDRESSES.items())}
T = TypeVar("T")


def free_port(address: str) -> int:
    """A port nobody listens on at this address right now."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def wait_until(check: Callable[[], T | None], timeout: float, what: str) -> T:
    """Call `check` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.2)


def _listening(address: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((address, port)) == 0


class Process:
    """A child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(
        self, args: list[str], cwd: Path, env: dict[str, str], log: Path, **popen: Any
    ) -> None:
        self.log_path = log
        self._log = log.open("w")
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, text=True, **popen
        )

    @property
    def alive(self) -> bool:
        """True while the process runs."""
        return self.process.poll() is None

    def log(self) -> str:
        """Everything the process printed so far."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def wait_listening(self, address: str, port: int, timeout: float = 60) -> None:
        """Wait until the process accepts connections; stop it and fail with its log if not."""

        def ready() -> bool:
            if not self.alive:
                raise AssertionError(f"{self.log_path.name} ended early:\n{self.log()}")
            return _listening(address, port)

        try:
            wait_until(ready, timeout, f"{self.log_path.name} to listen on {address}:{port}")
        except AssertionError:
            self.stop()
            raise

    def stop(self) -> int:
        """Stop the process and return its exit code."""
        if self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return int(self.process.returncode)


class Hub:
    """`hub serve` at http://hub.test:PORT on SQLite, with its worker, and one coop."""

    def __init__(self, workdir: Path, coop: str) -> None:
        self.address = ADDRESSES["hub.test"]
        self.port = free_port(self.address)
        self.domain = f"hub.test:{self.port}"
        self.base = f"http://{self.domain}"
        self.workdir = workdir
        self.database = workdir / "data" / "hub.sqlite3"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
        self.env.update(
            HUB_HOST=self.address,
            HUB_PORT=str(self.port),
            HUB_DOMAIN=self.domain,
            HUB_SCHEME="http",
            HUB_DATA_DIR=str(workdir / "data"),
            HUB_DATABASE_URL=f"sqlite:///{self.database}",
            HUB_ALLOW_PRIVATE_ADDRESSES="true",
            HUB_RESOLVE=",".join(f"{n}={ip}" for n, ip in ADDRESSES.items() if n != "hub.test"),
        )
        self.coop = coop
        self.run("coop", "create", coop, "--name", f"{coop.title()} Coop")
        self.server = Process([HUB, "serve"], workdir, self.env, workdir / "hub.log")
        self.server.wait_listening(self.address, self.port)

    def actor(self, username: str) -> str:
        """The URI of one of our actors."""
        return f"{self.base}/users/{username}"

    def run(self, *args: str) -> str:
        """Run a `hub` command against this hub's database; return what it printed."""
        done = subprocess.run(
            [HUB, *args], cwd=self.workdir, env=self.env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"hub {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Rows from the hub's SQLite database, read-only."""
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=10)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def edit_post(self, post_id: int, text: str) -> None:
        """Edit a post with the hub's own service (there is no `hub post edit` command yet)."""
        asyncio.run(self._edit_post(post_id, text))

    async def _edit_post(self, post_id: int, text: str) -> None:
        settings = with_secret_key(load_settings(self.env))
        db = await open_database(settings, migrate=False)
        try:
            async with db.begin() as session:
                coop = await get_coop(session, self.coop)
                await posts.edit(session, Uris(settings), coop, post_id, posts.Draft(text))
        finally:
            await db.dispose()

    def stop(self) -> int:
        """Stop `hub serve`; its exit code."""
        return self.server.stop()


def peer_script(script: str, *args: str) -> list[str]:
    """The command line of a peer script run with the peers' Python."""
    return [str(PEERS_PYTHON), str(PEERS / script), *args]


def peer_env() -> dict[str, str]:
    """The environment of a peer process: ours, without HUB_*, plus the loopback names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PYTHON"))}
    return {**env, **PEER_ENV}


class Herd:
    """bovine-herd at http://herd.test:PORT with one registered user."""

    def __init__(self, workdir: Path, handle: str) -> None:
        self.address = ADDRESSES["herd.test"]
        self.port = free_port(self.address)
        self.workdir = workdir
        self.credentials = workdir / f"{handle}.json"
        args = peer_script(
            "herd.py",
            *("--address", self.address, "--port", str(self.port)),
            *("--db", str(workdir / "herd.sqlite3"), "--handle", handle),
            *("--credentials", str(self.credentials)),
        )
        self.server = Process(args, workdir, peer_env(), workdir / "herd.log")
        self.server.wait_listening(self.address, self.port)

    def stop(self) -> int:
        """Stop the herd."""
        return self.server.stop()


class HerdUser:
    """The herd's user, driven through bovine's client API by tests/peers/herd_user.py."""

    def __init__(self, herd: Herd) -> None:
        self.log_path = herd.workdir / "herd_user.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            peer_script("herd_user.py", str(herd.credentials)),
            cwd=herd.workdir,
            env=peer_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.actor: str = self._answer()["actor"]

    def _answer(self) -> dict[str, Any]:
        stdout: IO[str] = self.process.stdout  # type: ignore[assignment]
        line = stdout.readline()
        if not line:
            self._log.flush()
            raise AssertionError(f"herd_user.py ended: {self.log_path.read_text()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def __call__(self, do: str, **command: Any) -> dict[str, Any]:
        """Send one command; return its answer, failing on an error answer."""
        stdin: IO[str] = self.process.stdin  # type: ignore[assignment]
        stdin.write(json.dumps({"do": do, **command}) + "\n")
        stdin.flush()
        answer = self._answer()
        assert "error" not in answer, f"herd user could not {do}: {answer['error']}"
        return answer

    def stop(self) -> None:
        """End the client."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def run_pasture(
    workdir: Path, command: str, target: str, *options: str, timeout: float
) -> list[dict[str, Any]]:
    """Run tests/peers/pasture.py to its end; its JSON lines, or fail with its log."""
    address = ADDRESSES["pasture.test"]
    port = str(free_port(address))
    args = peer_script(
        "pasture.py", command, target, "--address", address, "--port", port, *options
    )
    log = workdir / f"pasture-{command}.log"
    with log.open("w") as stderr:
        done = subprocess.run(
            args,
            cwd=workdir,
            env=peer_env(),
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            timeout=timeout,
        )
    assert done.returncode == 0, f"pasture {command} failed:\n{log.read_text()[-5000:]}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
