"""Fixtures and helpers for the moderation tests: their own fake servers and settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings
from hub.federation import Federation
from hub.moderation.domains import BlockDraft, block_domain
from hub.store.db import Database
from tests.conftest import REMOTES, TEST_DOMAIN
from tests.fakeremote import FakeRemote
from tests.helpers import make_coop
from tests.inboxkit import HUB, deliver, follow_of, run

# This suite's own loopback addresses, apart from the shared fake remotes of conftest.
SERVERS = {"spam.test": "127.0.0.80", "friendly.test": "127.0.0.81", "fans.test": "127.0.0.82"}
GROUP = f"{HUB}/users/network"
MANAGER = "manager@hub.test"


@pytest.fixture
def allowlist() -> bool:
    """Whether the hub federates only with allow-listed servers; tests parametrize it."""
    return False


@pytest.fixture
def settings(database_url: str, tmp_path: Path, allowlist: bool) -> Settings:
    """The conftest settings, plus this suite's servers and the allow-list switch."""
    return Settings(
        domain=TEST_DOMAIN,
        scheme="http",
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        allow_private_addresses=True,
        resolve={**REMOTES, **SERVERS},
        federation_allowlist=allowlist,
    )


async def _server(name: str) -> AsyncIterator[FakeRemote]:
    server = FakeRemote(name, SERVERS[name])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def spam() -> AsyncIterator[FakeRemote]:
    """A server the managers will block."""
    async for server in _server("spam.test"):
        yield server


@pytest.fixture
async def friendly() -> AsyncIterator[FakeRemote]:
    """A server in good standing."""
    async for server in _server("friendly.test"):
        yield server


@pytest.fixture
async def fans() -> AsyncIterator[FakeRemote]:
    """A server whose user follows the network Group."""
    async for server in _server("fans.test"):
        yield server


@pytest.fixture
async def coop(db: Database, settings: Settings) -> None:
    """The local member coop fairbnb."""
    await make_coop(db, settings, "fairbnb", name="Fairbnb Coop")


async def follows(client: Any, federation: Federation, remote: FakeRemote, user: str,
                  target: str = f"{HUB}/users/fairbnb") -> None:  # fmt: skip
    """A remote user follows one of our actors; the worker accepts; the remote forgets it."""
    inbox = f"{target}/inbox"
    response = await deliver(client, remote, user, follow_of(remote, user, target), url=inbox)
    assert response.status == 202
    await run(federation)
    remote.received.clear()
    remote.requests.clear()


async def block(
    federation: Federation, domain: str, severity: str = "suspend", **flags: Any
) -> None:
    """A manager blocks a domain; this process's gate learns it at once."""
    async with federation.db.begin() as session:
        await block_domain(session, BlockDraft(domain, severity, **flags), MANAGER)
    await federation.gate.refresh(federation.db)


def of_type(remote: FakeRemote, kind: str) -> list[dict[str, Any]]:
    """The activities of one type a fake server received, in order."""
    return [item.activity for item in remote.received if item.activity["type"] == kind]
