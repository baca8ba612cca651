"""The manager pages under /moderation/: each action's effect and what fake remotes receive."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import unquote

import pytest
from aiohttp import FormData
from sqlalchemy import select

from hub import memberships
from hub.actors.local import find_actor
from hub.federation import Federation
from hub.moderation import applications
from hub.moderation.applications import ApplicationDraft
from hub.moderation.reports import ReportDraft, file_report
from hub.store.db import Database
from hub.store.models import (
    DomainBlock,
    Follow,
    LocalActor,
    ModerationAction,
    RemoteActor,
    Report,
    Role,
)
from tests import modkit
from tests.apikit import count, token_for
from tests.fakeremote import FakeRemote
from tests.helpers import AP_ACCEPT, make_coop
from tests.inboxkit import COOP, HUB, SHARED_INBOX, deliver, note_of, publish, run
from tests.modkit import follows, of_type
from tests.modwebkit import PERSON_EMAIL, log_in, make_person, submit, token
from tests.test_moderation_reports import flag

settings, allowlist = modkit.settings, modkit.allowlist
spam, friendly, coop = modkit.spam, modkit.friendly, modkit.coop
pytestmark = pytest.mark.usefixtures("coop")
ADMIN_SCOPES = "read write follow push admin:read admin:write"
MIN_MODERATION_ROUTES = 17  # method and path pairs under /moderation/, HEAD not counted


async def _flagged_post(
    client: Any,
    db: Database,
    settings: Any,
    federation: Federation,
    remote: FakeRemote,
    text: str = "Problematisch",
) -> tuple[int, str]:
    """A post of fairbnb that a remote server reports; the report id and the post URI."""
    _, post_uri = await publish(db, settings, text)
    report = flag(remote, [COOP, post_uri], "Hetze gegen Gäste")
    assert (await deliver(client, remote, "instance", report, url=SHARED_INBOX)).status == 202
    await run(federation)
    remote.received.clear()
    async with db.read() as session:
        report_id = (await session.execute(select(Report.id))).scalar_one()
    return report_id, post_uri


async def _reply_report(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> tuple[int, str]:
    """A local visitor reports a troll's reply; the report id and the reply's URI."""
    _, post_uri = await publish(db, settings, "Hallo")
    reply = note_of(spam, "troll", 1, inReplyTo=post_uri, content="<p>Beleidigung</p>")
    assert (await deliver(client, spam, "troll", reply)).status == 202
    await run(federation)
    spam.received.clear()
    async with db.begin() as session:
        draft = ReportDraft("Ada", reply["object"]["id"], "Beleidigend", "ada@example.org")
        report = await file_report(session, federation.uris, draft)
    return report.id, reply["object"]["id"]


async def _report(db: Database, report_id: int) -> Report:
    async with db.read() as session:
        found = await session.get(Report, report_id)
    assert found is not None
    return found


async def _actions(db: Database) -> list[tuple[str, str, str, bool]]:
    async with db.read() as session:
        rows = (
            await session.execute(select(ModerationAction).order_by(ModerationAction.id))
        ).scalars()
        return [(row.action, row.target, row.reason, row.reason_private) for row in rows]


# Who may enter


async def test_anonymous_visitors_are_sent_to_the_login_page(client: Any, db: Database) -> None:
    for method, path in (("GET", "/moderation/reports"), ("POST", "/moderation/domains")):
        response = await client.request(method, path, allow_redirects=False)
        assert response.status == 303, path
        assert unquote(response.headers["Location"]) == f"/login?next={path}"
    assert await count(db, DomainBlock) == 0
    assert (await client.get("/moderation")).status == 200  # the public record stays public


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path.replace("{username}", "fairbnb"))


def _concrete(route: Any) -> str:
    """A URL the route matches: a coop's name, a number, or a word its pattern offers."""
    info = route.resource.get_info()
    if "formatter" not in info:
        return str(info["path"])
    formatter, pattern = info["formatter"], info["pattern"]
    names = re.findall(r"\{(\w+)\}", formatter)
    words = [w for choice in re.findall(r"\(\?P<\w+>([\w|]+)\)", pattern.pattern)
             for w in choice.split("|")]  # fmt: skip
    for values in itertools.product(["fairbnb", "1", *words], repeat=len(names)):
        url = formatter.format(**dict(zip(names, values, strict=True)))
        if pattern.fullmatch(url):
            return str(url)
    raise AssertionError(f"no URL matches {formatter}")


async def test_every_moderation_and_admin_route_refuses_people_without_the_manager_role(
    client: Any, db: Database, settings: Any
) -> None:
    await make_person(db, "chefin@hub.test", manager=True)
    await log_in(client, db, PERSON_EMAIL, manager=False)
    csrf = await token(client, "/account")  # a valid form value: only the role can refuse
    person = await make_person(db, "api-person@hub.test", manager=False)
    async with db.begin() as session:
        fairbnb = (
            await session.execute(select(LocalActor).where(LocalActor.username == "fairbnb"))
        ).scalar_one()
        # An owner of a coop, so the token is valid: only the missing manager role refuses it.
        await memberships.grant(session, person, fairbnb, Role.owner)
    bearer = {"Authorization": f"Bearer {await token_for(db, person, fairbnb, ADMIN_SCOPES)}"}
    checked: list[tuple[str, str]] = []
    for route in client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if not path.startswith(("/moderation/", "/api/v1/admin/")):
            continue
        url = _concrete(route)
        admin_api = path.startswith("/api/v1/admin/")
        response = await client.request(
            route.method,
            url,
            data=None if admin_api else {"csrf": csrf},
            headers=bearer if admin_api else None,
            allow_redirects=False,
        )
        assert response.status == 403, (route.method, url, response.status)
        if not admin_api and route.method != "HEAD":
            assert "Netzwerk-Management" in await response.text()
        checked.append((route.method, path))
    moderation = [c for c in checked if c[1].startswith("/moderation/") and c[0] != "HEAD"]
    assert len(moderation) >= MIN_MODERATION_ROUTES, moderation
    assert await _actions(db) == [] and await count(db, DomainBlock) == 0


# The report queue


async def test_the_queue_shows_open_reports_and_the_snapshot_in_both_languages(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    report_id, post_uri = await _flagged_post(client, db, settings, federation, friendly)
    await log_in(client, db)
    queue = await (await client.get("/moderation/reports")).text()
    assert f"/moderation/reports/{report_id}" in queue and "@fairbnb" in queue
    assert "Hetze gegen Gäste" in queue and "<h1>Meldungen</h1>" in queue
    english = await (await client.get(f"/moderation/reports/{report_id}?lang=en")).text()
    assert "Reported content" in english and "Problematisch" in english and post_uri in english
    assert "Remove the reported posts" in english
    closed = await (await client.get("/moderation/reports?state=closed")).text()
    assert f"/moderation/reports/{report_id}" not in closed


async def test_removing_a_reported_post_sends_a_delete_and_closes_the_report(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    await follows(client, federation, friendly, "ally")
    report_id, post_uri = await _flagged_post(client, db, settings, federation, friendly)
    await log_in(client, db)
    data = {"action": "remove", "reason": "Volksverhetzung", "private": "on"}
    response = await submit(client, f"/moderation/reports/{report_id}/resolve", data)
    assert response.status == 303
    assert response.headers["Location"] == f"/moderation/reports/{report_id}?done=resolved"
    await run(federation)
    [delete] = of_type(friendly, "Delete")
    assert delete["object"]["id"] == post_uri
    closed = await _report(db, report_id)
    assert (closed.state, closed.outcome) == ("resolved", "remove")
    assert ("report.remove", f"report {report_id}", "Volksverhetzung", True) in await _actions(db)
    page = await (await client.get(response.headers["Location"])).text()
    assert "Maßnahme wurde ausgeführt" in page and 'name="action"' not in page


async def test_dismissing_sends_nothing_and_moves_the_report_to_the_closed_list(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    report_id, _ = await _flagged_post(client, db, settings, federation, friendly)
    await log_in(client, db)
    response = await submit(
        client,
        f"/moderation/reports/{report_id}/resolve",
        {"action": "dismiss", "reason": "kein Verstoß"},
    )
    assert response.status == 303
    await run(federation)
    assert friendly.received == []
    assert (await _report(db, report_id)).state == "dismissed"
    closed = await (await client.get("/moderation/reports?state=closed")).text()
    assert f"/moderation/reports/{report_id}" in closed and "abgewiesen" in closed


async def test_limiting_a_reported_coop_keeps_a_private_reason_off_the_public_page(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    report_id, _ = await _flagged_post(client, db, settings, federation, friendly)
    await log_in(client, db)
    data = {"action": "limit", "reason": "Geheime Gründe", "private": "on"}
    assert (await submit(client, f"/moderation/reports/{report_id}/resolve", data)).status == 303
    async with db.read() as session:
        fairbnb = (
            await session.execute(select(LocalActor).where(LocalActor.username == "fairbnb"))
        ).scalar_one()
    assert fairbnb.limited_at is not None
    public = await (await client.get("/moderation")).text()
    assert "fairbnb" in public and "Geheime Gründe" not in public


async def test_suspending_a_reported_remote_author_with_forward_sends_the_flag_and_refuses_them(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    report_id, reply_uri = await _reply_report(client, db, settings, federation, spam)
    await log_in(client, db)
    page = await (await client.get(f"/moderation/reports/{report_id}")).text()
    assert "Beleidigung" in page and "@troll@spam.test" in page
    data = {"action": "suspend", "reason": "Troll", "forward": "on"}
    assert (await submit(client, f"/moderation/reports/{report_id}/resolve", data)).status == 303
    await run(federation)
    [sent] = of_type(spam, "Flag")
    assert sent["actor"] == f"{HUB}/actor" and sent["object"] == [spam.actor("troll"), reply_uri]
    assert "Ada" not in str(sent)
    response = await deliver(client, spam, "troll", note_of(spam, "troll", 2))
    assert response.status == 403  # the gate of this process knows at once
    report = await _report(db, report_id)
    assert report.forwarded_at is not None and report.outcome == "suspend"


async def test_forwarding_alone_sends_the_flag_and_keeps_the_report_open(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    report_id, _ = await _reply_report(client, db, settings, federation, spam)
    await log_in(client, db)
    response = await submit(client, f"/moderation/reports/{report_id}/forward", {})
    assert response.headers["Location"].endswith("?done=forwarded")
    await run(federation)
    assert len(of_type(spam, "Flag")) == 1
    assert (await _report(db, report_id)).state == "open"


async def test_blocking_the_domain_of_a_reported_author_stops_deliveries_to_it(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "fan")
    report_id, _ = await _reply_report(client, db, settings, federation, spam)
    await log_in(client, db)
    data = {"action": "block-domain", "reason": "Spamschleuder"}
    assert (await submit(client, f"/moderation/reports/{report_id}/resolve", data)).status == 303
    assert await count(db, Follow) == 0
    await publish(db, settings, "Neuigkeit")
    await run(federation)
    assert spam.received == []
    async with db.read() as session:
        block = (await session.execute(select(DomainBlock))).scalar_one()
    assert (block.domain, block.severity, block.private_comment) == (
        "spam.test",
        "suspend",
        "Spamschleuder",
    )


async def test_a_refused_action_is_422_with_one_line_and_changes_nothing(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    report_id, _ = await _flagged_post(client, db, settings, federation, friendly)
    await log_in(client, db)
    # Our own coop's server cannot be blocked, and "explode" is no action.
    refusals = (("block-domain", "Nur der Server eines entfernten"), ("explode", "Bitte eines"))
    for action, line in refusals:
        response = await submit(
            client, f"/moderation/reports/{report_id}/resolve", {"action": action}
        )
        assert response.status == 422 and line in await response.text()
    assert (await _report(db, report_id)).state == "open" and await _actions(db) == []
    assert (await client.get("/moderation/reports/999")).status == 404


# Servers


async def test_a_domain_block_from_the_form_severs_follows_and_refuses_the_inbox(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "fan")
    await log_in(client, db)
    data = {
        "domain": "Spam.test",
        "severity": "suspend",
        "reject_reports": "on",
        "public_comment": "Spam",
        "private_comment": "Beschwerden von Mitgliedern",
    }
    response = await submit(client, "/moderation/domains", data)
    assert response.headers["Location"] == "/moderation/domains?done=blocked"
    assert await count(db, Follow) == 0
    assert (await deliver(client, spam, "fan", note_of(spam, "fan", 3))).status == 403
    await publish(db, settings, "Neuigkeit")
    await run(federation)
    assert spam.received == []
    page = await (await client.get("/moderation/domains?done=blocked")).text()
    assert "spam.test" in page and "Beschwerden von Mitgliedern" in page
    lifted = await submit(client, "/moderation/domains/remove", {"domain": "spam.test"})
    assert lifted.headers["Location"].endswith("?done=unblocked")
    assert await count(db, DomainBlock) == 0
    assert (await deliver(client, spam, "fan", note_of(spam, "fan", 4))).status == 202


async def test_a_bad_domain_or_severity_is_422_and_nothing_stored(
    client: Any, db: Database
) -> None:
    await log_in(client, db)
    for data in (
        {"domain": "not a domain", "severity": "suspend"},
        {"domain": "ok.test", "severity": "obliterate"},
    ):
        response = await submit(client, "/moderation/domains", data)
        assert response.status == 422
        assert 'role="alert"' in await response.text()
    assert await count(db, DomainBlock) == 0 and await _actions(db) == []


async def test_the_allow_list_takes_servers_on_and_off(client: Any, db: Database) -> None:
    await log_in(client, db)
    assert (
        await submit(client, "/moderation/domains/allow", {"domain": "friendly.test"})
    ).status == 303
    async with db.read() as session:
        assert (await session.execute(select(DomainBlock.severity))).scalars().all() == ["allow"]
    page = await (await client.get("/moderation/domains")).text()
    assert "friendly.test" in page
    assert (
        await submit(client, "/moderation/domains/disallow", {"domain": "friendly.test"})
    ).status == 303
    assert await count(db, DomainBlock) == 0


async def test_blocklists_import_and_export_in_mastodons_csv_format(
    client: Any, db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "fan")
    await log_in(client, db)
    csv = (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        "spam.test,suspend,false,true,Spam,false\nquiet.test,silence,true,false,,true\n"
    )
    form = FormData({"csrf": await token(client, "/moderation/domains")})
    form.add_field("file", csv.encode(), filename="blocks.csv", content_type="text/csv")
    response = await client.post("/moderation/domains/import", data=form, allow_redirects=False)
    assert response.headers["Location"] == "/moderation/domains?done=imported"
    assert await count(db, Follow) == 0  # the suspension severed the follow
    exported = await client.get("/moderation/domains/export.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert await exported.text() == (
        "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
        "quiet.test,silence,true,false,,true\nspam.test,suspend,false,true,Spam,false\n"
    )


async def test_a_blocklist_with_one_bad_line_imports_nothing(client: Any, db: Database) -> None:
    await log_in(client, db)
    form = FormData({"csrf": await token(client, "/moderation/domains")})
    form.add_field(
        "file", b"#domain,#severity\ngood.test,suspend\nbad domain,suspend\n", filename="blocks.csv"
    )
    response = await client.post("/moderation/domains/import", data=form)
    assert response.status == 422
    assert "Zeile 3: &#39;bad domain&#39; ist kein Domainname" in await response.text()
    assert await count(db, DomainBlock) == 0


# Remote accounts


def _handle(remote: FakeRemote, user: str) -> str:
    """user@host:port, as the hub stores the fake remote's accounts."""
    return f"{user}@{remote.base.split('//')[1]}"


async def test_blocking_a_remote_account_refuses_it_and_unblocking_lets_it_in(
    client: Any, db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "troll")
    await log_in(client, db)
    data = {"target": _handle(spam, "troll"), "action": "block", "reason": "Belästigung"}
    response = await submit(client, "/moderation/accounts", data)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/moderation/accounts?done=account"
    assert await count(db, Follow) == 0
    assert (await deliver(client, spam, "troll", note_of(spam, "troll", 5))).status == 403
    page = await (await client.get("/moderation/accounts")).text()
    assert "@troll@spam.test" in page
    data = {"target": spam.actor("troll"), "action": "unblock"}
    assert (await submit(client, "/moderation/accounts", data)).status == 303
    assert (await deliver(client, spam, "troll", note_of(spam, "troll", 6))).status == 202
    assert [a[0] for a in await _actions(db)] == ["actor.suspend", "actor.unsuspend"]


async def test_limiting_a_remote_account_and_lifting_it(
    client: Any, db: Database, federation: Federation, spam: FakeRemote
) -> None:
    await follows(client, federation, spam, "troll")
    await log_in(client, db)
    assert (
        await submit(
            client, "/moderation/accounts", {"target": _handle(spam, "troll"), "action": "limit"}
        )
    ).status == 303
    async with db.read() as session:
        assert (await session.execute(select(RemoteActor.limited_at))).scalar_one() is not None
    assert (
        await submit(
            client, "/moderation/accounts", {"target": _handle(spam, "troll"), "action": "unlimit"}
        )
    ).status == 303
    async with db.read() as session:
        assert (await session.execute(select(RemoteActor.limited_at))).scalar_one() is None


async def test_an_unknown_account_is_422(client: Any, db: Database) -> None:
    await log_in(client, db)
    response = await submit(
        client, "/moderation/accounts", {"target": "nobody@nowhere.test", "action": "block"}
    )
    assert response.status == 422 and "nobody@nowhere.test" in await response.text()
    assert await _actions(db) == []


# Coops


async def test_suspending_a_coop_sends_delete_and_unsuspending_sends_update(
    client: Any, db: Database, settings: Any, federation: Federation, friendly: FakeRemote
) -> None:
    await follows(client, federation, friendly, "ally")
    await log_in(client, db)
    listing = await (await client.get("/moderation/coops")).text()
    assert "/moderation/coops/fairbnb" in listing
    data = {"action": "suspend", "reason": "Betrug an Mitgliedern"}
    response = await submit(client, "/moderation/coops/fairbnb", data)
    assert response.headers["Location"] == "/moderation/coops/fairbnb?done=coop"
    await run(federation)
    [delete] = of_type(friendly, "Delete")
    assert delete["object"] == COOP
    assert (await client.get("/users/fairbnb", headers=AP_ACCEPT)).status == 410
    assert "Betrug an Mitgliedern" in await (await client.get("/moderation")).text()
    page = await (await client.get("/moderation/coops/fairbnb")).text()
    assert 'value="unsuspend"' in page and "Betrug an Mitgliedern" in page
    assert (
        await submit(client, "/moderation/coops/fairbnb", {"action": "unsuspend"})
    ).status == 303
    await run(federation)
    assert len(of_type(friendly, "Update")) == 1
    assert (await client.get("/users/fairbnb", headers=AP_ACCEPT)).status == 200


async def test_limiting_a_coop_and_lifting_it_and_refusals(
    client: Any, db: Database, settings: Any
) -> None:
    await make_coop(db, settings, "polypoly")
    await log_in(client, db)
    assert (await submit(client, "/moderation/coops/polypoly", {"action": "limit"})).status == 303
    again = await submit(client, "/moderation/coops/polypoly", {"action": "limit"})
    assert again.status == 422 and "gilt diese Maßnahme bereits" in await again.text()
    assert (await submit(client, "/moderation/coops/polypoly", {"action": "unlimit"})).status == 303
    assert [a[0] for a in await _actions(db)] == ["coop.limit", "coop.unlimit"]
    assert (await client.get("/moderation/coops/nobody")).status == 404


# The audit log, CSRF


async def test_the_audit_log_lists_who_did_what_with_private_reasons_marked(
    client: Any, db: Database
) -> None:
    await log_in(client, db)
    await submit(
        client,
        "/moderation/coops/fairbnb",
        {"action": "limit", "reason": "intern", "private": "on"},
    )
    page = await (await client.get("/moderation/audit?lang=en")).text()
    assert "coop.limit" in page and "moderatorin@hub.test" in page
    assert "intern (private)" in page and "<h1>Audit log</h1>" in page


POSTS = [
    ("/moderation/reports/{report}/resolve", {"action": "dismiss"}),
    ("/moderation/reports/{report}/forward", {}),
    ("/moderation/domains", {"domain": "spam.test", "severity": "suspend"}),
    ("/moderation/domains/remove", {"domain": "spam.test"}),
    ("/moderation/domains/allow", {"domain": "friendly.test"}),
    ("/moderation/domains/disallow", {"domain": "friendly.test"}),
    ("/moderation/domains/import", {"csv": "spam.test\n"}),
    ("/moderation/accounts", {"target": "troll@spam.test", "action": "block"}),
    ("/moderation/coops/fairbnb", {"action": "suspend"}),
    ("/moderation/applications/1", {"action": "decline", "reason": "no"}),
    ("/moderation/about", {"text_de": "Neu", "text_en": "New"}),
]


async def test_every_manager_form_without_its_csrf_value_is_403_and_changes_nothing(
    client: Any, db: Database, settings: Any, federation: Federation, spam: FakeRemote
) -> None:
    report_id, _ = await _reply_report(client, db, settings, federation, spam)
    await log_in(client, db)
    routes = {
        route.resource.canonical
        for route in client.app.router.routes()
        if route.method == "POST"
        and route.resource
        and route.resource.canonical.startswith("/moderation/")
    }
    assert {_shape(r) for r in routes} == {_shape(path) for path, _ in POSTS}
    for path, data in POSTS:
        url = path.format(report=report_id)
        for csrf in ("", "0" * 64):
            response = await submit(client, url, data, csrf=csrf)
            assert response.status == 403, url
    await run(federation)
    assert await _actions(db) == [] and await count(db, DomainBlock) == 0
    assert spam.received == [] and (await _report(db, report_id)).state == "open"


# Membership applications


async def _application(db: Database, settings: Any, username: str) -> int:
    async with db.begin() as session:
        draft = ApplicationDraft("Velo Coop", username, "Lena Rad", f"lena@{username}.test")
        return (await applications.submit(session, settings, draft)).id


async def test_a_manager_approves_and_declines_applications_on_the_web(
    client: Any, db: Database, settings: Any
) -> None:
    velo, bike = (
        await _application(db, settings, "velocoop"),
        await _application(db, settings, "bikecoop"),
    )
    await log_in(client, db)
    queue = await (await client.get("/moderation/applications")).text()
    assert "velocoop" in queue and "bikecoop" in queue and "lena@velocoop.test" in queue
    approved = await submit(client, f"/moderation/applications/{velo}", {"action": "approve"})
    assert approved.headers["Location"] == "/moderation/applications?done=approved"
    async with db.read() as session:
        coop = await find_actor(session, "velocoop")
        assert coop is not None and coop.name == "Velo Coop"
    refused = await submit(client, f"/moderation/applications/{bike}", {"action": "decline"})
    assert refused.status == 422 and "Begründung" in await refused.text()
    declined = {"action": "decline", "reason": "Kein Bezug zur Plattform-Ökonomie"}
    assert (await submit(client, f"/moderation/applications/{bike}", declined)).status == 303
    async with db.read() as session:
        assert await find_actor(session, "bikecoop") is None
        decided = await applications.get_application(session, bike)
    assert decided.state == "declined" and decided.reason == declined["reason"]
    shown = await (await client.get("/moderation/applications")).text()
    assert "Kein Antrag wartet." in shown and "Kein Bezug zur Plattform-Ökonomie" in shown


# The about page


async def test_a_manager_edits_the_about_page_in_both_languages(client: Any, db: Database) -> None:
    shipped = await (await client.get("/about?lang=en")).text()
    assert "Platform" in shipped  # the shipped description until managers edit it
    await log_in(client, db)
    editor = await (await client.get("/moderation/about")).text()
    assert "Platform Coops" in editor  # the current text, ready to edit
    texts = {
        "text_de": "## Regeln\n\nWir moderieren **gemeinsam**.",
        "text_en": "## Rules\n\nWe moderate **together**.",
    }
    saved = await submit(
        client, "/moderation/about", texts, await token(client, "/moderation/about")
    )
    assert saved.headers["Location"] == "/moderation/about?done=about"
    german = await (await client.get("/about?lang=de")).text()
    english = await (await client.get("/about?lang=en")).text()
    assert "<strong>gemeinsam</strong>" in german and "Regeln" in german
    assert "<strong>together</strong>" in english
    assert [action[0] for action in await _actions(db)] == ["about.edit", "about.edit"]


async def test_an_empty_about_text_stores_neither_language(client: Any, db: Database) -> None:
    await log_in(client, db)
    form = {"text_de": "Eine ganz neue Fassung", "text_en": "   "}
    refused = await submit(
        client, "/moderation/about", form, await token(client, "/moderation/about")
    )
    assert refused.status == 422 and "darf nicht leer sein" in await refused.text()
    assert "Eine ganz neue Fassung" not in await (await client.get("/about?lang=de")).text()
