"""Mastodon's admin API: reports and domain blocks for managers, refused to everyone else."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, update

from hub.config import Settings
from hub.federation import Federation
from hub.moderation.reports import ReportDraft, file_report, on_flag
from hub.posts import Draft, publish
from hub.statuses import REMOTE_ID_OFFSET
from hub.store.db import Database
from hub.store.models import (
    DomainBlock,
    LocalActor,
    ModerationAction,
    Person,
    RemoteActor,
    Report,
    Visibility,
)
from tests.apikit import count, person_with_coop, token_for

REPORT_KEYS = {
    "id", "action_taken", "action_taken_at", "category", "comment", "forwarded", "created_at",
    "updated_at", "account", "target_account", "assigned_account", "action_taken_by_account",
    "statuses", "rules",
}  # fmt: skip
ADMIN_ACCOUNT_KEYS = {
    "id", "username", "domain", "created_at", "email", "ip", "ips", "locale", "invite_request",
    "role", "confirmed", "approved", "disabled", "silenced", "suspended", "sensitized", "account",
    "created_by_application_id", "invited_by_account_id",
}  # fmt: skip
BLOCK_KEYS = {
    "id", "domain", "digest", "created_at", "severity", "reject_media", "reject_reports",
    "private_comment", "public_comment", "obfuscate",
}  # fmt: skip
MANAGER = "lea@hub.example"
ADMIN = "admin:read admin:write"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def manager_token(
    db: Database, settings: Settings, scope: str = ADMIN, email: str = MANAGER
) -> tuple[str, LocalActor]:
    """A token of a manager (who also edits the coop `netz`)."""
    person, coop = await person_with_coop(db, settings, email, email.split("@")[0] + "coop")
    async with db.begin() as session:
        await session.execute(update(Person).where(Person.id == person.id).values(is_manager=True))
    return await token_for(db, person, coop, scope), coop


async def web_reports(federation: Federation, coop: LocalActor, n: int) -> list[int]:
    """n reports from people on our site about the coop."""
    ids = []
    async with federation.db.begin() as session:
        for i in range(n):
            draft = ReportDraft(f"Ada {i}", federation.uris.actor(coop.username), f"Grund {i}")
            ids.append((await file_report(session, federation.uris, draft)).id)
    return ids


ROUTES = [
    ("GET", "/api/v1/admin/reports", "admin:read:reports"),
    ("GET", "/api/v1/admin/reports/1", "admin:read:reports"),
    ("POST", "/api/v1/admin/reports/1/resolve", "admin:write:reports"),
    ("POST", "/api/v1/admin/reports/1/reopen", "admin:write:reports"),
    ("POST", "/api/v1/admin/reports/1/assign_to_self", "admin:write:reports"),
    ("POST", "/api/v1/admin/reports/1/unassign", "admin:write:reports"),
    ("GET", "/api/v1/admin/domain_blocks", "admin:read:domain_blocks"),
    ("GET", "/api/v1/admin/domain_blocks/1", "admin:read:domain_blocks"),
    ("POST", "/api/v1/admin/domain_blocks", "admin:write:domain_blocks"),
    ("PUT", "/api/v1/admin/domain_blocks/1", "admin:write:domain_blocks"),
    ("DELETE", "/api/v1/admin/domain_blocks/1", "admin:write:domain_blocks"),
    ("GET", "/api/v1/admin/domain_allows", "admin:read:domain_allows"),
    ("GET", "/api/v1/admin/domain_allows/1", "admin:read:domain_allows"),
    ("POST", "/api/v1/admin/domain_allows", "admin:write:domain_allows"),
    ("DELETE", "/api/v1/admin/domain_allows/1", "admin:write:domain_allows"),
]


async def test_every_admin_route_needs_a_token_the_scope_and_the_manager_role(
    client: Any, db: Database, settings: Settings
) -> None:
    everything, _ = await manager_token(db, settings, "read write follow")
    person, coop = await person_with_coop(db, settings, "mia@fairbnb.example", "fairbnb")
    editor = await token_for(db, person, coop, ADMIN)
    blocks_only, _ = await manager_token(
        db, settings, "admin:read:domain_blocks admin:write:domain_blocks", "tom@hub.example"
    )
    for method, path, scope in ROUTES:
        body = {"domain": "spam.example"}
        anonymous = await client.request(method, path, json=body)
        assert anonymous.status == 401, path
        for token in (everything, editor):
            refused = await client.request(method, path, json=body, headers=auth(token))
            assert refused.status == 403, (path, await refused.text())
            assert list(await refused.json()) == ["error"]
        narrow = await client.request(method, path, json=body, headers=auth(blocks_only))
        assert (narrow.status == 403) == ("domain_blocks" not in scope), path
    # Only the token with the domain-block scopes acted (created, changed, lifted the block).
    assert await count(db, ModerationAction) == 3
    assert await count(db, ModerationAction, ModerationAction.moderator != "tom@hub.example") == 0


async def test_reports_are_listed_newest_first_filtered_and_paged(
    client: Any, federation: Federation, db: Database, settings: Settings
) -> None:
    token, coop = await manager_token(db, settings, "admin:read")
    ids = await web_reports(federation, coop, 3)
    first = await client.get("/api/v1/admin/reports?limit=2", headers=auth(token))
    page = await first.json()
    assert first.status == 200 and [r["id"] for r in page] == [str(ids[2]), str(ids[1])]
    assert set(page[0]) == REPORT_KEYS and set(page[0]["account"]) == ADMIN_ACCOUNT_KEYS
    assert set(page[0]["target_account"]) == ADMIN_ACCOUNT_KEYS
    assert page[0]["target_account"]["account"]["acct"] == coop.username
    assert page[0]["account"]["username"] == "Ada 2" and page[0]["comment"] == "Grund 2"
    assert page[0]["action_taken"] is False and page[0]["assigned_account"] is None
    next_url = first.headers["Link"].split(">")[0].lstrip("<").removeprefix("http://hub.test")
    rest = await (await client.get(next_url, headers=auth(token))).json()
    assert [r["id"] for r in rest] == [str(ids[0])]
    assert await (await client.get("/api/v1/admin/reports?resolved=true",
                                   headers=auth(token))).json() == []  # fmt: skip
    about = f"/api/v1/admin/reports?target_account_id={coop.id}"
    assert len(await (await client.get(about, headers=auth(token))).json()) == 3
    other = f"/api/v1/admin/reports?target_account_id={coop.id + 1}"
    assert await (await client.get(other, headers=auth(token))).json() == []
    bad = await client.get("/api/v1/admin/reports?max_id=x", headers=auth(token))
    assert bad.status == 422 and list(await bad.json()) == ["error"]
    missing = await client.get("/api/v1/admin/reports/999", headers=auth(token))
    assert missing.status == 404 and list(await missing.json()) == ["error"]


async def test_resolve_reopen_and_assignment_change_the_stored_report(
    client: Any, federation: Federation, db: Database, settings: Settings
) -> None:
    token, coop = await manager_token(db, settings)
    (report_id,) = await web_reports(federation, coop, 1)
    base = f"/api/v1/admin/reports/{report_id}"
    resolved = await (await client.post(base + "/resolve", headers=auth(token))).json()
    assert resolved["action_taken"] is True and resolved["action_taken_at"]
    assert await count(db, Report, Report.state == "dismissed") == 1
    listed = await client.get("/api/v1/admin/reports?resolved=1", headers=auth(token))
    assert [r["id"] for r in await listed.json()] == [str(report_id)]
    again = await client.post(base + "/resolve", headers=auth(token))
    assert again.status == 200 and await count(db, ModerationAction) == 1
    reopened = await (await client.post(base + "/reopen", headers=auth(token))).json()
    assert reopened["action_taken"] is False and await count(db, Report, Report.state == "open")
    taken = await (await client.post(base + "/assign_to_self", headers=auth(token))).json()
    assert taken["assigned_account"]["email"] == MANAGER
    async with db.read() as session:
        stored = await session.get(Report, report_id)
        manager = (await session.execute(select(Person).where(Person.email == MANAGER))).scalar()
        assert stored is not None and manager is not None
        assert stored.assigned_person_id == manager.id
    given_back = await (await client.post(base + "/unassign", headers=auth(token))).json()
    assert given_back["assigned_account"] is None
    shown = await (await client.get(base, headers=auth(token))).json()
    assert shown["id"] == str(report_id) and shown["assigned_account"] is None
    actions = {"report.dismiss", "report.reopen", "report.assign", "report.unassign"}
    assert await count(db, ModerationAction, ModerationAction.action.in_(actions)) == 4


async def test_a_flag_shows_its_reporter_server_and_the_reported_status(
    client: Any, federation: Federation, db: Database, settings: Settings
) -> None:
    token, coop = await manager_token(db, settings, "admin:read:reports")
    async with db.begin() as session:
        post = await publish(session, federation.uris, coop,
                             Draft("Hallo", visibility=Visibility.public))  # fmt: skip
        note = federation.uris.note(coop.username, post.id)
        flag = {"id": "https://remote.test/flags/1", "type": "Flag",
                "actor": "https://remote.test/actor", "content": "Spam",
                "object": [federation.uris.actor(coop.username), note]}  # fmt: skip
        await on_flag(session, federation.uris, flag)
        reporter = RemoteActor(uri=flag["actor"], domain="remote.test", username="remote.test")
        session.add(reporter)
        await session.flush()
    (entity,) = await (await client.get("/api/v1/admin/reports", headers=auth(token))).json()
    assert entity["account"]["id"] == str(REMOTE_ID_OFFSET + reporter.id)
    assert entity["account"]["domain"] == "remote.test" and entity["comment"] == "Spam"
    assert [(s["id"], s["uri"]) for s in entity["statuses"]] == [(str(post.id), note)]
    assert "Hallo" in entity["statuses"][0]["content"]
    mine = f"/api/v1/admin/reports?account_id={entity['account']['id']}"
    assert len(await (await client.get(mine, headers=auth(token))).json()) == 1
    others = f"/api/v1/admin/reports?account_id={REMOTE_ID_OFFSET + reporter.id + 1}"
    assert await (await client.get(others, headers=auth(token))).json() == []


async def test_domain_blocks_are_created_changed_shown_and_lifted(
    client: Any, db: Database, settings: Settings
) -> None:
    token, _ = await manager_token(db, settings)
    form = {"domain": "Spam.Example", "severity": "silence", "reject_media": "true",
            "public_comment": "Werbung", "private_comment": "seit Mai"}  # fmt: skip
    created = await client.post("/api/v1/admin/domain_blocks", data=form, headers=auth(token))
    block = await created.json()
    assert created.status == 200 and set(block) == BLOCK_KEYS
    assert (block["domain"], block["severity"], block["reject_media"]) == (
        "spam.example", "silence", True)  # fmt: skip
    assert (block["public_comment"], block["private_comment"]) == ("Werbung", "seit Mai")
    path = f"/api/v1/admin/domain_blocks/{block['id']}"
    changed = await client.put(path, json={"severity": "suspend"}, headers=auth(token))
    assert (await changed.json())["severity"] == "suspend"
    assert (await changed.json())["public_comment"] == "Werbung"
    async with db.read() as session:
        row = (await session.execute(select(DomainBlock))).scalar_one()
        assert (row.severity, row.reject_media) == ("suspend", True)
    shown = await (await client.get(path, headers=auth(token))).json()
    listed = await (await client.get("/api/v1/admin/domain_blocks/", headers=auth(token))).json()
    assert shown == listed[0] and len(listed) == 1
    lifted = await client.delete(path, headers=auth(token))
    assert lifted.status == 200 and await count(db, DomainBlock) == 0
    assert (await client.get(path, headers=auth(token))).status == 404
    assert (await client.delete(path, headers=auth(token))).status == 404


@pytest.mark.parametrize(
    "form",
    [
        {"domain": "not a domain"},
        {"domain": "https://spam.example/"},
        {},
        {"domain": "spam.example", "severity": "destroy"},
        {"domain": "spam.example", "public_comment": "x" * 1001},
    ],
)
async def test_a_bad_domain_block_is_422_and_nothing_stored(
    client: Any, db: Database, settings: Settings, form: dict[str, str]
) -> None:
    token, _ = await manager_token(db, settings)
    answer = await client.post("/api/v1/admin/domain_blocks", json=form, headers=auth(token))
    assert answer.status == 422 and list(await answer.json()) == ["error"]
    assert await count(db, DomainBlock) == 0 and await count(db, ModerationAction) == 0


async def test_blocking_a_blocked_domain_again_is_422_and_changes_nothing(
    client: Any, db: Database, settings: Settings
) -> None:
    token, _ = await manager_token(db, settings)
    first = {"domain": "spam.example", "severity": "silence"}
    await client.post("/api/v1/admin/domain_blocks", json=first, headers=auth(token))
    again = {"domain": "spam.example", "severity": "suspend"}
    answer = await client.post("/api/v1/admin/domain_blocks", json=again, headers=auth(token))
    assert answer.status == 422
    assert await count(db, DomainBlock, DomainBlock.severity == "silence") == 1
    bad_put = await client.put("/api/v1/admin/domain_blocks/1", json={"severity": "x"},
                               headers=auth(token))  # fmt: skip
    assert bad_put.status == 422
    assert await count(db, DomainBlock, DomainBlock.severity == "silence") == 1


async def test_domain_allows_are_added_listed_and_removed(
    client: Any, db: Database, settings: Settings
) -> None:
    token, _ = await manager_token(db, settings)
    made = await client.post("/api/v1/admin/domain_allows", json={"domain": "friends.example"},
                             headers=auth(token))  # fmt: skip
    allow = await made.json()
    assert made.status == 200 and set(allow) == {"id", "domain", "created_at"}
    listed = await (await client.get("/api/v1/admin/domain_allows", headers=auth(token))).json()
    assert [a["domain"] for a in listed] == ["friends.example"]
    assert await (await client.get("/api/v1/admin/domain_blocks", headers=auth(token))).json() == []
    bad = await client.post("/api/v1/admin/domain_allows", json={"domain": "x"},
                            headers=auth(token))  # fmt: skip
    assert bad.status == 422
    gone = await client.delete(f"/api/v1/admin/domain_allows/{allow['id']}", headers=auth(token))
    assert gone.status == 200 and await count(db, DomainBlock) == 0


async def test_domain_blocks_are_listed_newest_first_and_paged(
    client: Any, db: Database, settings: Settings
) -> None:
    token, _ = await manager_token(db, settings, "admin:read admin:write:domain_blocks")
    for domain in ("eins.example", "zwei.example", "drei.example"):
        await client.post("/api/v1/admin/domain_blocks", json={"domain": domain},
                          headers=auth(token))  # fmt: skip
    first = await client.get("/api/v1/admin/domain_blocks?limit=2", headers=auth(token))
    assert [b["domain"] for b in await first.json()] == ["drei.example", "zwei.example"]
    next_url = first.headers["Link"].split(">")[0].lstrip("<").removeprefix("http://hub.test")
    rest = await (await client.get(next_url, headers=auth(token))).json()
    assert [b["domain"] for b in rest] == ["eins.example"]
