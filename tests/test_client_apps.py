"""Real client apps against a hub served for real: Mastodon.py (media, edit, favourite,
notifications) on 127.0.0.100 and the `toot` command, run as a process, on 127.0.0.101."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import socket
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from mastodon import Mastodon
from PIL import Image

from hub import worker
from hub.config import Settings
from hub.federation import Federation
from hub.store.db import Database
from tests.apikit import PASSWORD, person_with_coop
from tests.fakeremote import FakeRemote
from tests.federation_data import add_follower
from web.app import create_app

EMAIL = "mia@fairbnb.example"
SCOPES = ["read", "write", "follow"]
TOOT = Path(sys.executable).with_name("toot")


@pytest.fixture(params=["127.0.0.100"])
def listening(request: pytest.FixtureRequest) -> Iterator[socket.socket]:
    """The hub's listening socket, bound first so that its port can go into the settings."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((request.param, 0))
    yield sock
    sock.close()


@pytest.fixture
def settings(settings: Settings, listening: socket.socket) -> Settings:
    """The hub at http://ADDRESS:PORT, with the password grant (toot login_cli uses it)."""
    address, port = listening.getsockname()
    return dataclasses.replace(settings, domain=f"{address}:{port}", enable_password_grant=True)


@pytest.fixture
async def base(federation: Federation, listening: socket.socket) -> AsyncIterator[str]:
    """Serve the hub for real and yield its base URL."""
    runner = web.AppRunner(create_app(federation), access_log=None)
    await runner.setup()
    await web.SockSite(runner, listening).start()
    yield federation.settings.base_url
    await runner.cleanup()


async def logged_in(base: str) -> Mastodon:
    """Mastodon.py registered and logged in by the password grant."""
    client_id, secret = await asyncio.to_thread(
        Mastodon.create_app, "Coophub-Test", scopes=SCOPES, api_base_url=base
    )
    app = await asyncio.to_thread(
        Mastodon, client_id=client_id, client_secret=secret, api_base_url=base,
        version_check_mode="none",
    )  # fmt: skip
    await asyncio.to_thread(app.log_in, EMAIL, PASSWORD, scopes=SCOPES, allow_http=True)
    return app


def photo(path: Path) -> Path:
    Image.new("RGB", (80, 60), "#7a2e3b").save(path, "JPEG")
    return path


async def follower(db: Database, remote: FakeRemote) -> None:
    """alice@remote.test follows the coop, so posts federate to her inbox."""
    await add_follower(db, "fairbnb", remote.actor("alice"))


async def test_mastodon_py_posts_with_media_edits_favourites_and_reads_notifications(
    base: str, db: Database, settings: Settings, federation: Federation,
    remote: FakeRemote, tmp_path: Path,
) -> None:  # fmt: skip
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await follower(db, remote)
    app = await logged_in(base)
    media = await asyncio.to_thread(
        app.media_post, str(photo(tmp_path / "plenum.jpg")), description="Unser Plenum"
    )
    status = await asyncio.to_thread(app.status_post, "Plenum heute", media_ids=[media])
    assert status["media_attachments"][0]["description"] == "Unser Plenum"
    edited = await asyncio.to_thread(app.status_update, status["id"], "Plenum morgen")
    assert "morgen" in edited["content"] and edited["edited_at"] is not None
    assert len(edited["media_attachments"]) == 1
    liked = await asyncio.to_thread(app.status_favourite, status["id"])
    assert liked["favourited"] is True
    await worker.run_once(federation)
    sent = {r.activity["type"]: r.activity for r in remote.received}  # sent concurrently
    assert sorted(sent) == ["Create", "Update"]
    assert sent["Create"]["object"]["attachment"][0]["name"] == "Unser Plenum"
    assert sent["Update"]["object"]["attachment"][0]["name"] == "Unser Plenum"
    notes = await asyncio.to_thread(app.notifications)
    assert [n["type"] for n in notes] == ["follow"]
    assert notes[0]["account"]["acct"].startswith("alice@remote.test")


async def toot(config: Path, *args: str) -> str:
    """Run the toot command with its config in a directory of its own; return its output."""
    env = {**os.environ, "XDG_CONFIG_HOME": str(config), "NO_COLOR": "1", "COLUMNS": "200"}
    process = await asyncio.create_subprocess_exec(
        str(TOOT), *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), 60)
    text = output.decode()
    assert process.returncode == 0, text
    return text


@pytest.mark.parametrize("listening", ["127.0.0.101"], indirect=True)
async def test_toot_logs_in_by_password_posts_with_an_image_and_reads_the_timeline(
    base: str, db: Database, settings: Settings, federation: Federation,
    remote: FakeRemote, tmp_path: Path,
) -> None:  # fmt: skip
    await person_with_coop(db, settings, EMAIL, "fairbnb")
    await follower(db, remote)
    config = tmp_path / "config"
    said = await toot(config, "login_cli", "-i", base, "-e", EMAIL, "-p", PASSWORD)
    assert "Successfully logged in" in said
    image = photo(tmp_path / "aushang.jpg")
    posted = await toot(
        config, "post", "Hallo aus toot #Genossenschaft", "-m", str(image), "-d", "Aushang"
    )
    assert "Toot posted" in posted
    timeline = await toot(config, "timeline", "--once")
    assert "Hallo aus toot" in timeline
    await worker.run_once(federation)
    create = remote.received[0].activity
    assert create["type"] == "Create" and "Hallo aus toot" in create["object"]["content"]
    assert create["object"]["attachment"][0]["name"] == "Aushang"
