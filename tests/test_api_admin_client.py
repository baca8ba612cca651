"""Mastodon.py's admin methods against a hub served on 127.0.0.130 by a real aiohttp server."""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from aiohttp import web
from mastodon import Mastodon, MastodonAPIError

from hub.config import Settings
from hub.federation import Federation
from hub.store.db import Database
from hub.store.models import DomainBlock, Report
from tests.apikit import count
from tests.test_api_admin import manager_token, web_reports
from web.app import create_app

ADDRESS = "127.0.0.130"


@pytest.fixture
def listening() -> Iterator[socket.socket]:
    """The hub's listening socket, bound first so that its port can go into the settings."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((ADDRESS, 0))
    yield sock
    sock.close()


@pytest.fixture
def settings(settings: Settings, listening: socket.socket) -> Settings:
    """The hub at http://127.0.0.130:PORT."""
    return dataclasses.replace(settings, domain=f"{ADDRESS}:{listening.getsockname()[1]}")


@pytest.fixture
async def base(federation: Federation, listening: socket.socket) -> AsyncIterator[str]:
    """Serve the hub for real and yield its base URL."""
    runner = web.AppRunner(create_app(federation), access_log=None)
    await runner.setup()
    await web.SockSite(runner, listening).start()
    yield federation.settings.base_url
    await runner.cleanup()


async def test_mastodon_py_admin_methods_work_with_our_shapes(
    base: str, federation: Federation, db: Database, settings: Settings
) -> None:
    token, coop = await manager_token(db, settings)
    ids = await web_reports(federation, coop, 2)
    app = await asyncio.to_thread(
        Mastodon, access_token=token, api_base_url=base, version_check_mode="created"
    )
    listed = await asyncio.to_thread(app.admin_reports)
    assert [int(r["id"]) for r in listed] == [ids[1], ids[0]]
    assert listed[0]["target_account"]["account"]["acct"] == coop.username
    done = await asyncio.to_thread(app.admin_report_resolve, ids[0])
    assert done["action_taken"] is True
    assert await count(db, Report, Report.state == "open") == 1
    closed = await asyncio.to_thread(app.admin_reports, resolved=True)
    assert [int(r["id"]) for r in closed] == [ids[0]]
    reopened = await asyncio.to_thread(app.admin_report_reopen, ids[0])
    assert reopened["action_taken"] is False
    taken = await asyncio.to_thread(app.admin_report_assign, ids[1])
    assert taken["assigned_account"]["email"] == "lea@hub.example"
    given_back = await asyncio.to_thread(app.admin_report_unassign, ids[1])
    assert given_back["assigned_account"] is None
    one = await asyncio.to_thread(app.admin_report, ids[1])
    assert int(one["id"]) == ids[1] and one["comment"] == "Grund 1"
    block = await asyncio.to_thread(
        app.admin_create_domain_block, "spam.example", severity="suspend",
        reject_reports=True, public_comment="Werbung",
    )  # fmt: skip
    assert block["domain"] == "spam.example" and block["reject_reports"] is True
    blocks = await asyncio.to_thread(app.admin_domain_blocks)
    assert [b["domain"] for b in blocks] == ["spam.example"]
    shown = await asyncio.to_thread(app.admin_domain_blocks, id=block["id"])
    assert shown["public_comment"] == "Werbung"
    await asyncio.to_thread(app.admin_delete_domain_block, block["id"])
    assert await count(db, DomainBlock) == 0
    with pytest.raises(MastodonAPIError):
        await asyncio.to_thread(app.admin_domain_blocks, id=block["id"])
