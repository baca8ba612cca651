"""The `hub` command's entry point: every hub.cli command plus `serve`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from collections.abc import Sequence

from aiohttp import web

from hub import accounts, cli, worker
from hub.bootstrap import settle_heap
from hub.config import Settings
from hub.federation import open_federation
from hub.store.db import Database
from hub.uris import Uris
from web.app import create_app

log = logging.getLogger("hub")


def main(argv: Sequence[str] | None = None) -> None:
    """Run `hub ...`."""
    cli.main(argv, cli.build_parser(serve=serve))


async def serve(args: argparse.Namespace, settings: Settings, db: Database) -> None:
    """Serve until SIGINT or SIGTERM; run the worker in the same process unless turned off."""
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(message)s")
    async with db.begin() as session:
        link = await accounts.first_manager_link(session)
    if link is not None:
        print("No manager yet. Set up the first manager (one-time link):", flush=True)
        print(f"  {Uris(settings).password_link(link.token)}", flush=True)
    federation = await open_federation(settings, db)
    runner = web.AppRunner(create_app(federation), access_log=None)
    await runner.setup()
    settle_heap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await web.TCPSite(runner, settings.host, settings.port).start()
    print(f"serving {settings.base_url} on http://{settings.host}:{settings.port}", flush=True)
    running = [worker.run_forever(federation, stop)] if settings.run_worker else []
    tasks = [asyncio.create_task(job) for job in running]
    try:
        await stop.wait()
    finally:
        await asyncio.gather(*tasks)
        await runner.cleanup()
        await federation.close()
