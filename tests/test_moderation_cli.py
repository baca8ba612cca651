"""`hub moderation ...`: each command, and one clear line with nothing written on bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hub.config import Settings
from hub.moderation.reports import ReportDraft, file_report
from hub.store.db import Database
from hub.store.models import DomainBlock, LocalActor, ModerationAction, Report
from hub.uris import Uris
from tests.test_cli import Hub, count


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


def test_domain_block_list_export_import_unblock(
    hub: Hub, env: dict[str, str], tmp_path: Path
) -> None:
    code, out, _ = hub("moderation", "domain", "block", "Spam.TEST", "--severity", "silence",
                       "--public-comment", "Werbung", "--reject-media", "--by", "ada")  # fmt: skip
    assert (code, out.strip()) == (0, "spam.test: silence")
    code, out, _ = hub("moderation", "domain", "list")
    assert out.strip() == "spam.test\tsilence\treject_media\tWerbung"
    code, exported, _ = hub("moderation", "domain", "export")
    assert code == 0 and "spam.test,silence,true,false,Werbung,false" in exported
    blocklist = tmp_path / "blocks.csv"
    blocklist.write_text(exported.replace("spam.test", "other.example"))
    code, out, _ = hub("moderation", "domain", "import", str(blocklist))
    assert (code, out.strip()) == (0, "imported 1 domain blocks")
    code, out, _ = hub("moderation", "domain", "unblock", "spam.test", "--reason", "besser")
    assert code == 0
    assert count(env["HUB_DATABASE_URL"], DomainBlock) == 1
    code, out, _ = hub("moderation", "audit", "list")
    lines = out.strip().splitlines()
    assert lines[0].split("\t")[2:] == ["domain.unblock", "spam.test", "besser"]
    assert lines[-1].split("\t")[1:4] == ["ada", "domain.silence", "spam.test"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["domain", "block", "not a domain"], "is not a domain name"),
        (["domain", "block", "spam.test", "--severity", "nuke"], "invalid choice"),
        (["domain", "unblock", "spam.test"], "spam.test is not blocked"),
        (["coop", "suspend", "nobody"], "no coop with the username 'nobody'"),
        (["report", "dismiss", "7"], "no report with the id 7"),
        (["report", "resolve", "7"], "--action"),
        (["actor", "block", "nobody@nowhere.example"], "no known remote account"),
        (["replies", "set", "nobody", "closed"], "no coop"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    hub: Hub, env: dict[str, str], args: list[str], message: str
) -> None:
    code, out, err = hub("moderation", *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err
    assert count(env["HUB_DATABASE_URL"], ModerationAction) == 0
    assert count(env["HUB_DATABASE_URL"], DomainBlock) == 0


def test_a_blocklist_with_one_bad_line_imports_nothing(
    hub: Hub, env: dict[str, str], tmp_path: Path
) -> None:
    blocklist = tmp_path / "blocks.csv"
    blocklist.write_text("#domain,#severity\ngood.example,suspend\nbad..example,suspend\n")
    code, _, err = hub("moderation", "domain", "import", str(blocklist))
    assert code == 2 and "line 3" in err and len(err.strip().splitlines()) == 1
    assert count(env["HUB_DATABASE_URL"], DomainBlock) == 0


def test_coop_suspend_limit_and_report_commands(hub: Hub, env: dict[str, str]) -> None:
    assert hub("coop", "create", "fairbnb", "--name", "Fairbnb")[0] == 0
    code, out, _ = hub("moderation", "coop", "limit", "fairbnb", "--reason", "Werbung")
    assert (code, out.strip()) == (0, "fairbnb: limit done")
    code, out, _ = hub("moderation", "coop", "suspend", "fairbnb", "--reason", "x", "--private")
    assert code == 0
    url = env["HUB_DATABASE_URL"]
    assert count(url, LocalActor, LocalActor.suspended_at.is_not(None)) == 1
    code, _, err = hub("moderation", "coop", "suspend", "fairbnb")
    assert code == 2 and "suspended already" in err
    assert hub("moderation", "coop", "unsuspend", "fairbnb")[0] == 0
    assert count(url, LocalActor, LocalActor.suspended_at.is_not(None)) == 0
    code, out, _ = hub("moderation", "report", "list")
    assert (code, out) == (0, "")
    assert count(url, Report) == 0


def _file_report(url: str, target: str, comment: str) -> None:
    async def go() -> None:
        db = Database(url)
        try:
            async with db.begin() as session:
                uris = Uris(Settings(domain="hub.test", scheme="http"))
                await file_report(session, uris, ReportDraft("Ada", target, comment))
        finally:
            await db.dispose()

    asyncio.run(go())


def test_report_list_show_and_resolve(hub: Hub, env: dict[str, str]) -> None:
    assert hub("coop", "create", "fairbnb", "--name", "Fairbnb")[0] == 0
    url = env["HUB_DATABASE_URL"]
    _file_report(url, "http://hub.test/users/fairbnb", "Irreführende Angaben")
    code, out, _ = hub("moderation", "report", "list")
    assert out.strip() == "1\topen\thttp://hub.test/users/fairbnb\tAda\tIrreführende Angaben"
    code, out, _ = hub("moderation", "report", "show", "1")
    assert "comment: Irreführende Angaben" in out
    code, out, _ = hub("moderation", "report", "resolve", "1", "--action", "limit")
    assert (code, out.strip()) == (0, "report 1: resolved (limit)")
    assert count(url, LocalActor, LocalActor.limited_at.is_not(None)) == 1
    code, _, err = hub("moderation", "report", "dismiss", "1")
    assert code == 2 and err.strip() == "hub: report 1 is closed already (resolved)"
