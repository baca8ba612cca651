"""A worker killed with SIGKILL mid fan-out loses nothing: a restarted worker finishes the job."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select

from hub import posts
from hub.actors.local import get_coop
from hub.posts import Draft
from hub.store.db import Database
from hub.store.models import Delivery, DeliveryState
from hub.uris import Uris
from tests.conftest import REMOTES
from tests.federation_data import add_follower
from tests.helpers import make_coop

HUB = str(Path(sys.executable).parent / "hub")
FOLLOWERS = 24
SLOW_SECONDS = 0.4


class SlowInboxes:
    """Personal inboxes on one host that answer slowly and count what they got."""

    def __init__(self) -> None:
        self.received: dict[str, int] = {}
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def inbox(self, request: web.Request) -> web.StreamResponse:
        await request.read()
        await asyncio.sleep(SLOW_SECONDS)
        user = request.match_info["user"]
        self.received[user] = self.received.get(user, 0) + 1
        return web.Response(status=202)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/users/{user}/inbox", self.inbox)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, REMOTES["remote.test"], 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


def start_worker(settings: Any, tmp_path: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env.update(
        HUB_DATABASE_URL=settings.database_url,
        HUB_DATA_DIR=str(tmp_path / "data"),
        HUB_DOMAIN=settings.domain,
        HUB_SCHEME="http",
        HUB_ALLOW_PRIVATE_ADDRESSES="true",
        HUB_RESOLVE=f"remote.test={REMOTES['remote.test']}",
        HUB_DELIVERY_LEASE_SECONDS="3",
    )
    return subprocess.Popen(
        [HUB, "worker"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, text=True
    )


async def wait_for(condition: Any, seconds: float) -> None:
    for _ in range(int(seconds * 20)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out waiting")


async def test_sigkill_in_the_middle_of_a_fan_out_loses_nothing(
    db: Database, settings: Any, tmp_path: Path
) -> None:
    server = SlowInboxes()
    await server.start()
    try:
        await make_coop(db, settings, "fairbnb")
        for n in range(FOLLOWERS):
            await add_follower(db, "fairbnb", f"http://remote.test:{server.port}/users/u{n}")
        async with db.begin() as session:
            coop = await get_coop(session, "fairbnb")
            await posts.publish(session, Uris(settings), coop, Draft("Alle sollen es bekommen"))

        first = start_worker(settings, tmp_path)
        await wait_for(lambda: len(server.received) >= 4, 30)
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
        assert len(server.received) < FOLLOWERS, "the fan-out finished before the kill"

        second = start_worker(settings, tmp_path)
        try:
            await wait_for(lambda: len(server.received) == FOLLOWERS, 60)
            await wait_for_deliveries_done(db, 30)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=15)
        assert sorted(server.received) == sorted(f"u{n}" for n in range(FOLLOWERS))
        assert all(count >= 1 for count in server.received.values())
    finally:
        assert server.runner is not None
        await server.runner.cleanup()


async def wait_for_deliveries_done(db: Database, seconds: float) -> None:
    for _ in range(int(seconds * 10)):
        async with db.begin() as session:
            states = set((await session.execute(select(Delivery.state))).scalars().all())
        if states == {DeliveryState.done}:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"deliveries not all done: {states}")
