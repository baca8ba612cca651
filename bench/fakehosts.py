"""Many fake remote hosts in one process: a shared inbox on each of many loopback addresses.

Usage: fakehosts.py COUNT CONTROL_HOST CONTROL_PORT. Host number n (0 to COUNT-1) listens on
address(n) (127.1.x.y), all on one port. Each inbox POST is answered 202 and counted: per host,
by the address it came in on, and by its distinct Signature headers. The control server starts
once every host listens and answers GET /port, GET /stats (the counts since the last reset and
a few requests as samples) and POST /reset.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import signal
import sys
from collections import Counter
from typing import Any

from aiohttp import web

SAMPLES = 5


def address(number: int) -> str:
    """The loopback address of host `number`: 127.1.0.1, 127.1.0.2, ... 250 per /24."""
    return f"127.1.{number // 250}.{number % 250 + 1}"


class Counts:
    """What the inboxes received since the last reset."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names  # host name by listening address
        self.reset()

    def reset(self) -> None:
        """Forget everything received."""
        self.per_address: Counter[str] = Counter()
        self.host_mismatch = 0
        self.signatures: set[str] = set()
        self.unsigned = 0
        self.digest_mismatch = 0
        self.samples: list[dict[str, Any]] = []

    def add(self, local_address: str, headers: dict[str, str], body: bytes) -> None:
        """Count one POST."""
        self.per_address[local_address] += 1
        expected = self.names.get(local_address)
        if headers.get("Host", "").split(":", 1)[0] != expected:
            self.host_mismatch += 1
        signature = headers.get("Signature")
        if signature is None:
            self.unsigned += 1
        else:
            self.signatures.add(signature)
        digest = headers.get("Digest")
        if digest is not None and digest != _digest(body):
            self.digest_mismatch += 1
        if len(self.samples) < SAMPLES:
            encoded = base64.b64encode(body).decode()
            self.samples.append({"headers": headers, "body": encoded})

    def stats(self) -> dict[str, Any]:
        """The counts as JSON."""
        per_host = list(self.per_address.values())
        return {
            "posts": sum(per_host),
            "hosts": len(per_host),
            "max_per_host": max(per_host, default=0),
            "min_per_host": min(per_host, default=0),
            "host_mismatch": self.host_mismatch,
            "signatures": len(self.signatures),
            "unsigned": self.unsigned,
            "digest_mismatch": self.digest_mismatch,
            "samples": self.samples,
        }


def _digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def host_name(number: int) -> str:
    """The name of host `number`, h0000.test to h0999.test."""
    return f"h{number:04d}.test"


async def serve(count: int, control_host: str, control_port: int) -> None:
    """Listen on every host address and the control address until SIGTERM."""
    counts = Counts({address(n): host_name(n) for n in range(count)})

    async def inbox(request: web.Request) -> web.Response:
        body = await request.read()
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        counts.add(str(sockname[0]) if sockname else "?", dict(request.headers), body)
        return web.Response(status=202)

    async def port(_request: web.Request) -> web.Response:
        return web.json_response({"port": ports[0]})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(counts.stats())

    async def reset(_request: web.Request) -> web.Response:
        counts.reset()
        return web.Response(status=204)

    hosts = web.Application(client_max_size=1024 * 1024)
    hosts.router.add_post("/inbox", inbox)
    control = web.Application()
    control.router.add_get("/port", port)
    control.router.add_get("/stats", stats)
    control.router.add_post("/reset", reset)
    ports: list[int] = []
    runners = [web.AppRunner(hosts, access_log=None), web.AppRunner(control, access_log=None)]
    for runner in runners:
        await runner.setup()
    try:
        first = web.TCPSite(runners[0], address(0), 0, backlog=1024)
        await first.start()
        ports.append(first._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        for number in range(1, count):
            await web.TCPSite(runners[0], address(number), ports[0], backlog=1024).start()
        await web.TCPSite(runners[1], control_host, control_port).start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        for runner in runners:
            await runner.cleanup()


def main() -> None:
    """Parse the arguments and serve."""
    count, control_host, control_port = sys.argv[1:4]
    asyncio.run(serve(int(count), control_host, int(control_port)))


if __name__ == "__main__":
    main()
