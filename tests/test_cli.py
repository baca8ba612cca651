"""The `hub` command: coops and managers, and one clear line for every bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hub.store.db import Database
from hub.store.models import LocalActor, OneTimeToken, Person, Post
from web.main import main


class Hub:
    """Runs `hub ...` in-process with a test environment and captures what it prints."""

    def __init__(
        self,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
        env: dict[str, str],
    ) -> None:
        self.capsys = capsys
        for name, value in env.items():
            monkeypatch.setenv(name, value)

    def __call__(self, *args: str) -> tuple[int, str, str]:
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        "HUB_DATA_DIR": str(tmp_path / "data"),
        "HUB_DATABASE_URL": database_url,
        "HUB_DOMAIN": "hub.test",
    }


@pytest.fixture
def hub(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], env: dict[str, str]
) -> Hub:
    return Hub(monkeypatch, capsys, env)


def count(url: str, model: type, *where: object) -> int:
    async def _count() -> int:
        db = Database(url)
        try:
            async with db.begin() as session:
                return int(
                    (
                        await session.execute(select(func.count()).select_from(model).where(*where))
                    ).scalar_one()
                )
        finally:
            await db.dispose()

    return asyncio.run(_count())


def test_coop_lifecycle_create_list_show_update_delete(hub: Hub, env: dict[str, str]) -> None:
    code, out, _err = hub(
        "coop", "create", "FairBnB", "--name", "Fairbnb  Coop", "--summary", "Fairer Tourismus",
        "--website", "https://fairbnb.coop", "--field", "Sitz=Bologna",
        "--field", "Rechtsform=Coop",
    )  # fmt: skip
    assert code == 0
    assert out.strip() == "created @fairbnb@hub.test at http://hub.test/users/fairbnb"

    code, out, _err = hub("coop", "list")
    assert out.splitlines() == ["fairbnb\tFairbnb Coop\thttps://fairbnb.coop"]

    code, out, _err = hub("coop", "show", "fairbnb")
    assert "handle:   @fairbnb@hub.test" in out and "field:    Sitz = Bologna" in out

    code, out, _err = hub("coop", "show", "fairbnb", "--json")
    document = json.loads(out)
    assert document["id"] == "http://hub.test/users/fairbnb" and document["type"] == "Organization"
    assert [field["name"] for field in document["attachment"]] == ["Website", "Sitz", "Rechtsform"]

    assert hub("coop", "update", "fairbnb", "--name", "Fairbnb", "--clear-fields")[0] == 0
    document = json.loads(hub("coop", "show", "fairbnb", "--json")[1])
    assert document["name"] == "Fairbnb"
    assert [field["name"] for field in document["attachment"]] == ["Website"]

    code, out, _err = hub("coop", "delete", "fairbnb")
    assert code == 0 and "410" in out
    assert hub("coop", "list")[1] == ""
    code, _out, err = hub("coop", "show", "fairbnb")
    assert code == 2 and err == "hub: no coop with the username 'fairbnb'\n"
    assert count(env["HUB_DATABASE_URL"], LocalActor, LocalActor.username == "fairbnb") == 1


BAD_CREATES = [
    (["coop", "create", "Bad Name!", "--name", "X"], "invalid username"),
    (["coop", "create", "a" * 31, "--name", "X"], "invalid username"),
    (["coop", "create", "network", "--name", "X"], "reserved"),
    (["coop", "create", "admin", "--name", "X"], "reserved"),
    (["coop", "create", "taken", "--name", "X"], "already taken"),
    (
        ["coop", "create", "newcoop", "--name", "X", "--website", "ftp://coop.example"],
        "malformed URL",
    ),
    (["coop", "create", "newcoop", "--name", "X", "--website", "coop.example"], "malformed URL"),
    (["coop", "create", "newcoop", "--name", "X", "--website", "https://"], "malformed URL"),
    (["coop", "create", "newcoop", "--name", "   "], "name must not be empty"),
    (["coop", "create", "newcoop", "--name", "N" * 101], "longer than 100"),
    (["coop", "create", "newcoop", "--name", "X", "--field", "NoEquals"], "Label=Value"),
    (["coop", "create", "newcoop", "--name", "X", *["--field", "a=b"] * 5], "at most 4"),
    (["coop", "create", "newcoop"], "required"),
    (["coop", "update", "taken"], "nothing to change"),
    (["coop", "update", "nobody", "--name", "X"], "no coop"),
    (["coop", "delete", "nobody"], "no coop"),
    (["manager", "create", "not-an-email"], "invalid email"),
    (["bogus"], "invalid choice"),
]


@pytest.mark.parametrize(("args", "message"), BAD_CREATES)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    hub: Hub, env: dict[str, str], args: list[str], message: str
) -> None:
    assert hub("coop", "create", "taken", "--name", "Taken")[0] == 0
    before = count(env["HUB_DATABASE_URL"], LocalActor)
    code, out, err = hub(*args)
    assert code == 2
    assert out == ""
    assert err.startswith("hub: ") and message in err
    assert err.count("\n") == 1
    assert count(env["HUB_DATABASE_URL"], LocalActor) == before
    assert count(env["HUB_DATABASE_URL"], Person) == 0


def test_bad_input_on_a_fresh_machine_creates_no_files(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hub = Hub(monkeypatch, capsys, {"HUB_DATA_DIR": str(tmp_path / "data")})
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    code, _out, err = hub("coop", "create", "new", "--name", "X", "--website", "nope")
    assert code == 2 and "malformed URL" in err
    assert not (tmp_path / "data").exists()


def test_invalid_configuration_stops_with_one_line(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_PORT", "eighty")
    code, out, err = hub("coop", "list")
    assert (code, out) == (2, "")
    assert err == "hub: HUB_PORT must be a number from 1 to 65535, not 'eighty'\n"


def test_unreachable_database_is_one_line_not_a_traceback(
    hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", "postgresql://hub@127.0.0.1:1/hub")
    code, _out, err = hub("coop", "list")
    assert code == 1
    assert err.startswith("hub: ") and err.count("\n") == 1 and "Traceback" not in err


def test_manager_create_prints_a_one_time_link(hub: Hub, env: dict[str, str]) -> None:
    code, out, _err = hub("manager", "create", "Ela@Platformcoop.example")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "manager ela@platformcoop.example created; set the password once at:"
    assert lines[1].startswith("http://hub.test/setup/") and len(lines[1]) > 60
    url = env["HUB_DATABASE_URL"]
    assert count(url, Person, Person.is_manager, Person.password_hash.is_(None)) == 1
    assert count(url, OneTimeToken) == 1
    code, _out, err = hub("manager", "create", "ela@platformcoop.example")
    assert code == 2 and "already exists" in err
    assert count(url, Person) == 1


def test_db_upgrade_migrates_and_creates_the_built_in_actors(hub: Hub, env: dict[str, str]) -> None:
    code, out, _err = hub("db", "upgrade")
    assert (code, out) == (0, "database is at the newest schema\n")
    assert count(env["HUB_DATABASE_URL"], LocalActor) == 2


def test_post_create_and_delete_from_the_command_line(hub: Hub, env: dict[str, str]) -> None:
    assert hub("coop", "create", "fairbnb", "--name", "Fairbnb")[0] == 0
    code, out, _err = hub(
        "post", "create", "fairbnb", "--text", "Hallo #Netzwerk", "--language", "de"
    )
    assert code == 0 and out == "posted 1: http://hub.test/users/fairbnb/statuses/1\n"
    code, out, err = hub("post", "create", "fairbnb", "--text", "x", "--visibility", "bogus")
    assert code == 2 and out == "" and "invalid choice" in err and err.count("\n") == 1
    code, _out, err = hub("post", "create", "nobody", "--text", "x")
    assert code == 2 and "no coop" in err
    assert count(env["HUB_DATABASE_URL"], Post) == 1
    assert hub("post", "delete", "1") == (0, "deleted post 1\n", "")
    code, _out, err = hub("post", "delete", "1")
    assert code == 2 and err == "hub: no post with the id 1\n"
    code, out, _err = hub("deliveries")
    assert code == 0 and out.splitlines()[0] == "pending\t0"
