"""`hub network add/remove/list` as a manager runs them, against a fake Mastodon on loopback."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.store.db import Database
from hub.store.models import Delivery, Follow, NetworkMember, OutgoingActivity, RemoteActor
from tests import netkit
from tests.fakeremote import FakeRemote
from tests.netkit import GROUP, SERVERS

HUB = Path(sys.executable).with_name("hub")
TABLES = (NetworkMember, RemoteActor, Follow, OutgoingActivity, Delivery)
member = netkit.member  # a fixture: the member coop's fake Mastodon


@pytest.fixture
def hub_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HUB_DATA_DIR": str(tmp_path / "data"),
        "HUB_DATABASE_URL": database_url,
        "HUB_DOMAIN": "hub.test",
        "HUB_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "HUB_ALLOW_PRIVATE_ADDRESSES": "true",
        "HUB_RESOLVE": ",".join(f"{name}={ip}" for name, ip in SERVERS.items()),
    }


async def hub(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """Run the `hub` command as a process; exit code, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        str(HUB), *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return int(process.returncode or 0), out.decode(), err.decode()


async def rows(db: Database) -> dict[str, int]:
    async with db.begin() as session:
        return {
            table.__name__: int(
                (await session.execute(select(func.count()).select_from(table))).scalar_one()
            )
            for table in TABLES
        }


async def test_a_manager_adds_lists_and_removes_a_member_by_its_handle(
    db: Database, hub_env: dict[str, str], member: FakeRemote
) -> None:
    handle = f"coop@member.test:{member.port}"
    code, out, err = await hub(hub_env, "network", "add", f"@{handle}")
    assert (code, err) == (0, "") and out.startswith(f"added {handle}")
    code, out, _ = await hub(hub_env, "network", "list")
    assert out.splitlines() == [f"{handle}\t{member.actor('coop')}\tpending"]
    code, out, err = await hub(hub_env, "network", "remove", handle)
    assert (code, err) == (0, "") and out.startswith(f"removed {handle}")
    assert (await hub(hub_env, "network", "list"))[1] == ""
    async with db.begin() as session:
        sent = (await session.execute(select(OutgoingActivity.ap_json))).scalars().all()
        inboxes = (await session.execute(select(Delivery.inbox_uri))).scalars().all()
    assert [(activity["type"], activity["actor"]) for activity in sent] == [
        ("Follow", GROUP),
        ("Undo", GROUP),
    ]
    assert set(inboxes) == {f"{member.actor('coop')}/inbox"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["network", "add", "not a handle"], "not a fediverse handle"),
        (["network", "add", "@nobody@member.test:{port}"], "cannot add nobody@member.test"),
        (["network", "remove", "@coop@member.test"], "is not a member"),
        (["network", "add"], "required"),
    ],
)
async def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    db: Database, hub_env: dict[str, str], member: FakeRemote, args: list[str], message: str
) -> None:
    before = await rows(db)
    code, out, err = await hub(hub_env, *[arg.format(port=member.port) for arg in args])
    assert (code, out) == (2, "")
    assert err.startswith("hub: ") and message in err and err.count("\n") == 1
    assert await rows(db) == before
